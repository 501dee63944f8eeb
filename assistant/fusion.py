"""Fuse lexical and dense rankings (reciprocal rank fusion) with plan and section boosts.

Defaults were tuned on ``eval/qa_dev.jsonl`` (see README, "Retrieval").
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from ingest.schemas import Chunk


@dataclass(frozen=True)
class FusionConfig:
    candidates: int = 60
    rrf_k: float = 20.0
    lexical_weight: float = 1.0
    dense_weight: float = 1.0
    unit_weight: float = 0.0
    """Weight of the ranking of chunks by their best small units (paragraph, list item, table row).

    Off by default: on qa_dev it helped one half and hurt the other (issue 10 report)."""
    unit_second: float = 0.5
    """A chunk's unit evidence: best unit score + this times the second best."""
    target_boost: float = 1.0
    """Score multiplier added for a passage of a plan the question names (x(1 + boost * weight))."""
    off_target_factor: float = 0.35
    """Score multiplier for passages of plans the question does not name, when it names some."""
    balance_min_weight: float = 0.5
    """A named plan takes part in per-plan alternation when its target weight reaches this."""
    balance_pool: int = 10
    """For "quali piani ...?" questions: plans present in this many top passages alternate."""
    section_weight: float = 0.3
    """Share of the best score in a passage's section added to its own score."""


def fuse(
    lexical: list[Chunk],
    dense: list[Chunk],
    *,
    targets: dict[str, float],
    config: FusionConfig,
    units: list[Chunk] | None = None,
    raw: dict[str, float] | None = None,
) -> list[tuple[Chunk, float]]:
    """Chunks ordered by fused score, overlapping spans removed.

    ``units`` ranks chunks by the lexical score of their best small units. ``raw`` holds each
    candidate's own strength (see :func:`raw_strength`): rank fusion gives the same score to
    ranks (1, 2) and (2, 1), so equal fused scores are ordered by it rather than by position.
    Used only to break ties (as a small weight instead: hit@5 0.887 -> 0.900 on qa_dev, the same
    or higher on the other eleven sets, exactly as the tie-break; weights 0.01-0.1 lower
    hit@5000 chars on qa_extra).
    """
    scores: dict[str, float] = defaultdict(float)
    by_id: dict[str, Chunk] = {}
    rankings = [(config.lexical_weight, lexical), (config.dense_weight, dense), (config.unit_weight, units or [])]
    for weight, ranking in rankings:
        for rank, chunk in enumerate(ranking):
            scores[chunk.chunk_id] += weight / (config.rrf_k + rank + 1)
            by_id[chunk.chunk_id] = chunk
    if targets:
        for cid, chunk in by_id.items():
            weight = targets.get(chunk.doc_id, 0.0)
            scores[cid] *= (1.0 + config.target_boost * weight) if weight > 0 else config.off_target_factor
    if config.section_weight > 0:
        best: dict[tuple[str, str], float] = defaultdict(float)
        for cid, chunk in by_id.items():
            key = (chunk.doc_id, chunk.section)
            best[key] = max(best[key], scores[cid])
        for cid, chunk in by_id.items():
            scores[cid] += config.section_weight * best[(chunk.doc_id, chunk.section)]
    strength = raw or {}
    ranked = sorted(
        by_id.values(),
        key=lambda c: (-round(scores[c.chunk_id], 12), -strength.get(c.chunk_id, 0.0), c.doc_id, c.char_start),
    )
    kept: list[tuple[Chunk, float]] = []
    for chunk in ranked:
        if any(
            k.doc_id == chunk.doc_id and k.char_start < chunk.char_end and chunk.char_start < k.char_end
            for k, _ in kept
        ):
            continue
        kept.append((chunk, scores[chunk.chunk_id]))
    return kept


def raw_strength(lexical: dict[str, float], dense: dict[str, float]) -> dict[str, float]:
    """Each candidate's own scores on one scale: its BM25 score over the best one, plus its cosine
    similarity to the question (a candidate of one ranking only has 0 for the other)."""
    top = max(lexical.values(), default=0.0)
    out = {cid: score / top for cid, score in lexical.items()} if top > 0 else {}
    for cid, sim in dense.items():
        out[cid] = out.get(cid, 0.0) + sim
    return out


def interleave(ranked: list[tuple[Chunk, float]], doc_ids: list[str]) -> list[tuple[Chunk, float]]:
    """Round-robin over ``doc_ids`` (each in its own order), then everything else.

    Used when a question is about several plans, so that each plan's best
    passages come first instead of the longest plan drowning the others.
    """
    queues = {d: [item for item in ranked if item[0].doc_id == d] for d in doc_ids}
    out: list[tuple[Chunk, float]] = []
    while any(queues.values()):
        for d in doc_ids:
            if queues[d]:
                out.append(queues[d].pop(0))
    seen = {c.chunk_id for c, _ in out}
    return out + [item for item in ranked if item[0].chunk_id not in seen]

