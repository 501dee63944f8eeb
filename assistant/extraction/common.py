"""What every shape extractor shares: the parsed-document protocol and record assembly."""

from __future__ import annotations

import bisect
import re
from typing import Protocol

from assistant.extraction.grounding import FieldValues, objective_id
from assistant.extraction.schema import Objective
from ingest.normalize import CanonicalText
from ingest.schemas import DocumentMeta, Page, Section

OBJECTIVE_HEADING = re.compile(r"^(obiettivo\s+(?:n\s*[.°º]?\s*|n°\s*)?\d+)\b\s*[.:)–-]?\s*(.*)$", re.I)
_KIND = re.compile(r"\bnatura\s+(strategic|specific|operativ|gestional)[ao]\b", re.I)
_PREVIOUS = re.compile(r"\besiti\b|\bbilancio della programmazione\b|\bprecedente\b|\bgli esiti del\b", re.I)


class ParsedLike(Protocol):
    """The part of ``ingest.pipeline.ParsedDocument`` extraction needs."""

    @property
    def canonical(self) -> CanonicalText: ...

    @property
    def sections(self) -> list[Section]: ...

    @property
    def version(self) -> str: ...

    @property
    def meta(self) -> DocumentMeta: ...

    @property
    def pages(self) -> tuple[Page, ...]: ...

    @property
    def raw_text(self) -> str: ...


def page_of(doc: ParsedLike, start: int) -> int | None:
    if not doc.pages or start >= len(doc.canonical.offsets):
        return None
    raw = doc.canonical.offsets[start]
    idx = bisect.bisect_right([p.start for p in doc.pages], raw) - 1
    return doc.pages[max(idx, 0)].number


def set_stated_kind(fields: FieldValues, start: int, end: int) -> None:
    """"natura strategica" -> kind "Strategico", with the phrase as evidence."""
    m = _KIND.search(fields.text, start, end)
    if m:
        fields.values["kind"] = f"{m.group(1).capitalize()}o"
        fields.spans["kind"] = [(m.start(), m.end())]


def is_previous(path: tuple[str, ...]) -> bool:
    """A section reporting results of an earlier plan (its own title says so)."""
    return bool(path) and bool(_PREVIOUS.search(path[-1]))


def build(
    doc: ParsedLike,
    fields: FieldValues,
    *,
    start: int,
    end: int,
    section: Section | None,
    extractor: str,
    scope: str = "plan",
) -> Objective | None:
    """Assemble a record from grounded field values; None without a title."""
    values = dict(fields.values)
    if not values.get("title"):
        return None
    meta = doc.meta
    return Objective(
        objective_id=objective_id(doc.version, start, end),
        doc_id=meta.doc_id,
        source=meta.source,
        ambito=meta.ambito,
        period=meta.period,
        page=page_of(doc, start),
        section=" > ".join(section.path) if section else "",
        scope=scope,  # type: ignore[arg-type]
        extractor=extractor,  # type: ignore[arg-type]
        char_start=start,
        char_end=end,
        spans={k: [(a, b) for a, b in v] for k, v in fields.spans.items()},
        **values,  # type: ignore[arg-type]
    )


def enclosing(sections: list[Section], start: int) -> Section | None:
    """The section whose heading is the last one at or before ``start``."""
    current = None
    for s in sections:
        if s.start <= start:
            current = s
        else:
            break
    return current
