"""TXT and Markdown: encoding detection, line endings normalised to ``\\n``."""

from __future__ import annotations

import unicodedata
from pathlib import Path

from charset_normalizer import from_bytes

from ingest.errors import UndecodableText
from ingest.schemas import LoadedText

_ALLOWED_CONTROL = {"\n", "\r", "\t", "\f"}
_FALLBACKS = ("cp1252", "latin-1")


def _looks_binary(text: str) -> bool:
    if "\x00" in text:
        return True
    control = sum(1 for c in text if unicodedata.category(c) == "Cc" and c not in _ALLOWED_CONTROL)
    return control > max(1, len(text) // 100)


def decode(data: bytes, name: str) -> tuple[str, str]:
    """Text and encoding name; UTF-8 first, then the best single-byte guess."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    if b"\x00" in data:
        raise UndecodableText(name, "codifica del testo non riconosciuta (il file sembra binario)")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(data, cp_isolation=["cp1252", "latin_1", "iso8859_15"]).best()
    candidates = ([best.encoding] if best is not None else []) + list(_FALLBACKS)
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
        if not _looks_binary(text):
            return text, encoding
    raise UndecodableText(name, "codifica del testo non riconosciuta (il file sembra binario)")


def load_text(path: Path) -> LoadedText:
    text, encoding = decode(path.read_bytes(), path.name)
    if _looks_binary(text):
        raise UndecodableText(path.name, "codifica del testo non riconosciuta (il file sembra binario)")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return LoadedText(text=text, encoding=encoding)
