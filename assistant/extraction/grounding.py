"""Spans and values: every field value is read from, and checked against, the canonical text."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from rapidfuzz import fuzz

_MARKER = re.compile(r"\s*[-–•·▪►\u2022\uf0b7\uf0a7*]\s+")
_ITEM = re.compile(r"^\s*(?:[-–•·▪►\u2022\uf0b7\uf0a7*]|\d{1,2}[.)])\s+")
_TRAILING = " \t\n;,."


def clean(text: str) -> str:
    """A field value from its (trimmed) span: whitespace collapsed."""
    return " ".join(text.split())


def norm(text: str) -> str:
    """Comparison form: lower case, no markdown marks, no list marker or final separator, single spaces."""
    text = re.sub(r"[*_#`]+", " ", text.lower().replace("’", "'"))
    text = _MARKER.sub(" ", text, count=1) if _MARKER.match(text) else text
    return " ".join(text.split()).strip(_TRAILING)


def trim_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink ``[start, end)`` to the value: list marker, surrounding space and final separators out."""
    m = _MARKER.match(text, start, end)
    if m:
        start = m.end()
    while start < end and (text[start].isspace() or text[start] in ";,"):
        start += 1
    while end > start and text[end - 1] in _TRAILING:
        end -= 1
    return start, end


@dataclass
class FieldValues:
    """Values and their spans, field by field, for one record being built."""

    text: str
    values: dict[str, object] = field(default_factory=dict)
    spans: dict[str, list[tuple[int, int]]] = field(default_factory=dict)

    def set(self, name: str, start: int, end: int) -> None:
        start, end = trim_span(self.text, start, end)
        value = clean(self.text[start:end])
        if value:
            self.values[name] = value
            self.spans[name] = [(start, end)]

    def extend(self, name: str, start: int, end: int) -> None:
        """Append a further span to a scalar field (a cell continued elsewhere): values joined by a space."""
        start, end = trim_span(self.text, start, end)
        value = clean(self.text[start:end])
        if not value:
            return
        if name in self.values:
            self.values[name] = f"{self.values[name]} {value}"
            self.spans[name].append((start, end))
        else:
            self.values[name] = value
            self.spans[name] = [(start, end)]

    def add(self, name: str, start: int, end: int) -> None:
        start, end = trim_span(self.text, start, end)
        value = clean(self.text[start:end])
        if value:
            items = self.values.setdefault(name, [])
            assert isinstance(items, list)
            items.append(value)
            self.spans.setdefault(name, []).append((start, end))


def objective_id(version: str, start: int, end: int) -> str:
    return hashlib.sha256(f"obj:{version}:{start}:{end}".encode()).hexdigest()[:24]


def align(value: str, text: str, *, threshold: float = 85.0) -> tuple[int, int] | None:
    """Where ``value`` occurs in ``text`` (fuzzy), or None when it cannot be found."""
    if not value.strip():
        return None
    exact = text.find(value)
    if exact >= 0:
        return exact, exact + len(value)
    lowered = text.lower().find(value.lower())
    if lowered >= 0:
        return lowered, lowered + len(value)
    result = fuzz.partial_ratio_alignment(value, text, score_cutoff=threshold)
    if result is None or result.score < threshold:
        return None
    return result.dest_start, result.dest_end


def lines(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Non-empty lines of ``text[start:end]`` as absolute spans."""
    out = []
    pos = start
    for piece in text[start:end].split("\n"):
        if piece.strip():
            out.append((pos, pos + len(piece)))
        pos += len(piece) + 1
    return out


def is_bullet(line: str) -> bool:
    """A list item: a bullet symbol or a small number ("1.", "2)") at the start."""
    return bool(_ITEM.match(line))
