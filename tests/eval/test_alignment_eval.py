"""Scoring of objective links against the alignment gold."""

from __future__ import annotations

import json
from pathlib import Path

from eval import alignment


def test_gold_file_is_well_formed() -> None:
    gold = json.loads(alignment.GOLD.read_text(encoding="utf-8"))["pairs"]
    assert len(gold) >= 5 and {g["relation"] for g in gold} == {"same", "related"}


def test_score_is_direction_free_and_uses_areas(tmp_path: Path) -> None:
    gold = tmp_path / "g.json"
    gold.write_text(json.dumps({"pairs": [
        {"from": {"source": "a.txt", "label": "Obiettivo n. 1"}, "to": {"source": "b.txt", "area": "Focus X", "label": "Obiettivo 1"}, "relation": "same"},
        {"from": {"source": "a.txt", "label": "Obiettivo n. 2"}, "to": {"source": "b.txt", "area": "Focus Y", "label": "Obiettivo 1"}, "relation": "related"},
    ]}), encoding="utf-8")
    links = [
        {"from": {"source": "b.txt", "area": "Focus X", "label": "Obiettivo 1"}, "to": {"source": "a.txt", "area": None, "label": "Obiettivo n. 1"}},
        {"from": {"source": "a.txt", "area": None, "label": "Obiettivo n. 2"}, "to": {"source": "b.txt", "area": "Focus X", "label": "Obiettivo 1"}},
        {"from": {"source": "c.txt", "label": "x"}, "to": {"source": "a.txt", "label": "Obiettivo n. 3"}},
    ]
    assert alignment.score(links, gold) == {"gold": 2, "found": 2, "matched": 1, "precision": 0.5, "recall": 0.5}
