"""Cut a structured canonical text into passages that follow its sections.

A chunk never starts in the middle of a heading's text and never spans a
heading of rank <= ``hard_rank`` (chapters and numbered sections). Inside a
section, paragraphs are grouped up to ``target_chars``; consecutive small
sections (e.g. ``AZIONI``, ``RISORSE`` under one objective) are grouped too, as
whole sections. A paragraph longer than ``max_chars`` is split at sentence ends.
"""

from __future__ import annotations

import bisect
import hashlib
import re
from dataclasses import dataclass

from ingest.normalize import CanonicalText
from ingest.schemas import Chunk, DocumentMeta, Page, Section
from ingest.structure import RANK_UPPER_LABEL
from ingest.units import BULLET

_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+(?=[A-ZÀ-Ý0-9“\"(])")


@dataclass(frozen=True)
class ChunkingConfig:
    # chosen by measurement on qa_dev (README, "Chunk size")
    target_chars: int = 1600
    max_chars: int = 2400
    hard_rank: int = 3

    def __post_init__(self) -> None:
        if not 100 <= self.target_chars <= self.max_chars:
            raise ValueError("target_chars must be >= 100 and <= max_chars")


@dataclass
class _Piece:
    start: int
    end: int
    section: Section


def _paragraph_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans = []
    pos = start
    for m in re.finditer(r"\n\n+", text[start:end]):
        spans.append((pos, start + m.start()))
        pos = start + m.end()
    spans.append((pos, end))
    return [(s, e) for s, e in spans if text[s:e].strip()]


def _split_long(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    """Split ``[start, end)`` at line breaks, then sentence ends, into spans <= max_chars."""
    if end - start <= max_chars:
        return [(start, end)]
    cuts = [start + m.end() for m in re.finditer(r"\n", text[start:end])]
    cuts += [m.end() for m in _SENTENCE_END.finditer(text, start, end)]
    cuts = sorted(set(c for c in cuts if start < c < end))
    spans = []
    cur = start
    while end - cur > max_chars:
        candidates = [c for c in cuts if cur + max_chars // 3 <= c <= cur + max_chars]
        cut = candidates[-1] if candidates else _word_cut(text, cur, cur + max_chars)
        spans.append((cur, cut))
        cur = cut
    spans.append((cur, end))
    return [_trim(text, s, e) for s, e in spans if text[s:e].strip()]


def _word_cut(text: str, start: int, limit: int) -> int:
    space = text.rfind(" ", start + 1, limit)
    return space + 1 if space > start else limit


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _pieces(text: str, sections: list[Section], max_chars: int) -> list[_Piece]:
    pieces = []
    for section in sections:
        for s, e in _paragraph_spans(text, section.start, section.end):
            for a, b in _split_long(text, s, e, max_chars):
                pieces.append(_Piece(a, b, section))
    return pieces


def _may_join(text: str, group: list[_Piece], piece: _Piece, config: ChunkingConfig) -> bool:
    """Whole small sections may be grouped, under the same parent, below ``hard_rank``.

    The group's own section is that of its first text: headings of other sections that only
    lead into it (a title over several lines) do not count.
    """
    lead = _without_leading_headings(text, group)[0]
    first = lead.section
    new = piece.section
    if lead.start > first.start or not 0 < new.level or new.level <= config.hard_rank:
        return False
    if new.path[: len(first.path)] == first.path:
        return True  # a sub-section of the group's first section
    # small labelled parts (AZIONI, TEMPI ...) of one parent may share a chunk; bigger siblings may not
    parent = first.path[:-1]
    return first.level >= RANK_UPPER_LABEL and new.path[: len(parent)] == parent and len(new.path) >= len(first.path)


def _continues_list(text: str, last: _Piece, piece: _Piece) -> bool:
    """``piece`` is the list that ``last`` introduces ("composto da:") or its next item: they stay
    in one chunk past the target size (up to the maximum), so that a list is not cut from its lead."""
    if piece.section is not last.section:
        return False
    before = text[last.start : last.end].rstrip()
    after = text[piece.start : piece.end].lstrip()
    return before.endswith(":") or (bool(BULLET.match(after)) and (before.endswith(";") or bool(BULLET.match(_last_line(before)))))


def _is_heading(text: str, piece: _Piece) -> bool:
    """The piece is a heading line (or part of one), not text of its section."""
    return not text[max(piece.start, piece.section.heading_end) : piece.end].strip()


def _without_leading_headings(text: str, group: list[_Piece]) -> list[_Piece]:
    """The pieces that give a chunk its section: leading headings of other sections left out."""
    body = next((p for p in group if not _is_heading(text, p)), None)
    if body is None:
        return group
    lead = next(i for i, p in enumerate(group) if p is body or p.section is body.section)
    return group[lead:]


def _last_line(text: str) -> str:
    return text[text.rfind("\n") + 1 :].lstrip()


def _common_path(paths: list[tuple[str, ...]]) -> tuple[str, ...]:
    common = list(paths[0])
    for p in paths[1:]:
        n = 0
        while n < min(len(common), len(p)) and common[n] == p[n]:
            n += 1
        common = common[:n]
    return tuple(common) or paths[0]


def _page_of(canonical: CanonicalText, pages: tuple[Page, ...], start: int) -> int | None:
    if not pages:
        return None
    raw = canonical.offsets[start]
    idx = bisect.bisect_right([p.start for p in pages], raw) - 1
    return pages[max(idx, 0)].number


def chunk_id(doc_id: str, version: str, start: int, end: int) -> str:
    """Deterministic id from the document id, its version and the span (two documents never share one)."""
    return hashlib.sha256(f"{doc_id}\x00{version}:{start}:{end}".encode()).hexdigest()[:32]


def chunk_document(
    canonical: CanonicalText,
    sections: list[Section],
    meta: DocumentMeta,
    sha256: str,
    pages: tuple[Page, ...] = (),
    config: ChunkingConfig | None = None,
) -> list[Chunk]:
    """Group the paragraphs of each section into chunks with exact offsets."""
    config = config or ChunkingConfig()
    text = canonical.text
    groups: list[list[_Piece]] = []
    for piece in _pieces(text, sections, config.max_chars):
        current = groups[-1] if groups else None
        if current is not None and all(_is_heading(text, p) for p in current) and piece.end - current[0].start <= config.max_chars:
            current.append(piece)  # a heading (or a title broken over lines) stays with what follows
            continue
        if current is not None and piece.end - current[0].start <= config.target_chars:
            if piece.section is current[-1].section or _may_join(text, current, piece, config):
                current.append(piece)
                continue
        if current is not None and piece.end - current[0].start <= config.max_chars and _continues_list(text, current[-1], piece):
            current.append(piece)
            continue
        groups.append([piece])
    chunks = []
    for ordinal, group in enumerate(groups):
        start, end = group[0].start, group[-1].end
        path = _common_path([p.section.path for p in _without_leading_headings(text, group)])
        chunks.append(
            Chunk(
                chunk_id=chunk_id(meta.doc_id, sha256, start, end),
                doc_id=meta.doc_id,
                source=meta.source,
                title=meta.title,
                ambito=meta.ambito,
                period=meta.period,
                kind=meta.kind,
                section=" > ".join(path),
                page=_page_of(canonical, pages, start),
                char_start=start,
                char_end=end,
                text=text[start:end],
                ordinal=ordinal,
                version=sha256,
            )
        )
    return chunks
