"""Score extracted objectives against a gold file in the format of objectives_sample.json.

An extracted objective matches a gold one (same document) when the titles
match fuzzily or the gold ``anchor_quote`` falls inside the extracted span;
matching is one-to-one, greedy by similarity. For matched pairs, indicator
and target items are matched fuzzily too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz

TITLE_MATCH = 85.0
ITEM_MATCH = 85.0
ANCHOR_MATCH = 90.0


def _norm(text: str) -> str:
    text = re.sub(r"[*_#`•]+", " ", text.lower().replace("’", "'"))
    return " ".join(text.split())


def load_gold(path: Path) -> list[dict[str, Any]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return list(data["documents"] if isinstance(data, dict) else data)


def _similarity(gold: dict[str, Any], record: dict[str, Any], text: str) -> float:
    title = fuzz.token_set_ratio(_norm(gold.get("title", "")), _norm(record.get("title") or ""))
    score = title if title >= TITLE_MATCH else 0.0
    anchor = _norm(gold.get("anchor_quote") or "")
    if anchor and text:
        span = _norm(text[record["char_start"] : record["char_end"]])
        if anchor in span or (span and fuzz.partial_ratio(anchor, span) >= ANCHOR_MATCH):
            score = max(score, 90.0 + title / 100)
    return score


def _items(gold: Sequence[str], found: Sequence[str]) -> tuple[int, int, int]:
    """(matched, gold count, found count), one-to-one."""
    left = [_norm(x) for x in found]
    matched = 0
    for g in (_norm(x) for x in gold):
        best = max(range(len(left)), key=lambda i: fuzz.ratio(g, left[i]), default=None)
        if best is not None and max(fuzz.ratio(g, left[best]), fuzz.token_set_ratio(g, left[best])) >= ITEM_MATCH:
            matched += 1
            left.pop(best)
    return matched, len(gold), len(found)


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


def score(gold_docs: list[dict[str, Any]], records: list[dict[str, Any]], doc_texts: dict[str, str]) -> dict[str, Any]:
    """Per-document and overall objective recall/precision and item recall/precision."""
    report: dict[str, Any] = {"documents": {}}
    totals = {"matched": 0, "gold": 0, "extracted": 0}
    item_totals = {f: [0, 0, 0] for f in ("indicators", "targets")}
    for gdoc in gold_docs:
        source = gdoc["doc"]
        mine = [r for r in records if r["source"] == source and r.get("scope", "plan") == "plan"]
        text = doc_texts.get(source, "")
        pairs = sorted(
            ((_similarity(g, r, text), gi, ri) for gi, g in enumerate(gdoc["objectives"]) for ri, r in enumerate(mine)),
            reverse=True,
        )
        used_g: set[int] = set()
        used_r: set[int] = set()
        matches = []
        for sim, gi, ri in pairs:
            if sim <= 0 or gi in used_g or ri in used_r:
                continue
            used_g.add(gi)
            used_r.add(ri)
            matches.append((gi, ri))
        items = {f: [0, 0, 0] for f in item_totals}
        for gi, ri in matches:
            g, r = gdoc["objectives"][gi], mine[ri]
            for f in items:
                if f in g:
                    m, ng, nf = _items(g.get(f) or [], r.get(f) or [])
                    items[f] = [items[f][0] + m, items[f][1] + ng, items[f][2] + nf]
        n_gold = len(gdoc["objectives"])
        entry = {
            "gold": n_gold, "extracted": len(mine), "matched": len(matches),
            "recall": _ratio(len(matches), n_gold), "precision": _ratio(len(matches), len(mine)),
            "unmatched_gold": [gdoc["objectives"][i].get("title") for i in range(n_gold) if i not in used_g],
        }
        for f, (m, ng, nf) in items.items():
            entry[f"{f}_recall"] = _ratio(m, ng)
            entry[f"{f}_precision"] = _ratio(m, nf)
            item_totals[f] = [a + b for a, b in zip(item_totals[f], (m, ng, nf), strict=True)]
        report["documents"][source] = entry
        totals["matched"] += len(matches)
        totals["gold"] += n_gold
        totals["extracted"] += len(mine)
    overall = {"recall": _ratio(totals["matched"], totals["gold"]), "precision": _ratio(totals["matched"], totals["extracted"])}
    for f, (m, ng, nf) in item_totals.items():
        overall[f"{f}_recall"] = _ratio(m, ng)
        overall[f"{f}_precision"] = _ratio(m, nf)
    report["overall"] = overall
    return report


def format_table(report: dict[str, Any]) -> str:
    cols = ["recall", "precision", "indicators_recall", "indicators_precision", "targets_recall", "targets_precision"]
    rows = [[name, *(_fmt(v.get(c)) for c in cols)] for name, v in report["documents"].items()]
    rows.append(["overall", *(_fmt(report["overall"].get(c)) for c in cols)])
    header = ["document", *cols]
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=True)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))]
    lines += ["  ".join(str(v).ljust(w) for v, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(lines)


def _fmt(value: object) -> str:
    return "-" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value)
