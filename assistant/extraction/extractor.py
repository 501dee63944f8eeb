"""Entry point: run every shape extractor on a parsed document and merge their records."""

from __future__ import annotations

from assistant.extraction.prose import extract_prose
from assistant.extraction.schema import Objective
from assistant.extraction.sectioned import extract_sectioned
from assistant.extraction.tables import extract_tables
from ingest.document import ParsedDocument
from ingest.schemas import DocumentMeta

# what the extractors read: the parsed document of ``ingest.document``
ExtractionInput = ParsedDocument


def parse_text(raw: str, meta: DocumentMeta, version: str = "v") -> ParsedDocument:
    """A document outside the index parsed the way ingestion parses it (tests, previews)."""
    return ParsedDocument.from_raw(raw, meta, version)


STRUCTURED_MINIMUM = 3
# Bump when extraction rules change: stored records of unchanged documents are then re-extracted.
EXTRACTOR_VERSION = "4"
PLAN_KINDS = {"piano"}


def extract_objectives(doc: ParsedDocument) -> list[Objective]:
    """All objectives of a document, whatever mix of shapes it uses, in document order.

    A plan that states its objectives in a structured shape (numbered sections
    or tables) is read that way only: its prose then describes, not sets,
    objectives. Otherwise the prose and list rules apply.
    """
    if doc.meta.kind not in PLAN_KINDS:
        return []  # slides, minutes and rules do not set a plan's objectives
    records = extract_sectioned(doc) + extract_tables(doc)
    if len(records) < STRUCTURED_MINIMUM:
        taken = [(r.char_start, r.char_end) for r in records]
        records += [r for r in extract_prose(doc) if not any(a <= r.char_start < b for a, b in taken)]
    return _unique(sorted(records, key=lambda r: (r.char_start, r.char_end)))


def _unique(records: list[Objective]) -> list[Objective]:
    """One record per id: two shapes reading the same span (e.g. a numbered objective inside a table) agree."""
    unique: dict[str, Objective] = {}
    for r in records:
        unique.setdefault(r.objective_id, r)
    return list(unique.values())
