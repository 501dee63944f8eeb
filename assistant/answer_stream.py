"""Answers as a stream of events, so the first sentence leaves as soon as it exists.

Events, in order: ``sentence`` (the text of one sentence or line, ``[n]`` markers
included) as many times as there are sentences, then one ``answer`` with the final
:class:`~assistant.answer_record.Answer` (citations verified, status set). The
extractive backend composes the whole answer at once (retrieval dominates its cost),
so its sentences follow each other at once; the generative backend streams the
model's tokens and emits each sentence as soon as the next one has begun, then
verifies the whole reply exactly as the non-streamed answer does.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from assistant.answer_record import Answer
from assistant.citations import sentence_spans, strip_invalid_markers
from assistant.errors import LLMTimeout, LLMUnavailable

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from assistant.retrieval import SearchResult


@dataclass(frozen=True)
class StreamEvent:
    """One event of a streamed answer: ``sentence`` (``text``) or the final ``answer``."""

    kind: str
    text: str = ""
    answer: Answer | None = None


def answer_lines(answer: Answer) -> Iterator[StreamEvent]:
    """A composed answer as ``sentence`` events (one per non-empty line), then ``answer``."""
    for line in answer.answer.splitlines():
        if line.strip():
            yield StreamEvent("sentence", line)
    yield StreamEvent("answer", answer=answer)


def _text_of(chunk: Any) -> str:
    content = chunk.content
    if isinstance(content, list):
        return "".join(part.get("text", "") if isinstance(part, dict) else str(part) for part in content)
    return str(content)


def _tokens(model: BaseChatModel, messages: list[tuple[str, str]]) -> Iterator[str]:
    """The model's reply piece by piece; client errors become the LLM errors of the catalogue."""
    try:
        for chunk in model.stream(messages):
            yield _text_of(chunk)
    except Exception as exc:  # noqa: BLE001 - every client library raises its own types
        if "timeout" in type(exc).__name__.lower():
            raise LLMTimeout("Il modello linguistico non ha risposto in tempo.") from exc
        raise LLMUnavailable(f"Il modello linguistico non è raggiungibile: {type(exc).__name__}.") from exc


def stream_generated(question: str, results: Sequence[SearchResult], model: BaseChatModel) -> Iterator[StreamEvent]:
    """Stream the model's sentences as they complete, then the verified :class:`Answer`."""
    from assistant.llm import NOT_FOUND_TOKEN, answer_from_reply, build_messages

    if not results:
        yield from answer_lines(answer_from_reply(question, results, ""))
        return
    valid = set(range(1, len(results) + 1))
    reply = ""
    sent = 0  # sentences of ``reply`` already emitted

    def ready(final: bool) -> Iterator[StreamEvent]:
        nonlocal sent
        if NOT_FOUND_TOKEN.startswith(reply.strip()[: len(NOT_FOUND_TOKEN)]) or NOT_FOUND_TOKEN in reply:
            return  # possibly the abstention token: nothing is said until it is ruled out
        spans = sentence_spans(reply)
        done = spans if final else spans[:-1]  # the last span may still grow
        for span in done[sent:]:
            text, _ = strip_invalid_markers(reply[span.start : span.end], valid)
            if text:
                yield StreamEvent("sentence", text)
        sent = max(sent, len(done))

    for token in _tokens(model, build_messages(question, results)):
        reply += token
        yield from ready(final=False)
    answer = answer_from_reply(question, results, reply.strip())
    if answer.abstained:
        if sent == 0:
            yield StreamEvent("sentence", answer.answer)
    else:
        yield from ready(final=True)
    yield StreamEvent("answer", answer=answer)
