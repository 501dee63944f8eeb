"""Document loaders: one module per format, chosen by file suffix.

Every loader returns one raw text per document (``LoadedText``) plus its page
map (PDF) or explicit headings (DOCX). Errors name the file and say why in
Italian; nothing is written anywhere.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

from ingest.errors import EmptyDocument, FileTooLarge, UnsupportedFormat
from ingest.loaders import docx as docx_loader
from ingest.loaders import pdf as pdf_loader
from ingest.loaders import text as text_loader
from ingest.schemas import LoadedText

Loader = Callable[[Path], LoadedText]

REGISTRY: dict[str, Loader] = {
    ".pdf": pdf_loader.load_pdf,
    ".docx": docx_loader.load_docx,
    ".txt": text_loader.load_text,
    ".md": text_loader.load_text,
}
SUPPORTED_SUFFIXES: tuple[str, ...] = tuple(REGISTRY)

_MB = 1024 * 1024


def _megabytes(size: int) -> str:
    """``size`` in MB, Italian decimal comma; below 1 MB two significant digits, never an exponent."""
    value = size / _MB
    decimals = 1 if value >= 1 or value == 0 else 1 - math.floor(math.log10(value))
    text = f"{value:.{decimals}f}"
    return text.rstrip("0").rstrip(".").replace(".", ",")


def loader_for(name: str) -> Loader:
    """The loader of a file name's suffix; ``UnsupportedFormat`` when none reads it."""
    suffix = Path(name).suffix.lower()
    loader = REGISTRY.get(suffix)
    if loader is None:
        allowed = ", ".join(SUPPORTED_SUFFIXES)
        raise UnsupportedFormat(name, f"formato non supportato ({suffix or 'senza estensione'}): formati ammessi {allowed}")
    return loader


def load(path: Path, *, max_bytes: int = 50 * _MB) -> LoadedText:
    """Load ``path`` with the loader of its suffix, after the checks every format shares.

    Raises an ``InputError`` subclass whose ``source`` is ``path.name``.
    """
    loader = loader_for(path.name)
    size = path.stat().st_size
    if size > max_bytes:
        raise FileTooLarge(
            path.name, f"il file è troppo grande ({_megabytes(size)} MB; limite {_megabytes(max_bytes)} MB)"
        )
    if size == 0:
        raise EmptyDocument(path.name, "il file è vuoto")
    loaded = loader(path)
    if not loaded.text.strip():
        raise EmptyDocument(path.name, "il file è vuoto (nessun testo)")
    return loaded
