"""Precision and recall of objective links against ``alignment_gold.json``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

GOLD = Path(__file__).with_name("alignment_gold.json")


def _key(side: dict[str, Any]) -> tuple[str, str, str]:
    return side["source"], side.get("area") or "", side["label"]


def score(links: list[dict[str, Any]], gold_path: Path = GOLD) -> dict[str, Any]:
    """``links``: dicts with "from"/"to" sides (source, area, label); direction does not matter."""
    gold = json.loads(gold_path.read_text(encoding="utf-8"))["pairs"]
    sources = {g["from"]["source"] for g in gold} | {g["to"]["source"] for g in gold}

    def norm(side: dict[str, Any]) -> tuple[str, str, str]:
        # areas identify objectives only where numbering restarts (labels repeat)
        key = _key(side)
        return key if any(key[1] and g_side.get("area") for g in gold for g_side in (g["from"], g["to"]) if g_side["source"] == key[0]) else (key[0], "", key[2])

    gold_pairs = {frozenset((norm(g["from"]), norm(g["to"]))) for g in gold}
    found = {frozenset((norm(x["from"]), norm(x["to"]))) for x in links if x["from"]["source"] in sources and x["to"]["source"] in sources}
    hits = len(gold_pairs & found)
    return {
        "gold": len(gold_pairs), "found": len(found), "matched": hits,
        "precision": round(hits / len(found), 4) if found else None,
        "recall": round(hits / len(gold_pairs), 4) if gold_pairs else None,
    }
