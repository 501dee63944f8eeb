"""Clean the artefacts of PDF/markdown extraction while keeping an exact map to the raw text.

The canonical text is what chunks, citations and extracted records point into.
Every character of it comes from one character of the raw text (``offsets[i]``
is that raw index); separators that replace a run of raw whitespace map to the
first character of the run. The rules, in order:

1. **Running headers/footers** are dropped: a line repeated at least three times
   (digits of a trailing page number ignored) of which at least two carry a page
   number, or a line repeated at the top/bottom of at least three pages.
   Bare page numbers at a page edge are dropped too.
2. **Markdown markers** are removed: heading ``#``, emphasis ``*``/``**``/``__``,
   backslash escapes. A ``#`` heading is remembered as a heading hint.
3. **Whitespace** inside a line collapses to one space; lines are trimmed.
4. **Broken lines are rejoined**: a word hyphenated at a line end is glued
   (``parteci-``/``pazione``); a line break inside a sentence becomes a space
   (next line starts in lower case, or the previous line is prose-long and does
   not end a sentence); a blank line inside a sentence (PDF paragraphs broken by
   extraction) is removed when the previous line is prose-long and the next
   starts in lower case. Everything else keeps its line break; paragraph breaks
   become exactly one blank line.
5. **Inline HTML** (table cells exported with ``<p>``, ``<ul>``, ``<br>``,
   ``<i>``/``<u>``/``<b>``...) is read as structure: outside tables, block tags
   end a line (``</p>`` a paragraph) and the ``-``/``•`` items of a ``<ul>``
   become one line each; inline tags are dropped. A separator that replaces a
   tag maps to the tag's ``<``.
6. **Tables stay tables**: a tab-separated line with at least two cells (not a
   table-of-contents entry) and each ``<tr>`` of an HTML table becomes one line
   whose cells are separated by exactly one ``\t`` per raw cell boundary
   (leading empty cells kept, so columns stay aligned); rows of one table are
   separated by one line break and a table by a blank line from the prose
   around it. Inside a row, block tags become spaces.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from dataclasses import dataclass, field

from ingest.schemas import Page

_TRAILING_PAGE_NO = re.compile(r"\s+\d{1,4}\s*$")
_BARE_PAGE_NO = re.compile(r"^\s*(?:pag\.?|pagina)?\s*\d{1,4}\s*(?:/\s*\d{1,4})?\s*$", re.I)
_TOC_ENTRY = re.compile(r"\S\t+\s*\d{1,3}[ \t]*$")
_MD_HEADING = re.compile(r"^[ \t]*(#{1,6})[ \t]+", re.M)
_BULLET = re.compile(r"^(?:[-–•·▪►✓\u2022\uf0b7\uf0a7]|\d{1,2}[.)]|[a-z][.)])\s")
_SENTENCE_END = ".!?:;"
# shorter repeated lines are numbered labels ("Obiettivo n. 2"), not running footers
_MIN_FOOTER = 20
_PROSE_LINE = 45
_WS = " \t\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u3000\r\v"
_INVISIBLE = "\u200b\u200c\u200d\ufeff\u00ad"


@dataclass
class CanonicalText:
    """Clean text plus its exact map to the raw text."""

    text: str
    offsets: list[int]
    raw_length: int
    heading_hints: dict[int, int] = field(default_factory=dict)
    """Canonical offset of a line start -> markdown heading level."""

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        """Raw-text span covering canonical ``[start, end)``."""
        if not 0 <= start < end <= len(self.text):
            raise ValueError(f"invalid span {start}:{end}")
        return self.offsets[start], self.offsets[end - 1] + 1

    def canonical_offset(self, raw_index: int) -> int:
        """First canonical position whose raw origin is at or after ``raw_index``."""
        return bisect.bisect_left(self.offsets, raw_index)

    def canonical_span(self, raw_start: int, raw_end: int) -> tuple[int, int]:
        """Canonical span of the characters that come from raw ``[raw_start, raw_end)``."""
        return self.canonical_offset(raw_start), self.canonical_offset(raw_end)


@dataclass
class _Line:
    raw_start: int
    raw_end: int
    text: str = ""
    offsets: list[int] = field(default_factory=list)
    heading_level: int = 0
    dropped: bool = False
    toc_entry: bool = False
    table: bool = False
    para_before: bool = False
    """An HTML paragraph/list boundary precedes the line (acts as a blank line)."""
    skip: frozenset[int] = frozenset()
    """Raw indexes of markup to drop (inline tags)."""
    spaces: frozenset[int] = frozenset()
    """Raw indexes of markup that separate words (block tags inside a table row)."""
    cells: frozenset[int] = frozenset()
    """Raw indexes that start a new table cell (a tab, a ``<td>``/``<th>`` tag)."""

    @property
    def blank(self) -> bool:
        return not self.text


_TAG = re.compile(
    r"</?(p|br|ul|ol|li|div|span|i|u|b|em|strong|sup|sub|font|table|thead|tbody|tfoot|tr|td|th)\b[^<>\n]*>", re.I
)
_BLOCK_TAGS = {"p", "br", "ul", "ol", "li", "div", "table", "thead", "tbody", "tfoot", "tr"}
_PARAGRAPH_TAGS = {"p", "ul", "ol", "div", "table"}
_LIST_ITEM = re.compile(r"(?<=\s)[-•\u2022](?=\s)")
_TOC_CELL = re.compile(r"^\d{1,3}$")


def _is_tab_row(line: str) -> bool:
    """A tab-separated table row: two or more non-empty cells, not a TOC entry ("Titolo<TAB>12")."""
    cells = [c.strip() for c in _TAG.sub(" ", line).split("\t")]
    filled = [c for c in cells if c]
    if len(filled) < 2:
        return False
    return not (len(filled) == 2 and _TOC_CELL.match(filled[1]) and not _TOC_CELL.match(filled[0]))


def _html_lines(raw: str, start: int, end: int) -> list[_Line]:
    """Split one raw line holding HTML into lines at block tags and at the items of a list."""
    tags = list(_TAG.finditer(raw, start, end))
    if any(m.group(1).lower() == "tr" for m in tags):
        return _html_table_lines(raw, start, end, tags)
    skip = {i for m in tags if m.group(1).lower() not in _BLOCK_TAGS for i in range(m.start(), m.end())}
    blocks = [m for m in tags if m.group(1).lower() in _BLOCK_TAGS]
    lines: list[_Line] = []
    pos, para, in_list = start, False, False
    for cut_start, cut_end, tag in [(m.start(), m.end(), m) for m in blocks] + [(end, end, None)]:
        starts = [pos]
        if in_list:  # "<ul> - uno - due": one line per item
            starts += [i.start() for i in _LIST_ITEM.finditer(raw, pos, cut_start) if raw[pos : i.start()].strip()]
        for a, b in zip(starts, starts[1:] + [cut_start], strict=True):
            if raw[a:b].strip():
                b = a + len(raw[a:b].rstrip())  # a separator after the line maps to raw whitespace
                lines.append(_Line(a, b, para_before=para, skip=frozenset(i for i in skip if a <= i < b)))
                para = False
        if tag is not None:
            name, closing = tag.group(1).lower(), tag.group().startswith("</")
            para = para or name in _PARAGRAPH_TAGS or name == "li"
            if name in {"ul", "ol"}:
                in_list = not closing
            elif name == "p" and not closing:
                in_list = False
        pos = cut_end
    return lines or [_Line(start, end, skip=frozenset(skip | {i for m in blocks for i in range(m.start(), m.end())}))]


def _html_table_lines(raw: str, start: int, end: int, tags: list[re.Match[str]]) -> list[_Line]:
    """One line per ``<tr>``; ``<td>``/``<th>`` open cells; other markup is dropped or spaced."""
    lines: list[_Line] = []
    row: _Line | None = None
    skip: set[int] = set()
    spaces: set[int] = set()
    cells: set[int] = set()
    first_cell = True

    def close(at: int) -> None:
        nonlocal row
        if row is not None:
            row.raw_end = at
            row.skip, row.spaces, row.cells = frozenset(skip), frozenset(spaces), frozenset(cells)
            lines.append(row)
        row = None
        skip.clear()
        spaces.clear()
        cells.clear()

    for m in tags:
        name = m.group(1).lower()
        closing = m.group().startswith("</")
        if name == "tr":
            close(m.start())
            if not closing:
                row = _Line(m.end(), end, table=True)
                first_cell = True
            continue
        if row is None:
            continue
        if name in {"td", "th"} and not closing:
            if not first_cell:
                cells.add(m.start())
                skip.update(range(m.start() + 1, m.end()))
            else:
                skip.update(range(m.start(), m.end()))
            first_cell = False
        elif name in _BLOCK_TAGS:
            spaces.add(m.start())
            skip.update(range(m.start() + 1, m.end()))
        else:
            skip.update(range(m.start(), m.end()))
    close(end)
    return lines or [_Line(start, end, skip=frozenset(i for m in tags for i in range(m.start(), m.end())))]


def _split_lines(raw: str) -> list[_Line]:
    pieces: list[tuple[int, int]] = []
    pos = 0
    for piece in raw.split("\n"):
        pieces.append((pos, pos + len(piece)))
        pos += len(piece) + 1
    rows = [_is_tab_row(raw[a:b]) if "\t" in raw[a:b] else False for a, b in pieces]
    lines: list[_Line] = []
    after_html = False
    for n, (start, end) in enumerate(pieces):
        piece = raw[start:end]
        # a lone tab in prose is not a table: a row has three cells or a row next to it
        if rows[n] and (
            piece.strip("\t ").count("\t") >= 2 or (n > 0 and rows[n - 1]) or (n + 1 < len(rows) and rows[n + 1])
        ):
            tags = list(_TAG.finditer(raw, start, end))
            # a cell tag of an HTML table pasted in a cell separates words too
            block = [m for m in tags if m.group(1).lower() in _BLOCK_TAGS | {"td", "th"}]
            skip = {i for m in tags for i in range(m.start(), m.end())} - {m.start() for m in block}
            cells = {i for i in range(start, end) if raw[i] == "\t"}
            lines.append(
                _Line(
                    start, end, table=True, skip=frozenset(skip),
                    spaces=frozenset(m.start() for m in block), cells=frozenset(cells),
                )
            )
        elif "<" in piece and _TAG.search(piece):
            html = _html_lines(raw, start, end)
            html[0].para_before = True  # a line of HTML blocks is a block of its own
            lines.extend(html)
            after_html = True
            continue
        else:
            lines.append(_Line(start, end, para_before=after_html))
        after_html = False
    return lines


def _footer_key(text: str) -> str:
    return " ".join(_TRAILING_PAGE_NO.sub("", text).split()).lower()


def _mark_running_lines(raw: str, lines: list[_Line], pages: tuple[Page, ...]) -> None:
    keys = [_footer_key(raw[ln.raw_start : ln.raw_end]) for ln in lines]
    counts = Counter(k for k in keys if len(k) >= _MIN_FOOTER)
    numbered = Counter(
        k for k, ln in zip(keys, lines, strict=True)
        if len(k) >= _MIN_FOOTER and _TRAILING_PAGE_NO.search(raw[ln.raw_start : ln.raw_end])
    )
    for key, ln in zip(keys, lines, strict=True):
        if counts.get(key, 0) >= 3 and numbered.get(key, 0) >= 2:
            ln.dropped = True
    if len(pages) < 3:
        return
    starts = [ln.raw_start for ln in lines]
    edge_keys: Counter[str] = Counter()
    edges: list[tuple[_Line, str]] = []
    for page in pages:
        first = bisect.bisect_left(starts, page.start)
        last = bisect.bisect_right(starts, page.end) - 1
        content = [i for i in range(first, last + 1) if raw[lines[i].raw_start : lines[i].raw_end].strip()]
        for i in content[:2] + content[-2:]:
            key = re.sub(r"\d+", "#", " ".join(raw[lines[i].raw_start : lines[i].raw_end].split()).lower())
            edges.append((lines[i], key))
        for i in content[:1] + content[-1:]:
            if _BARE_PAGE_NO.match(raw[lines[i].raw_start : lines[i].raw_end]):
                lines[i].dropped = True
    for _, key in {(id(ln), key): (ln, key) for ln, key in edges}.values():
        edge_keys[key] += 1
    for ln, key in edges:
        if edge_keys[key] >= 3 and len(key) >= 4:
            ln.dropped = True


_EMPHASIS = re.compile(r"\*\*|__|(?<![\w*])\*(?=[^\s*])|(?<=[^\s*])\*(?![\w*])|\\(?=[-*_#\[\]().!>+`])")


def _clean_line(raw: str, ln: _Line) -> None:
    """Fill ``ln.text``/``ln.offsets`` with the line's clean characters."""
    start, end = ln.raw_start, ln.raw_end
    ln.toc_entry = not ln.table and bool(_TOC_ENTRY.search(raw, start, end))
    heading = _MD_HEADING.match(raw, start, end)
    if heading:
        ln.heading_level = len(heading.group(1))
        start = heading.end()
    removed: set[int] = set(ln.skip)
    spaced: set[int] = set()
    for m in _EMPHASIS.finditer(raw, start, end):
        removed.update(range(m.start(), m.end()))
        # "n. 9**Titolo**": the marker was the only separator between two words
        if m.group() == "**" and m.start() > start and m.end() < end:
            if raw[m.start() - 1].isalnum() and raw[m.end()].isalnum():
                spaced.add(m.start())
    chars: list[str] = []
    offs: list[int] = []
    pending_space = -1
    for i in range(start, end):
        ch = raw[i]
        if i in ln.cells:  # one tab per cell boundary, spaces around it dropped
            chars.append("\t")
            offs.append(i)
            pending_space = -1
            continue
        if (i in spaced or i in ln.spaces) and chars and chars[-1] != "\t" and pending_space < 0:
            pending_space = i
        if i in removed or i in ln.spaces or ch in _INVISIBLE:
            continue
        if ch in _WS or ch == "\f":
            if chars and chars[-1] != "\t" and pending_space < 0:
                pending_space = i
            continue
        if pending_space >= 0:
            chars.append(" ")
            offs.append(pending_space)
            pending_space = -1
        chars.append(ch)
        offs.append(i)
    while chars and chars[-1] == "\t":  # trailing empty cells
        chars.pop()
        offs.pop()
    ln.text = "".join(chars)
    ln.offsets = offs


