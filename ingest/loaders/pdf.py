"""PDF through pypdf: one text for the document plus the offsets of each page."""

from __future__ import annotations

import logging
from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import DependencyError

from ingest.errors import CorruptDocument, EncryptedDocument, NoTextLayer
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


def load_pdf(path: Path) -> LoadedText:
    """Pages joined by a blank line; ``pages`` maps each page to its span (separator excluded)."""
    texts = _page_texts(_open(path), path.name)
    if not texts:
        raise CorruptDocument(path.name, "il PDF non contiene pagine")
    if not any(ch.isalpha() for text in texts for ch in text):
        raise NoTextLayer(path.name, "il PDF non contiene testo estraibile (forse è una scansione): serve l'OCR")
    pages: list[Page] = []
    pos = 0
    for number, text in enumerate(texts, 1):
        pages.append(Page(number=number, start=pos, end=pos + len(text)))
        pos += len(text) + len(PAGE_SEPARATOR)
    return LoadedText(text=PAGE_SEPARATOR.join(texts), pages=tuple(pages))
