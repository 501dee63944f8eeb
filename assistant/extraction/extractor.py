"""Entry point: run every shape extractor on a parsed document and merge their records."""

from __future__ import annotations

from dataclasses import dataclass

from assistant.extraction.prose import extract_prose
from assistant.extraction.schema import Objective
from assistant.extraction.sectioned import extract_sectioned
from assistant.extraction.tables import extract_tables
from ingest.normalize import CanonicalText
from ingest.pipeline import ParsedDocument, build_canonical
from ingest.schemas import DocumentMeta, Page, Section
from ingest.structure import detect_structure


@dataclass(frozen=True)
class ExtractionInput:
    """What the extractors read (a ``ParsedDocument`` or a registry entry rebuilt)."""

    canonical: CanonicalText
    sections: list[Section]
    version: str
    meta: DocumentMeta
    raw_text: str
    pages: tuple[Page, ...] = ()

    @classmethod
    def from_parsed(cls, parsed: ParsedDocument) -> ExtractionInput:
        loaded = parsed.source.loaded
        return cls(parsed.canonical, parsed.sections, parsed.version, parsed.source.meta, loaded.text, loaded.pages)

    @classmethod
    def from_text(cls, raw: str, meta: DocumentMeta, version: str = "v") -> ExtractionInput:
        canonical = build_canonical(raw)
        return cls(canonical, detect_structure(canonical.text, canonical.heading_hints), version, meta, raw)


STRUCTURED_MINIMUM = 3
# Bump when extraction rules change: stored records of unchanged documents are then re-extracted.
EXTRACTOR_VERSION = "3"
PLAN_KINDS = {"piano"}


def extract_objectives(doc: ExtractionInput) -> list[Objective]:
    """All objectives of a document, whatever mix of shapes it uses, in document order.

    A plan that states its objectives in a structured shape (numbered sections
    or tables) is read that way only: its prose then describes, not sets,
    objectives. Otherwise the prose and list rules apply.
    """
    if doc.meta.kind not in PLAN_KINDS:
        return []  # slides, minutes and rules do not set a plan's objectives
    records = extract_sectioned(doc) + extract_tables(doc)
    if len(records) >= STRUCTURED_MINIMUM:
        return sorted(records, key=lambda r: (r.char_start, r.char_end))
    taken = [(r.char_start, r.char_end) for r in records]
    for r in extract_prose(doc):
        if not any(a <= r.char_start < b for a, b in taken):
            records.append(r)
    return sorted(records, key=lambda r: (r.char_start, r.char_end))