def _looks_like_heading(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    if not letters or len(text) > 120:
        return False
    upper = sum(c.isupper() for c in letters) / len(letters)
    return upper > 0.7 or bool(re.match(r"^(\d+(\.\d+)*\.?|capitolo\s+\w+|obiettivo\s+(n\.?\s*)?\d+)\b", text, re.I))


def _separator(prev: _Line, nxt: _Line, blank_between: bool) -> str:
    """How the break between two content lines is rendered: '', ' ', '\\n' or '\\n\\n'."""
    p, n = prev.text, nxt.text
    if prev.heading_level or nxt.heading_level:
        return "\n\n"
    if prev.table or nxt.table:  # rows of one table are lines; a table is a block of its own
        return "\n" if prev.table and nxt.table and not blank_between else "\n\n"
    if prev.toc_entry or nxt.toc_entry:  # table-of-contents lines stay lines
        return "\n"
    first = n[0]
    if len(p) >= 2 and p[-1] in "-\u00ad" and p[-2].isalpha() and first.islower():
        return ""
    if _looks_like_heading(n) or (_looks_like_heading(p) and len(p) < _PROSE_LINE):
        return "\n\n"
    if _BULLET.match(n):
        return "\n\n" if blank_between else "\n"
    if blank_between:
        if len(p) >= _PROSE_LINE and p[-1] not in _SENTENCE_END and first.islower():
            return " "
        return "\n\n"
    if first.islower() or (len(p) >= _PROSE_LINE and p[-1] not in _SENTENCE_END):
        return " "
    return "\n"


def normalize(raw: str, pages: tuple[Page, ...] = ()) -> CanonicalText:
    """Build the canonical text of ``raw`` (see the module docstring for the rules)."""
    lines = _split_lines(raw)
    _mark_running_lines(raw, lines, pages)
    out: list[str] = []
    offs: list[int] = []
    hints: dict[int, int] = {}
    length = 0
    prev: _Line | None = None
    blank_between = False
    for ln in lines:
        if ln.dropped:
            continue
        _clean_line(raw, ln)
        if ln.blank:
            blank_between = prev is not None
            continue
        if prev is not None:
            sep = _separator(prev, ln, blank_between or ln.para_before)
            if sep == "":  # glue a hyphenated word: drop the hyphen
                out[-1] = out[-1][:-1]
                offs.pop()
                length -= 1
            else:
                out.append(sep)
                offs.extend([prev.raw_end] * len(sep))
                length += len(sep)
        if ln.heading_level:
            hints[length] = ln.heading_level
        out.append(ln.text)
        offs.extend(ln.offsets)
        length += len(ln.text)
        prev = ln
        blank_between = False
    text = "".join(out)
    assert len(text) == len(offs)
    return CanonicalText(text=text, offsets=offs, raw_length=len(raw), heading_hints=hints)
