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

    @property
    def blank(self) -> bool:
        return not self.text


def _split_lines(raw: str) -> list[_Line]:
    lines: list[_Line] = []
    pos = 0
    for piece in raw.split("\n"):
        lines.append(_Line(pos, pos + len(piece)))
        pos += len(piece) + 1
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
    ln.toc_entry = bool(_TOC_ENTRY.search(raw, start, end))
    heading = _MD_HEADING.match(raw, start, end)
    if heading:
        ln.heading_level = len(heading.group(1))
        start = heading.end()
    removed: set[int] = set()
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
        if i in spaced and chars and pending_space < 0:
            pending_space = i
        if i in removed or ch in _INVISIBLE:
            continue
        if ch in _WS or ch == "\f":
            if chars and pending_space < 0:
                pending_space = i
            continue
        if pending_space >= 0:
            chars.append(" ")
            offs.append(pending_space)
            pending_space = -1
        chars.append(ch)
        offs.append(i)
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
            sep = _separator(prev, ln, blank_between)
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
