"""What every shape extractor shares: record assembly and section helpers."""

from __future__ import annotations

import re

from assistant.extraction.grounding import FieldValues, objective_id
from assistant.extraction.schema import Objective
from ingest.document import ParsedDocument, section_at
from ingest.schemas import Section

OBJECTIVE_HEADING = re.compile(r"^(obiettivo\s+(?:n\s*[.°º]?\s*|n°\s*)?\d+)\b\s*[.:)–-]?\s*(.*)$", re.I)
_KIND = re.compile(r"\bnatura\s+(strategic|specific|operativ|gestional)[ao]\b", re.I)
_PREVIOUS = re.compile(r"\besiti\b|\bbilancio della programmazione\b|\bprecedente\b|\bgli esiti del\b", re.I)


# extractors read the one parsed-document model of ``ingest.document``
ParsedLike = ParsedDocument


def page_of(doc: ParsedDocument, start: int) -> int | None:
    return doc.page_at(start)


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
    doc: ParsedDocument,
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
        objective_id=objective_id(f"{meta.doc_id}\x00{doc.version}", start, end),
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
    """The innermost section holding ``start`` (the one rule of ``ingest.document.section_at``)."""
    return section_at(sections, start)
