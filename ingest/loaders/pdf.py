"""PDF through pypdf: one text for the document plus the offsets of each page.

Pages without a text layer (scans) are rendered and read by OCR (``ingest.ocr``);
their ``Page`` carries ``ocr=True`` and the OCR confidence.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import DependencyError

from ingest.errors import CorruptDocument, EncryptedDocument, NoTextLayer
from ingest.ocr import TesseractOcr
from ingest.schemas import LoadedText, Page

PAGE_SEPARATOR = "\n\n"
_DAMAGED = "il PDF è danneggiato o illeggibile"  # the pypdf cause travels as __cause__, for the log
# Non-strict pypdf warns on every repaired object of real-world PDFs; the
# failures that matter reach us as exceptions.
logging.getLogger("pypdf").setLevel(logging.ERROR)


def _open(path: Path) -> PdfReader:
    with path.open("rb") as handle:
        # The header may follow some junk, but must be within the first KB (PDF 1.7, annex H).
        if b"%PDF-" not in handle.read(1024):
            raise CorruptDocument(path.name, "il file non è un PDF valido")
    try:
        reader = PdfReader(path, strict=False)
        encrypted = reader.is_encrypted
    except Exception as exc:  # noqa: BLE001 - pypdf raises many types on damaged files
        raise CorruptDocument(path.name, _DAMAGED) from exc
    if encrypted:
        try:
            # Many public PDFs only restrict printing/copying: the empty user password opens them.
            unlocked = reader.decrypt("")
        except (DependencyError, NotImplementedError) as exc:
            raise EncryptedDocument(path.name, "il PDF è cifrato con un metodo non supportato") from exc
        except Exception as exc:  # noqa: BLE001
            raise EncryptedDocument(path.name, "il PDF è protetto da password") from exc
        if not unlocked:
            raise EncryptedDocument(path.name, "il PDF è protetto da password")
    return reader


def _page_texts(reader: PdfReader, name: str) -> list[str]:
    try:
        texts = [page.extract_text() or "" for page in reader.pages]
    except Exception as exc:  # noqa: BLE001 - damaged objects surface only while extracting
        raise CorruptDocument(name, _DAMAGED) from exc
    return [t.replace("\r\n", "\n").replace("\r", "\n") for t in texts]


def _letters(text: str) -> int:
    return sum(ch.isalpha() for ch in text)


@dataclass(frozen=True)
class _PageText:
    text: str
    ocr: bool = False
    confidence: float | None = None


class PdfLoader:
    """pypdf text per page; pages with no or negligible text layer are read by OCR.

    A page whose text layer has fewer than ``min_letters`` letters is rendered
    and OCRed; the OCR text replaces the layer only when it reads clearly more
    (more than twice the layer's letters), so a sparse cover page keeps its
    exact text. ``ocr`` is the OCR component (default: Tesseract, Italian model,
    found on ``PATH``); it is only called for such pages.
    """

    def __init__(self, *, ocr: TesseractOcr | None = None, min_letters: int = 16) -> None:
        if min_letters < 1:
            raise ValueError(f"min_letters must be at least 1, got {min_letters}")
        self.ocr = ocr if ocr is not None else TesseractOcr()
        self.min_letters = min_letters

    def __call__(self, path: Path) -> LoadedText:
        return self.load(path)

    def load(self, path: Path) -> LoadedText:
        """Pages joined by a blank line; ``pages`` maps each page to its span (separator excluded)."""
        reader = _open(path)
        layers = _page_texts(reader, path.name)
        if not layers:
            raise CorruptDocument(path.name, "il PDF non contiene pagine")
        texts = [_PageText(text) for text in layers]
        sparse = [n for n, text in enumerate(layers, 1) if _letters(text) < self.min_letters]
        password = "" if reader.is_encrypted else None  # _open only lets through the empty user password
        for page in self.ocr.read_pdf_pages(path, sparse, password=password):
            if page.blank or _letters(page.text) <= 2 * _letters(layers[page.number - 1]):
                continue
            texts[page.number - 1] = _PageText(page.text, ocr=True, confidence=page.confidence)
        if not any(_letters(t.text) for t in texts):
            raise NoTextLayer(
                path.name, "il PDF non contiene testo leggibile, nemmeno con l'OCR (pagine vuote o illeggibili)"
            )
        pages: list[Page] = []
        pos = 0
        for number, page_text in enumerate(texts, 1):
            end = pos + len(page_text.text)
            pages.append(Page(number, pos, end, ocr=page_text.ocr, confidence=page_text.confidence))
            pos = end + len(PAGE_SEPARATOR)
        return LoadedText(text=PAGE_SEPARATOR.join(t.text for t in texts), pages=tuple(pages))


def load_pdf(path: Path, *, ocr: TesseractOcr | None = None) -> LoadedText:
    """Load a PDF (see ``PdfLoader``); ``ocr`` configures Tesseract for pages without a text layer."""
    return PdfLoader(ocr=ocr).load(path)
