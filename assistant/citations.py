"""Citations as data: numbered passages, cited spans, ``[n]`` markers parsed back.

A :class:`Citation` points at an exact span of a document's canonical text
(``char_start``/``char_end``) inside a retrieved passage (``chunk_id``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.schemas import Chunk

_MARKER = re.compile(r"\[(\d{1,3})\]")
_NOT_AN_END = re.compile(
    r"(?:^|(?<=\n)|(?<=^[ \t])|(?<=\n[ \t]))(?:\d{1,2}|[a-zA-Z])[.)]$"  # a list number at the start of a line
    r"|\b(?:n|nn|es|art|artt|pag|pagg|cfr|rif|lett|tel|dott|sig|prof|ss)\.$",
    re.IGNORECASE,
)
_SENTENCE_BREAK = re.compile(r"(?<=[.!?;])\s+(?=[\"“«(]?[A-ZÀ-Ý0-9])|\n+")


@dataclass(frozen=True)
class Span:
    start: int
    end: int


def sentence_spans(text: str) -> list[Span]:
    """Sentence-like spans of ``text`` (sentences, list items, lines), trimmed.

    A full stop after a list number ("1. Dimensione …") or an abbreviation ("n. 3",
    "es. Una famiglia") ends no sentence.
    """
    spans = []
    pos = 0
    for m in _SENTENCE_BREAK.finditer(text):
        if "\n" not in m.group() and _NOT_AN_END.search(text, max(pos, m.start() - 8), m.start()):
            continue
        spans.append(Span(pos, m.start()))
        pos = m.end()
    spans.append(Span(pos, len(text)))
    out = []
    for s in spans:
        a, b = s.start, s.end
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b - a >= 2:
            out.append(Span(a, b))
    return out


@dataclass
class Citation:
    """One numbered source of an answer."""

    n: int
    chunk: Chunk
    start: int
    """Canonical offset where the cited text starts (inside the passage)."""
    end: int
    score: float = 0.0
    sentences: list[Span] = field(default_factory=list)

    @property
    def text(self) -> str:
        c = self.chunk
        return c.text[self.start - c.char_start : self.end - c.char_start]


def markers(text: str) -> list[int]:
    """The ``[n]`` numbers used in ``text``, in order of appearance."""
    return [int(m.group(1)) for m in _MARKER.finditer(text)]


def strip_invalid_markers(text: str, valid: set[int]) -> tuple[str, list[int]]:
    """Remove markers that point to no passage; return the text and the removed numbers."""
    removed: list[int] = []

    def repl(m: re.Match[str]) -> str:
        n = int(m.group(1))
        if n in valid:
            return m.group(0)
        removed.append(n)
        return ""

    cleaned = _MARKER.sub(repl, text)
    return re.sub(r"[ \t]+([.,;:])", r"\1", re.sub(r"[ \t]{2,}", " ", cleaned)).strip(), removed
