"""DOCX through python-docx: paragraphs and tables in order, headings kept with their level."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from ingest.errors import CorruptDocument
from ingest.schemas import LoadedText, RawHeading

_HEADING_STYLE = re.compile(r"^(?:heading|titolo)\s*(\d)$", re.I)


def _heading_level(style_name: str) -> int:
    if style_name.lower() in {"title", "titolo"}:
        return 1
    m = _HEADING_STYLE.match(style_name.strip())
    return int(m.group(1)) if m else 0


def load_docx(path: Path) -> LoadedText:
    try:
        import docx
        from docx.table import Table
        from docx.text.paragraph import Paragraph

        document = docx.Document(str(path))
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise CorruptDocument(path.name, "il file DOCX è danneggiato o non valido") from exc
    except Exception as exc:  # noqa: BLE001 - python-docx/lxml raise various types on bad input
        raise CorruptDocument(path.name, f"il file DOCX è illeggibile ({type(exc).__name__})") from exc

    blocks: list[tuple[str, int]] = []  # (text, heading level or 0)
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            para = Paragraph(child, document)
            text = para.text.strip()
            if not text:
                continue
            style = para.style.name if para.style is not None else ""
            level = _heading_level(style)
            if not level and "list" in style.lower():
                text = f"- {text}"
            blocks.append((text, level))
        elif tag == "tbl":
            table = Table(child, document)
            rows = [" | ".join(cell.text.strip() for cell in row.cells) for row in table.rows]
            rows = [r for r in rows if r.replace("|", "").strip()]
            if rows:
                blocks.append(("\n".join(rows), 0))
    parts: list[str] = []
    headings: list[RawHeading] = []
    pos = 0
    for text, level in blocks:
        if parts:
            pos += 2  # the "\n\n" separator
        if level:
            headings.append(RawHeading(pos, pos + len(text), level))
        parts.append(text)
        pos += len(text)
    return LoadedText(text="\n\n".join(parts), headings=tuple(headings))
