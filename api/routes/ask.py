"""Questions: cited answers, as JSON or as a Server-Sent Events stream."""

from __future__ import annotations

import itertools
import json
import logging
from collections.abc import Generator, Iterator
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import StreamingResponse

from api.deps import AssistantDep, limited, require_read_key
from api.problems import GENERIC_500, STORE_DOWN, responses
from api.responses import AnswerOut
from api.schemas import AskRequest
from assistant.answer_stream import StreamEvent
from ingest.errors import PdzError, StoreUnavailable

log = logging.getLogger(__name__)
router = APIRouter(prefix="/v1", tags=["domande"], dependencies=[Depends(require_read_key), limited("ask")])

ANSWER_EXAMPLE = {
    "answer": "Secondo «Piano Alfa (prova)»:\n- Il voucher per le dimissioni protette si attiva tramite il servizio "
    "sociale del Comune di residenza [1].",
    "abstained": False,
    "status": "answered",
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


def closing_events(answer: AnswerOut) -> Iterator[str]:
    """``citations`` then ``done`` (with the whole answer text, as the JSON answer gives it)."""
    payload = answer.model_dump(mode="json")
    yield sse("citations", payload["citations"])
    yield sse("done", {"abstained": answer.abstained, "status": answer.status,
                       "unsupported_sentences": answer.unsupported_sentences, "answer": answer.answer,
                       "backend": answer.backend})


def stream_events(first: StreamEvent | None, events: Generator[StreamEvent, None, None]) -> Iterator[str]:
    """Server-Sent Events from the assistant's events; an error after the first event becomes an ``error`` event."""
    try:
        for event in itertools.chain([first] if first is not None else [], events):
            if event.kind == "sentence":
                yield sse("sentence", {"text": event.text})
            elif event.answer is not None:
                yield from closing_events(AnswerOut.of(event.answer))
    except PdzError as exc:  # the status line is already sent: the error travels as an event
        detail = STORE_DOWN if isinstance(exc, StoreUnavailable) else exc.message
        log.warning("streamed answer interrupted: %s", exc)
        yield sse("error", {"code": exc.code, "detail": detail})
    except Exception:  # noqa: BLE001 - the client must learn that the answer is incomplete
        log.exception("streamed answer failed")
        yield sse("error", {"code": "errore_interno", "detail": GENERIC_500})
    finally:
        events.close()  # a client that left stops the generation (the model's stream is closed)


@router.post(
    "/ask",
    summary="Risposta in italiano con citazioni",
    description="Risponde alla domanda con frasi dei Piani di Zona, ciascuna con il marcatore `[n]` della "
    "citazione; ogni citazione indica documento, sezione, pagina e lo span (`char_start`-`char_end`) nel testo "
    "canonico (vedi `GET /v1/documents/{doc_id}`). Se i documenti non contengono la risposta, `abstained` è "
    "vero. Con `stream: true` la risposta è un flusso Server-Sent Events: un evento `sentence` (`{text}`) per "
    "frase o riga, inviato appena esiste, poi `citations` (elenco), poi `done` (`{abstained, status, "
    "unsupported_sentences, answer, backend}`); un errore dopo il primo evento arriva come evento `error` "
    "(`{code, detail}`).",
    response_model=AnswerOut,
    responses={
        200: {"content": {"application/json": {"example": ANSWER_EXAMPLE}, "text/event-stream": {"example": SSE_EXAMPLE}}},
        **responses(401, 403, 422, 429, 502, 503, 504),
    },
)
def ask(body: AskRequest, assistant: AssistantDep) -> AnswerOut | StreamingResponse:
    filters = body.filters.to_search() if body.filters else None
    if not body.stream:
        return AnswerOut.of(assistant.ask(body.question, filters=filters, history=body.history))
    events = assistant.ask_stream(body.question, filters=filters, history=body.history)
    # the first event is produced here (in the threadpool), so an error before it is still a
    # problem+json response; the rest is produced as the client reads (a sync iterator runs in
    # the threadpool too) and leaves the moment each sentence exists
    first = next(events, None)
    return StreamingResponse(
        stream_events(first, events), media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
