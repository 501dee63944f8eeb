"""TXT and Markdown: encoding detection, line endings normalised to ``\\n``."""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from pathlib import Path

from charset_normalizer import from_bytes

from ingest.errors import UndecodableText
from ingest.schemas import LoadedText

# C0/C1 control characters except \t \n \f \r, which plain text legitimately holds.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
# Only the encodings Italian legacy files really use: unrestricted detection
# picks cp1250 or utf_16_be for short Italian texts.
_LEGACY = ("cp1252", "latin-1")
_REASON = "codifica del testo non riconosciuta"


def _control_count(text: str) -> int:
    return len(_CONTROL.findall(text))


def _looks_binary(text: str) -> bool:
    return "\x00" in text or _control_count(text) > max(1, len(text) // 100)


def _legacy_order(data: bytes) -> list[str]:
    best = from_bytes(data, cp_isolation=list(_LEGACY)).best()
    guess = [e for e in _LEGACY if best is not None and codecs.lookup(e).name == codecs.lookup(best.encoding).name]
    return guess + [e for e in _LEGACY if e not in guess]


def _candidates(data: bytes) -> Iterator[tuple[str, str]]:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                # Windows Notepad saves "Unicode" as UTF-16 with a BOM; both codecs drop the BOM.
                yield data.decode(encoding), encoding
            except UnicodeDecodeError:
                pass
            break
    try:
        yield data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    decoded: list[tuple[str, str]] = []
    for encoding in _legacy_order(data):
        try:
            decoded.append((data.decode(encoding), encoding))
        except UnicodeDecodeError:
            continue
    # latin-1 turns cp1252's curly quotes and euro sign into C1 controls: fewest controls wins,
    # the detector's preference breaks ties.
    if decoded:
        yield min(decoded, key=lambda item: _control_count(item[0]))


def decode(data: bytes, name: str) -> tuple[str, str]:
    """Text and encoding name: BOM, then UTF-8, then cp1252 or latin-1; binary content is refused."""
    for text, encoding in _candidates(data):
        if not _looks_binary(text):
            return text, encoding
    raise UndecodableText(name, f"{_REASON} (il file sembra binario)")


def load_text(path: Path) -> LoadedText:
    """A plain-text or markdown file as is, apart from line endings (headings are found later)."""
    text, encoding = decode(path.read_bytes(), path.name)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return LoadedText(text=text, encoding=encoding)
