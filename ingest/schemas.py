"""Records exchanged by the ingestion pipeline.

Offsets are always character offsets: ``Page`` offsets index the raw text a
loader produced, ``Section`` and ``Chunk`` offsets index the canonical text.
"""

from __future__ import annotations

from dataclasses import dataclass

KINDS = ("piano", "presentazione", "verbale", "regolamento", "altro")


@dataclass(frozen=True)
class Page:
    """One page of a paged source: ``raw_text[start:end]``.

    ``ocr`` marks a page whose text was read by OCR (no text layer);
    ``confidence`` is then Tesseract's mean word confidence, 0-100
    (``None`` for text-layer pages and pages where OCR read nothing).
    """

    number: int
    start: int
    end: int
    ocr: bool = False
    confidence: float | None = None


@dataclass(frozen=True)
class RawHeading:
    """A heading the source format marked explicitly (DOCX styles, markdown)."""

    start: int
    end: int
    level: int


@dataclass(frozen=True)
class LoadedText:
    """What a loader returns: one raw text plus its page map and explicit headings."""

    text: str
    pages: tuple[Page, ...] = ()
    headings: tuple[RawHeading, ...] = ()
    encoding: str | None = None


@dataclass(frozen=True)
class DocumentMeta:
    """Catalogue metadata of a document (from the manifest or detected)."""

    doc_id: str
    source: str
    title: str
    ambito: str | None
    period: str | None
    kind: str
    date: str | None = None
    detected: bool = False
    aliases: tuple[str, ...] = ()
    """Other names of the plan's ambito in questions ("cremonese", "Casalmaggiore")."""


@dataclass(frozen=True)
class Section:
    """A heading and the span of canonical text it governs."""

    title: str
    level: int
    start: int
    end: int
    heading_end: int
    path: tuple[str, ...]

    @property
    def path_text(self) -> str:
        return " > ".join(self.path)


@dataclass(frozen=True)
class Chunk:
    """A retrievable passage with exact provenance into the canonical text."""

    chunk_id: str
    doc_id: str
    source: str
    title: str
    ambito: str | None
    period: str | None
    kind: str
    section: str
    page: int | None
    char_start: int
    char_end: int
    text: str
    ordinal: int
    version: str = ""
    ocr: bool = False
    """True when the passage's page was read by OCR (the text may hold recognition errors)."""

    @property
    def length(self) -> int:
        return self.char_end - self.char_start

    def provenance(self) -> dict[str, object]:
        """The public fields of a passage (CLI and API contract), in contract order."""
        return {
            "chunk_id": self.chunk_id, "doc_id": self.doc_id, "source": self.source, "title": self.title,
            "ambito": self.ambito, "period": self.period, "kind": self.kind, "section": self.section,
            "page": self.page, "char_start": self.char_start, "char_end": self.char_end, "text": self.text,
            "ocr": self.ocr,
        }
