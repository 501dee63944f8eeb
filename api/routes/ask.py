"""Questions: cited answers, as JSON or as a Server-Sent Events stream."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import StreamingResponse

from api.deps import AssistantDep, require_read_key
from api.problems import responses
from api.schemas import AskRequest

router = APIRouter(prefix="/v1", tags=["domande"], dependencies=[Depends(require_read_key)])

ANSWER_EXAMPLE = {
    "answer": "Secondo «Piano Alfa (prova)»:\n- Il voucher per le dimissioni protette si attiva tramite il servizio "
    "sociale del Comune di residenza [1].",
    "abstained": False,
    "citations": [{
        "n": 1, "chunk_id": "alfa:3f2c9d0e", "doc_id": "alfa", "source": "piano_alfa.md", "title": "Piano Alfa (prova)",
        "ambito": "Crema", "period": "2015-2017", "kind": "piano", "section": "2. Servizi per la domiciliarità",
        "page": None, "char_start": 212, "char_end": 371,
        "text": "Il voucher per le dimissioni protette si attiva tramite il servizio sociale del Comune di residenza.",
        "passage_start": 180, "passage_end": 620,
    }],
    "unsupported_sentences": [],
    "backend": "estrattivo",
}
SSE_EXAMPLE = (
    'event: sentence\ndata: {"text": "Secondo «Piano Alfa (prova)»:"}\n\n'
    'event: sentence\ndata: {"text": "- Il voucher ... si attiva tramite il servizio sociale del Comune [1]."}\n\n'
    'event: citations\ndata: [{"n": 1, "doc_id": "alfa", "char_start": 212, "char_end": 371, "...": "..."}]\n\n'
    'event: done\ndata: {"abstained": false, "unsupported_sentences": []}\n\n'
)


def sse(event: str, data: Any) -> str:
    """One Server-Sent Event; ``data`` is JSON on a single line."""
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def answer_events(payload: dict[str, Any]) -> Iterator[str]:
    """``sentence`` per non-empty answer line, then ``citations``, then ``done``."""
    for line in payload["answer"].splitlines():
        if line.strip():
            yield sse("sentence", {"text": line})
    yield sse("citations", payload["citations"])
    yield sse("done", {"abstained": payload["abstained"], "unsupported_sentences": payload["unsupported_sentences"]})


@router.post(
    "/ask",
    summary="Risposta in italiano con citazioni",
    description="Risponde alla domanda con frasi dei Piani di Zona, ciascuna con il marcatore `[n]` della "
    "citazione; ogni citazione indica documento, sezione, pagina e lo span (`char_start`-`char_end`) nel testo "
    "canonico (vedi `GET /v1/documents/{doc_id}`). Se i documenti non contengono la risposta, `abstained` è "
    "vero. Con `stream: true` la risposta è un flusso Server-Sent Events: un evento `sentence` per riga "
    "(`{text}`), poi `citations` (elenco), poi `done` (`{abstained}`).",
    response_model=None,
    responses={
        200: {"content": {"application/json": {"example": ANSWER_EXAMPLE}, "text/event-stream": {"example": SSE_EXAMPLE}}},
        **responses(422, 502, 503),
    },
)
def ask(body: AskRequest, assistant: AssistantDep) -> dict[str, Any] | StreamingResponse:
    filters = body.filters.to_search() if body.filters else None
    payload = assistant.ask(body.question, filters=filters, history=body.history).to_dict()
    if not body.stream:
        return payload
    return StreamingResponse(
        answer_events(payload), media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
