"""Optional LLM extractor for documents no rule fits, grounded afterwards.

The chat model is asked for JSON objectives (a small pydantic schema of
strings). Every value is then aligned back to the document's canonical text
with rapidfuzz; a value that cannot be aligned is dropped and reported, never
stored as if it were in the document.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from assistant.extraction.common import ParsedLike, build
from assistant.extraction.grounding import FieldValues, align
from assistant.extraction.schema import Objective

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

PROMPT = (
    "Estrai gli obiettivi del piano dal testo seguente. Rispondi SOLO con un array JSON; ogni elemento ha i "
    "campi: title, statement, actions (lista), indicators (lista), targets (lista), timing, resources. "
    "Copia le parole esattamente dal testo; non inventare nulla.\n\nTesto:\n"
)
SCALARS = ("title", "statement", "timing", "resources")
LISTS = ("actions", "indicators", "targets")


class LlmObjective(BaseModel):
    model_config = ConfigDict(extra="ignore")

    title: str
    statement: str | None = None
    actions: list[str] = Field(default_factory=list)
    indicators: list[str] = Field(default_factory=list)
    targets: list[str] = Field(default_factory=list)
    timing: str | None = None
    resources: str | None = None


@dataclass
class LlmExtraction:
    objectives: list[Objective] = field(default_factory=list)
    dropped: list[dict[str, str]] = field(default_factory=list)
    """Fields the model produced that are not in the document: {title, field, value, reason}."""


def _parse(reply: str) -> list[LlmObjective]:
    match = re.search(r"\[.*\]", reply, re.S)
    if not match:
        return []
    try:
        items = json.loads(match.group(0))
        return [LlmObjective.model_validate(x) for x in items if isinstance(x, dict)]
    except (ValueError, ValidationError):
        return []


def extract_with_llm(doc: ParsedLike, model: BaseChatModel, *, max_chars: int = 20000) -> LlmExtraction:
    text = doc.canonical.text
    reply = model.invoke([("human", PROMPT + text[:max_chars])])
    content = reply.content if isinstance(reply.content, str) else json.dumps(reply.content)
    result = LlmExtraction()
    for item in _parse(content):
        fields = FieldValues(text)
        title_span = align(item.title, text)
        if title_span is None:
            result.dropped.append({"title": item.title, "field": "title", "value": item.title, "reason": "non trovato nel testo"})
            continue
        fields.set("title", *title_span)
        starts, ends = [title_span[0]], [title_span[1]]
        for name in SCALARS[1:]:
            value = getattr(item, name)
            if value:
                span = align(value, text)
                if span is None:
                    result.dropped.append({"title": item.title, "field": name, "value": value, "reason": "non trovato nel testo"})
                    continue
                fields.set(name, *span)
                starts.append(span[0])
                ends.append(span[1])
        for name in LISTS:
            for value in getattr(item, name):
                span = align(value, text)
                if span is None:
                    result.dropped.append({"title": item.title, "field": name, "value": value, "reason": "non trovato nel testo"})
                    continue
                fields.add(name, *span)
                starts.append(span[0])
                ends.append(span[1])
        record = build(doc, fields, start=min(starts), end=max(ends), section=None, extractor="llm")
        if record is not None:
            result.objectives.append(record)
    return result
