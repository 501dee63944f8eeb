"""One parsed-document model shared by ingestion, extraction, the service and the API.

A :class:`ParsedDocument` holds the raw text a loader produced (with its page
map and explicit headings), the canonical text with its per-character map to
the raw text, the detected sections and the catalogue metadata. It is built in
one way only, :meth:`ParsedDocument.from_raw`, whether the raw text comes from a
file being ingested or from the registry of an indexed document, so the
canonical text and the sections are always the same for the same input.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from ingest.normalize import CanonicalText, normalize
from ingest.schemas import DocumentMeta, Page, RawHeading, Section
from ingest.structure import detect_structure


def build_canonical(text: str, pages: tuple[Page, ...] = (), headings: tuple[RawHeading, ...] = ()) -> CanonicalText:
    """Canonical text of a loaded document, with explicit headings turned into hints."""
    canonical = normalize(text, pages)
    for h in headings:
        canonical.heading_hints[canonical.canonical_offset(h.start)] = h.level
    return canonical


def page_at(canonical: CanonicalText, pages: tuple[Page, ...], offset: int) -> int | None:
    """Number of the page holding canonical ``offset``: the last page starting at or before its raw origin."""
    if not pages or not 0 <= offset < len(canonical.offsets):
        return None
    raw = canonical.offsets[offset]
    idx = bisect.bisect_right([p.start for p in pages], raw) - 1
    return pages[max(idx, 0)].number


def section_at(sections: list[Section], offset: int) -> Section | None:
    """The innermost section whose span holds ``offset`` (a heading's own span counts as its section)."""
    inside = [s for s in sections if s.start <= offset < max(s.end, s.start + 1)]
    return max(inside, key=lambda s: (s.start, s.level), default=None)


@dataclass(frozen=True)
class ParsedDocument:
    """A document as every layer reads it: raw text, canonical text, pages, sections and metadata."""

    meta: DocumentMeta
    version: str
    raw: str
    canonical: CanonicalText
    sections: list[Section]
    pages: tuple[Page, ...] = ()
    headings: tuple[RawHeading, ...] = ()

    @classmethod
    def from_raw(
        cls,
        raw: str,
        meta: DocumentMeta,
        version: str,
        *,
        pages: tuple[Page, ...] = (),
        headings: tuple[RawHeading, ...] = (),
    ) -> ParsedDocument:
        """Normalise ``raw`` and detect its structure (the only way canonical text and sections are made)."""
        canonical = build_canonical(raw, pages, headings)
        sections = detect_structure(canonical.text, canonical.heading_hints)
        return cls(meta, version, raw, canonical, sections, pages, headings)

    @property
    def doc_id(self) -> str:
        return self.meta.doc_id

    @property
    def text(self) -> str:
        """The canonical text (what chunks, citations and records point into)."""
        return self.canonical.text

    @property
    def raw_text(self) -> str:
        return self.raw

    def page_at(self, offset: int) -> int | None:
        """Page number of canonical ``offset`` (None for unpaged sources)."""
        return page_at(self.canonical, self.pages, offset)

    def section_at(self, offset: int) -> Section | None:
        """Innermost section holding canonical ``offset``."""
        return section_at(self.sections, offset)

    def page_is_ocr(self, number: int | None) -> bool:
        """True when the page was read by OCR."""
        return any(p.number == number and p.ocr for p in self.pages)
