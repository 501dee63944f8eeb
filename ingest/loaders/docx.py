"""DOCX through python-docx: paragraphs and tables in order, headings kept with their level.

A DOCX is a zip archive: before anything is decompressed its central directory is
read and an archive that would expand past :data:`MAX_EXPANDED_BYTES`, or expand
more than :data:`MAX_RATIO` times its size (past :data:`RATIO_FLOOR_BYTES`), or hold
more than :data:`MAX_MEMBERS` entries is refused (``archivio_sospetto``): a "zip bomb"
costs a directory read, not gigabytes of memory.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docx
from docx.document import Document
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph

from ingest.errors import CorruptDocument, InputError
from ingest.schemas import LoadedText, RawHeading

BLOCK_SEPARATOR = "\n\n"
_HEADING_STYLE = re.compile(r"^(?:heading|titolo)\s*([1-9])$", re.I)
_TITLE_STYLES = {"title", "titolo"}
_P, _TBL, _SDT, _SDT_CONTENT = qn("w:p"), qn("w:tbl"), qn("w:sdt"), qn("w:sdtContent")

MAX_EXPANDED_BYTES = 200 * 1024 * 1024
"""Total uncompressed size of the archive's members (a long plan's document.xml is a few MB)."""
MAX_RATIO = 100
"""Uncompressed / compressed size; ordinary Office XML compresses 5-20 times."""
RATIO_FLOOR_BYTES = 20 * 1024 * 1024
"""Below this total the ratio is not checked: small files may compress very well, harmlessly."""
MAX_MEMBERS = 5000


def check_archive(path: Path) -> None:
    """Refuse, from the central directory alone, an archive whose expansion is out of bounds."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise CorruptDocument(path.name, "il file non è un DOCX valido o è danneggiato") from exc
    expanded = sum(m.file_size for m in members)
    packed = max(1, path.stat().st_size)
    mb = expanded / (1024 * 1024)
    if len(members) > MAX_MEMBERS:
        reason = f"l'archivio contiene {len(members)} file (massimo {MAX_MEMBERS})"
    elif expanded > MAX_EXPANDED_BYTES:
        reason = f"l'archivio si espanderebbe a {mb:.0f} MB (massimo {MAX_EXPANDED_BYTES // (1024 * 1024)} MB)"
    elif expanded > RATIO_FLOOR_BYTES and expanded / packed > MAX_RATIO:
        reason = f"l'archivio si espanderebbe {expanded / packed:.0f} volte (massimo {MAX_RATIO})"
    else:
        return
    raise InputError(path.name, f"{reason}: archivio sospetto, non viene aperto", code="archivio_sospetto")


def _heading_level(style_name: str) -> int:
    """1-9 for heading styles (English or Italian names), 0 otherwise."""
    name = style_name.strip()
    if name.lower() in _TITLE_STYLES:
        return 1
    match = _HEADING_STYLE.match(name)
    return int(match.group(1)) if match else 0


def _body_blocks(container: Any) -> Iterator[Any]:
    """Paragraph and table elements in document order."""
    for child in container.iterchildren():
        if child.tag in (_P, _TBL):
            yield child
        elif child.tag == _SDT:
            # Content controls (cover pages, templates' fields) wrap ordinary paragraphs and tables.
            for content in child.iterchildren(_SDT_CONTENT):
                yield from _body_blocks(content)


def _paragraph_block(element: Any, document: Document) -> tuple[str, int]:
    paragraph = Paragraph(element, document)
    text = paragraph.text.strip()
    style = (paragraph.style.name if paragraph.style is not None else None) or ""
    level = _heading_level(style)
    # Lists are either a "List ..." style or direct numbering on an ordinary paragraph.
    numbered = element.pPr is not None and element.pPr.numPr is not None
    if text and not level and ("list" in style.lower() or numbered):
        text = f"- {text}"
    return text, level


def _cell_text(cell: Any, document: Document) -> str:
    # Every paragraph of the cell, nested tables included, on one line so a row stays a row.
    texts = (Paragraph(p, document).text for p in cell.iter(_P))
    return " ".join(" ".join(texts).split())


def _table_block(element: Any, document: Document) -> str:
    # Rows straight from the XML: a merged cell is one <w:tc>, where python-docx's
    # row.cells would repeat its text once per spanned column.
    rows = (" | ".join(_cell_text(tc, document) for tc in tr.tc_lst) for tr in element.tr_lst)
    return "\n".join(row for row in rows if row.replace("|", "").strip())


def _open(path: Path) -> Document:
    check_archive(path)
    try:
        return docx.Document(str(path))
    except Exception as exc:  # noqa: BLE001 - zipfile, lxml and python-docx raise various types on bad input
        raise CorruptDocument(path.name, "il file non è un DOCX valido o è danneggiato") from exc


def load_docx(path: Path) -> LoadedText:
    """Blocks separated by a blank line; list items start with "- ", table cells are joined by " | "."""
    document = _open(path)
    parts: list[str] = []
    headings: list[RawHeading] = []
    pos = 0
    for element in _body_blocks(document.element.body):
        if element.tag == _P:
            text, level = _paragraph_block(element, document)
        else:
            text, level = _table_block(element, document), 0
        if not text:
            continue
        if parts:
            pos += len(BLOCK_SEPARATOR)
        if level:
            headings.append(RawHeading(start=pos, end=pos + len(text), level=level))
        parts.append(text)
        pos += len(text)
    return LoadedText(text=BLOCK_SEPARATOR.join(parts), headings=tuple(headings))
