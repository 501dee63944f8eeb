"""Typed units of a passage: headings, paragraphs, list items and table rows.

A chunk is cut for embedding (about a page of text); answers and lexical
scoring need smaller, typed pieces. ``units_of(chunk)`` splits a chunk's
canonical text into units whose spans are exact canonical offsets
(``unit.text == canonical[unit.start:unit.end]``) and whose ``rendered`` form is
what should be indexed or shown:

- ``heading``: a heading line (part of the section path, never an answer sentence);
- ``table_row``: one row of a table (cells are tab-separated in the canonical
  text); rendered with its column headers, ``"Comune: Calvatone · abitanti: 1254"``.
  The first row of a table is its header row (rendered as its cells);
- ``list_item``: a bulleted or numbered line;
- ``paragraph``: prose, long paragraphs split at sentence ends into pieces of
  about ``max_chars``.

Every unit carries the heading path it sits under.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from ingest.schemas import Chunk
from ingest.structure import find_headings

KINDS = ("heading", "paragraph", "list_item", "table_row")
BULLET = re.compile(r"^(?:[-–•·▪►✓\u2022\uf0b7\uf0a7]|\d{1,2}[.)]|[a-z][.)])\s")
"""A list item's opening: a bullet, "1." or "a)"."""
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+(?=[A-ZÀ-Ý0-9“\"(])")
MAX_UNIT_CHARS = 450


@dataclass(frozen=True)
class Unit:
    """A typed piece of a passage with its exact canonical span."""

    kind: str
    start: int
    end: int
    text: str
    rendered: str
    path: tuple[str, ...] = ()
    header: tuple[str, ...] = ()
    """Column headers, for table rows."""


def render_row(cells: list[str], header: tuple[str, ...]) -> str:
    """``"header: cell · header: cell"`` (cells without a header stand alone)."""
    parts = []
    for i, cell in enumerate(cells):
        cell = cell.strip()
        if not cell:
            continue
        name = header[i].strip() if i < len(header) else ""
        parts.append(f"{name}: {cell}" if name and name != cell else cell)
    return " · ".join(parts)


def _sentence_pieces(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    if end - start <= max_chars:
        return [(start, end)]
    cuts = [m.end() for m in _SENTENCE_END.finditer(text, start, end)]
    spans: list[tuple[int, int]] = []
    cur = start
    for cut in cuts:
        if cut - cur >= max_chars // 2 and cut - cur <= max_chars:
            spans.append((cur, cut))
            cur = cut
        elif cut - cur > max_chars:
            spans.append((cur, cut))
            cur = cut
    spans.append((cur, end))
    out = []
    for a, b in spans:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if a < b:
            out.append((a, b))
    return out


def units_of(
    chunk: Chunk, *, header: tuple[str, ...] = (), max_chars: int = MAX_UNIT_CHARS
) -> list[Unit]:
    """The units of ``chunk``; ``header`` is the column header of a table the chunk starts inside."""
    text, base = chunk.text, chunk.char_start
    path = tuple(p for p in chunk.section.split(" > ") if p) if chunk.section else ()
    heading_starts = {h.start for h in find_headings(text)}
    titles = {p.strip() for p in path}
    units: list[Unit] = []
    current_path = path
    table_header: tuple[str, ...] = header
    in_table = bool(header)
    para: list[tuple[int, int]] = []

    def flush() -> None:
        if not para:
            return
        a, b = para[0][0], para[-1][1]
        para.clear()
        for s, e in _sentence_pieces(text, a, b, max_chars):
            units.append(Unit("paragraph", base + s, base + e, text[s:e], text[s:e], current_path))

    pos = 0
    for line in text.split("\n"):
        s, e = pos, pos + len(line)
        pos = e + 1
        stripped = line.strip()
        if not stripped:
            flush()
            in_table = False
            continue
        if "\t" in line:
            flush()
            cells = line.split("\t")
            if not in_table:
                table_header = tuple(c.strip() for c in cells)
                in_table = True
                rendered = " · ".join(c.strip() for c in cells if c.strip())
            else:
                rendered = render_row(cells, table_header)
            units.append(Unit("table_row", base + s, base + e, line, rendered, current_path, table_header))
            continue
        in_table = False
        if s in heading_starts or stripped in titles:
            flush()
            units.append(Unit("heading", base + s, base + e, line, stripped, current_path))
            if stripped not in titles:
                current_path = (*path, stripped)
            continue
        if BULLET.match(stripped):
            flush()
            for a, b in _sentence_pieces(text, s, e, max_chars):
                units.append(Unit("list_item", base + a, base + b, text[a:b], text[a:b], current_path))
            continue
        para.append((s, e))
    flush()
    return units


def trailing_header(chunk: Chunk, units: list[Unit]) -> tuple[str, ...]:
    """The column header still open at the end of ``chunk`` (a table that continues in the next chunk)."""
    if units and units[-1].kind == "table_row" and chunk.text.endswith(units[-1].text):
        return units[-1].header
    return ()


def document_units(chunks: Iterable[Chunk]) -> list[list[Unit]]:
    """Units of consecutive chunks, carrying a table's header into the chunk that continues it."""
    out: list[list[Unit]] = []
    header: tuple[str, ...] = ()
    prev: Chunk | None = None
    for chunk in chunks:
        carried = header if prev is not None and prev.doc_id == chunk.doc_id and "\t" in chunk.text.split("\n", 1)[0] else ()
        units = units_of(chunk, header=carried)
        out.append(units)
        header = trailing_header(chunk, units)
        prev = chunk
    return out
