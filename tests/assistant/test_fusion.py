"""Rank fusion: equal fused scores are ordered by the candidates' own scores, not by position."""

from __future__ import annotations

from assistant.fusion import FusionConfig, fuse, raw_strength
from ingest.schemas import Chunk


def _chunk(i: int, start: int) -> Chunk:
    text = f"passaggio {i} " * 5
    return Chunk(
        chunk_id=f"c{i}", doc_id="d", source="d.txt", title="Piano", ambito=None, period=None, kind="piano",
        section=f"Capitolo {i}", page=None, char_start=start, char_end=start + len(text), text=text, ordinal=i,
    )


def test_ranks_one_two_and_two_one_are_ordered_by_their_own_scores() -> None:
    early, late = _chunk(0, 0), _chunk(1, 1000)
    config = FusionConfig(section_weight=0.0)
    # early is first lexically, late first densely: rank fusion cannot tell them apart
    without = fuse([early, late], [late, early], targets={}, config=config)
    assert without[0][1] == without[1][1] and without[0][0] is early  # position decides

    raw = raw_strength({"c0": 3.0, "c1": 2.9}, {"c0": 0.41, "c1": 0.83})
    assert raw["c1"] > raw["c0"]  # a much closer meaning outweighs a slightly lower BM25 score
    ranked = fuse([early, late], [late, early], targets={}, config=config, raw=raw)
    assert [c.chunk_id for c, _ in ranked] == ["c1", "c0"]


def test_own_scores_never_overturn_a_better_fused_rank() -> None:
    a, b, c = _chunk(0, 0), _chunk(1, 1000), _chunk(2, 2000)
    raw = raw_strength({"c0": 1.0, "c1": 5.0, "c2": 4.0}, {"c1": 0.9, "c2": 0.9})
    ranked = fuse([a, b, c], [a, b, c], targets={}, config=FusionConfig(section_weight=0.0), raw=raw)
    assert [x.chunk_id for x, _ in ranked] == ["c0", "c1", "c2"]


def test_raw_strength_puts_bm25_on_the_scale_of_the_best_candidate() -> None:
    raw = raw_strength({"a": 8.0, "b": 2.0}, {"b": 0.5, "c": 0.7})
    assert raw == {"a": 1.0, "b": 0.75, "c": 0.7}
    assert raw_strength({}, {}) == {}
