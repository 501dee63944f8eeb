"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.problems import problem

router = APIRouter(tags=["stato"])


@router.get("/health", summary="Il processo è vivo")
def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/ready", summary="Modelli caricati e indice raggiungibile", response_model=None)
def ready(request: Request) -> JSONResponse | dict[str, object]:
    state = request.app.state
    if not state.warm.is_set():
        return problem(503, "Non pronto", "Il servizio sta caricando modelli e indici.", "non_pronto")
    assistant = state.assistant
    if not assistant.store.ping():
        return problem(503, "Indice non disponibile", "L'archivio Chroma non risponde.", "archivio_non_raggiungibile")
    return {"status": "pronto", "documents": len(assistant.documents()), "embedder": assistant.embedder.name}
