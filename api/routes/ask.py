"""Questions: cited answers, as JSON or as a Server-Sent Events stream."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import StreamingResponse

from api.deps import AssistantDep, require_read_key
from api.schemas import AskRequest, SearchRequest

router = APIRouter(prefix="/v1", tags=["domande"], dependencies=[Depends(require_read_key)])


def _sse(event: str, data: Any) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


@router.post(
    "/ask",
    summary="Risposta in italiano con citazioni",
    description="Con `stream: true` risponde con Server-Sent Events: `sentence` (una per riga della "
    "risposta), poi `citations`, poi `done`.",
    response_model=None,
)
def ask(body: AskRequest, assistant: AssistantDep) -> dict[str, Any] | StreamingResponse:
    filters = body.filters.to_search() if body.filters else None
    answer = assistant.ask(body.question, filters=filters, history=body.history)
    payload = answer.to_dict()
    if not body.stream:
        return payload

    def events() -> Iterator[str]:
        for line in payload["answer"].splitlines():
            if line.strip():
                yield _sse("sentence", {"text": line})
        yield _sse("citations", payload["citations"])
        yield _sse("done", {"abstained": payload["abstained"], "unsupported_sentences": payload["unsupported_sentences"]})

    return StreamingResponse(events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})


@router.post("/search", summary="Passaggi più pertinenti (ricerca ibrida)")
def search(body: SearchRequest, assistant: AssistantDep) -> dict[str, Any]:
    filters = body.filters.to_search() if body.filters else None
    results = assistant.search(body.query, k=body.k, filters=filters)
    return {"query": body.query, "results": [r.to_dict() for r in results]}
