"""Detect the heading tree of a canonical text.

Headings are whole lines. Each kind of heading has a rank; a heading closes
every open heading of equal or higher rank, so the path of a section is the
stack of open headings. Ranks:

====  =====================================================================
1-6   markdown/DOCX headings (their level), ``Capitolo N``, numbered
      headings (``4``: 1, ``4.1``: 2, ``4.1.2``: 3 ...)
7     long upper-case headings (``AREA DI PRIORITA' ...``)
8     objective headings (``Obiettivo n. 3``, ``Obiettivo 1: ...``)
9     short upper-case labels (``AZIONI``, ``TEMPI``)
10    short title lines standing alone before a long paragraph (slide titles,
      unnumbered sub-headings such as ``Obiettivi di miglioramento``)
====  =====================================================================

Table-of-contents lines (a heading followed by a page number, whose title
appears again later as a heading) and table rows (tab-separated cells) are not
headings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.schemas import Section

_NUMBERED = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,3})(\.?)\s+(\S.*)$")
_CHAPTER = re.compile(r"^capitolo\s+(\d+|[ivxlc]+)\b", re.I)
_OBJECTIVE = re.compile(r"^obiettivo\s+(?:n\s*[.°º]?\s*|n°\s*)?\d+\b", re.I)
_TOC_PAGE = re.compile(r"\s\d{1,3}$")
_BULLET_START = re.compile(r"^[-–•·▪►\u2022\uf0b7\uf0a7“”\"'(]")

RANK_UPPER_LONG = 7
RANK_OBJECTIVE = 8
RANK_UPPER_LABEL = 9
RANK_TITLE_LINE = 10


@dataclass(frozen=True)
class Heading:
    start: int
    end: int
    rank: int
    title: str


def _upper_ratio(text: str) -> float:
    letters = [c for c in text if c.isalpha()]
    return sum(c.isupper() for c in letters) / len(letters) if letters else 0.0


def _digit_ratio(text: str) -> float:
    chars = [c for c in text if not c.isspace()]
    return sum(c.isdigit() for c in chars) / len(chars) if chars else 0.0


def _rank(line: str, next_line: str, standalone: bool) -> int:
    """Rank of ``line`` as a heading, 0 if it is not one."""
    if "\t" in line:  # a table row (cells are tab-separated in the canonical text)
        return 0
    if len(line) > 220 or _BULLET_START.match(line):
        return 0
    if _OBJECTIVE.match(line):
        return RANK_OBJECTIVE
    if len(line) > 150:
        return 0
    if _CHAPTER.match(line):
        return 1
    numbered = _NUMBERED.match(line)
    if numbered and _digit_ratio(numbered.group(3)) < 0.45 and not line.endswith((",", ";")):
        depth = numbered.group(1).count(".") + 1
        if depth > 1 or (numbered.group(2) == "." and _upper_ratio(numbered.group(3)) >= 0.6):
            return depth
        return 0
    letters = sum(c.isalpha() for c in line)
    if (
        letters >= 4
        and len(line) <= 110
        and _upper_ratio(line) >= 0.8
        and _digit_ratio(line) < 0.2
        and not line.endswith((",", ";"))
    ):
        words = [w for w in line.split() if sum(c.isalpha() for c in w) >= 3]
        if not words:
            return 0
        return RANK_UPPER_LONG if len(words) >= 2 and len(line) >= 12 else RANK_UPPER_LABEL
    if (
        standalone
        and 3 <= len(line) <= 90
        and line[0].isupper()
        and not line.endswith((".", ",", ";", ":"))
        and 2 <= len(line.split()) <= 12
        and (len(next_line) >= 150 or next_line.lstrip().startswith(("- ", "• ")))
        and _digit_ratio(line) < 0.2
    ):
        return RANK_TITLE_LINE
    return 0


def _lines(text: str) -> list[tuple[int, int]]:
    spans = []
    pos = 0
    for piece in text.split("\n"):
        spans.append((pos, pos + len(piece)))
        pos += len(piece) + 1
    return spans


def find_headings(text: str, hints: dict[int, int] | None = None) -> list[Heading]:
    """All heading lines of ``text`` in order; ``hints`` maps a line start to an explicit level."""
    hints = hints or {}
    spans = _lines(text)
    candidates: list[Heading] = []
    for i, (start, end) in enumerate(spans):
        line = text[start:end]
        if not line.strip():
            continue
        if start in hints:
            candidates.append(Heading(start, end, max(1, min(hints[start], 6)), line))
            continue
        prev_blank = i == 0 or not text[spans[i - 1][0] : spans[i - 1][1]].strip()
        next_blank = i + 1 >= len(spans) or not text[spans[i + 1][0] : spans[i + 1][1]].strip()
        following = ""
        for s, e in spans[i + 1 : i + 4]:
            if text[s:e].strip():
                following = text[s:e]
                break
        rank = _rank(line, following, prev_blank and next_blank)
        if rank:
            candidates.append(Heading(start, end, rank, line))
    return _drop_toc(candidates)


def _drop_toc(candidates: list[Heading]) -> list[Heading]:
    kept = []
    for i, h in enumerate(candidates):
        if _TOC_PAGE.search(h.title):
            bare = _TOC_PAGE.sub("", h.title).strip().lower()
            if any(o.title.strip().lower() == bare for o in candidates[i + 1 :]):
                continue
        kept.append(h)
    return kept


def detect_structure(text: str, hints: dict[int, int] | None = None) -> list[Section]:
    """Split ``text`` into leaf sections (heading to next heading) with their heading path.

    Text before the first heading forms a section with an empty path.
    """
    headings = find_headings(text, hints)
    sections: list[Section] = []
    if not text:
        return sections
    first_start = headings[0].start if headings else len(text)
    if text[:first_start].strip():
        sections.append(Section("", 0, 0, first_start, 0, ()))
    stack: list[Heading] = []
    for i, h in enumerate(headings):
        while stack and stack[-1].rank >= h.rank:
            stack.pop()
        stack.append(h)
        end = headings[i + 1].start if i + 1 < len(headings) else len(text)
        sections.append(
            Section(
                title=h.title,
                level=h.rank,
                start=h.start,
                end=end,
                heading_end=h.end,
                path=tuple(x.title for x in stack),
            )
        )
    return sections
