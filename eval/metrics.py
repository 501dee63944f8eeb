"""Pure scoring functions: quote support, hit@k, recall@k, MRR, character budgets."""

from __future__ import annotations

import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

SUPPORT_THRESHOLD = 90.0
_MARKS = re.compile(r"[*_#`>|]+")
_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "«": '"', "»": '"', "–": "-", "—": "-"})


def normalize(text: str) -> str:
    """Case, markdown marks, quotes, hyphenation and whitespace folded away."""
    text = _MARKS.sub(" ", text.translate(_QUOTES).lower())
    text = re.sub(r"(\w)-\s*\n\s*(\w)", r"\1\2", text)
    return " ".join(text.split())


def supports(passage: str, quote: str, *, threshold: float = SUPPORT_THRESHOLD) -> bool:
    """True when ``quote`` appears in ``passage`` up to small differences."""
    q, p = normalize(quote), normalize(passage)
    if not q:
        return False
    if q in p:
        return True
    if len(p) < 0.75 * len(q):
        return False
    return fuzz.partial_ratio(q, p, score_cutoff=threshold) >= threshold


@dataclass(frozen=True)
class Passage:
    source: str
    text: str


@dataclass(frozen=True)
class QuoteRef:
    source: str
    quote: str


def first_support_ranks(passages: Sequence[Passage], quotes: Sequence[QuoteRef]) -> list[int | None]:
    """For each quote, the 1-based rank of the first passage (same source) supporting it."""
    ranks: list[int | None] = []
    for q in quotes:
        rank = next(
            (i + 1 for i, p in enumerate(passages) if p.source == q.source and supports(p.text, q.quote)), None
        )
        ranks.append(rank)
    return ranks


def hit_at(ranks: Sequence[int | None], k: int) -> bool:
    return bool(ranks) and all(r is not None and r <= k for r in ranks)


def recall_at(ranks: Sequence[int | None], k: int) -> float:
    return sum(r is not None and r <= k for r in ranks) / len(ranks) if ranks else 0.0


def reciprocal_rank(ranks: Sequence[int | None]) -> float:
    found = [r for r in ranks if r is not None]
    return 1.0 / min(found) if found else 0.0


def within_budget(passages: Sequence[Passage], budget: int) -> list[Passage]:
    """The leading passages cut to ``budget`` characters in total."""
    out: list[Passage] = []
    left = budget
    for p in passages:
        if left <= 0:
            break
        out.append(Passage(p.source, p.text[:left]))
        left -= len(p.text)
    return out


_HTML = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?/?>")


def has_html(text: str) -> bool:
    """True when ``text`` shows an HTML tag (``<p>``, ``<ul style=...>``, ``</li>``)."""
    return bool(_HTML.search(text))


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values)) if values else 0.0


def percentile(values: Sequence[float], pct: float) -> float:
    if not values:
        return 0.0
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(pct) - 1]
