"""Document loaders: one module per format, chosen by file suffix.

Every loader returns one raw text per document (``LoadedText``) plus its page
map (PDF) or explicit headings (DOCX). Errors name the file and say why in
Italian; nothing is written anywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ingest.errors import EmptyDocument, FileTooLarge, UnsupportedFormat
from ingest.loaders import docx as docx_loader
from ingest.loaders import pdf as pdf_loader
from ingest.loaders import text as text_loader
from ingest.schemas import LoadedText

Loader = Callable[[Path], LoadedText]

REGISTRY: dict[str, Loader] = {
    ".txt": text_loader.load_text,
    ".md": text_loader.load_text,
    ".markdown": text_loader.load_text,
    ".pdf": pdf_loader.load_pdf,
    ".docx": docx_loader.load_docx,
}
SUPPORTED_SUFFIXES: tuple[str, ...] = tuple(REGISTRY)


def load(path: Path, *, max_bytes: int = 50 * 1024 * 1024) -> LoadedText:
    """Load ``path`` with the loader of its suffix, after the checks every format shares."""
    suffix = path.suffix.lower()
    loader = REGISTRY.get(suffix)
    if loader is None:
        allowed = ", ".join(s for s in SUPPORTED_SUFFIXES if s != ".markdown")
        raise UnsupportedFormat(path.name, f"formato non supportato ({suffix or 'senza estensione'}): formati ammessi {allowed}")
    size = path.stat().st_size
    if size > max_bytes:
        raise FileTooLarge(
            path.name, f"il file è troppo grande ({size / 1048576:.1f} MB; limite {max_bytes / 1048576:.0f} MB)"
        )
    if size == 0:
        raise EmptyDocument(path.name, "il file è vuoto")
    loaded = loader(path)
    if not loaded.text.strip():
        raise EmptyDocument(path.name, "il file è vuoto (nessun testo)")
    return loaded
