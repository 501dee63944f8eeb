"""PDF through pypdf: one text for the document plus the offsets of each page."""

from __future__ import annotations

import logging
from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import FileNotDecryptedError, PdfReadError

from ingest.errors import CorruptDocument, EncryptedDocument, NoTextLayer
from ingest.schemas import LoadedText, Page

PAGE_SEPARATOR = "\n\n"
logging.getLogger("pypdf").setLevel(logging.ERROR)


def load_pdf(path: Path) -> LoadedText:
    with path.open("rb") as handle:
        if not handle.read(1024).lstrip().startswith(b"%PDF"):
            raise CorruptDocument(path.name, "il file non è un PDF valido")
    try:
        reader = PdfReader(str(path), strict=False)
        if reader.is_encrypted:
            try:
                unlocked = reader.decrypt("")
            except (FileNotDecryptedError, NotImplementedError) as exc:
                raise EncryptedDocument(path.name, "il PDF è protetto da password") from exc
            if not unlocked:
                raise EncryptedDocument(path.name, "il PDF è protetto da password")
        texts = [(page.extract_text() or "").replace("\r\n", "\n") for page in reader.pages]
    except EncryptedDocument:
        raise
    except FileNotDecryptedError as exc:
        raise EncryptedDocument(path.name, "il PDF è protetto da password") from exc
    except Exception as exc:  # noqa: BLE001 - pypdf raises many types on damaged files
        if isinstance(exc, PdfReadError) and "decrypt" in str(exc).lower():
            raise EncryptedDocument(path.name, "il PDF è protetto da password") from exc
        raise CorruptDocument(path.name, f"il PDF è danneggiato o illeggibile ({type(exc).__name__})") from exc
    if not texts:
        raise CorruptDocument(path.name, "il PDF non contiene pagine")
    if not any(ch.isalpha() for t in texts for ch in t):
        raise NoTextLayer(path.name, "il PDF non contiene testo estraibile (forse è una scansione): serve l'OCR")
    pages: list[Page] = []
    parts: list[str] = []
    pos = 0
    for number, text in enumerate(texts, 1):
        pages.append(Page(number, pos, pos + len(text)))
        parts.append(text)
        pos += len(text) + len(PAGE_SEPARATOR)
    return LoadedText(text=PAGE_SEPARATOR.join(parts), pages=tuple(pages))
