"""Score extracted objectives against a gold file in the format of objectives_sample.json.

An extracted objective matches a gold one (same document) when the titles
match fuzzily or the gold ``anchor_quote`` falls inside the extracted span;
matching is one-to-one, greedy by similarity. For matched pairs, indicator
and target items are matched fuzzily too.

Only the records a table shows by default count (``selection.select``: objectives
and guidelines above the threshold, no previous-plan results). Gold items marked
``borderline`` are neither required nor errors: unmatched, they leave recall
alone; matched, neither they nor their record count. A gold document that covers
only some chapters (its ``chapters`` list, or else the numbered sections of its
records' ``heading_path``) restricts precision to the records inside them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz

from assistant.extraction.selection import select

TITLE_MATCH = 85.0
ITEM_MATCH = 85.0
ANCHOR_MATCH = 90.0


def _norm(text: str) -> str:
    text = re.sub(r"[*_#`•]+", " ", text.lower().replace("’", "'"))
    return " ".join(text.split())


def load_gold(path: Path) -> list[dict[str, Any]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return list(data["documents"] if isinstance(data, dict) else data)


_NUMBER = re.compile(r"(?:^|>\s*)(\d{1,2}(?:\.\d{1,2})*)\.?\s")


def section_numbers(section: str) -> list[str]:
    """The heading numbers along a section path ("4. X > 4.3 Y > 4.3.1 Z" -> ["4", "4.3", "4.3.1"])."""
    return _NUMBER.findall(section or "")


def in_chapters(section: str, chapters: Sequence[str]) -> bool:
    """True when a section path lies inside one of ``chapters`` (numbers such as "1" or "4.3")."""
    numbers = section_numbers(section)
    return any(n == c or n.startswith(c + ".") for n in numbers for c in chapters)


def covered_chapters(gdoc: dict[str, Any]) -> list[str] | None:
    """The chapters a gold document covers (None: the whole document)."""
    if gdoc.get("chapters"):
        return [str(c) for c in gdoc["chapters"]]
    found: set[str] = set()
    for g in gdoc.get("objectives", []):
        numbers = [section_numbers(h)[:1] for h in g.get("heading_path") or []]
        flat = [n[0] for n in numbers if n]
        if len(flat) >= 2:
            found.add(flat[1])  # the numbered sub-chapter ("4.3") of the item
        elif flat:
            found.add(flat[0])
    return sorted(found) or None


def _chapter_of(section: str, chapters: Sequence[str]) -> str | None:
    numbers = section_numbers(section)
    for c in sorted(chapters, key=len, reverse=True):
        if any(n == c or n.startswith(c + ".") for n in numbers):
            return c
    return None


def _similarity(gold: dict[str, Any], record: dict[str, Any], text: str) -> float:
    title = fuzz.token_set_ratio(_norm(gold.get("title", "")), _norm(record.get("title") or ""))
    score = title if title >= TITLE_MATCH else 0.0
    anchor = _norm(gold.get("anchor_quote") or "")
    if anchor and text:
        span = _norm(text[record["char_start"] : record["char_end"]])
        if anchor in span or (span and fuzz.partial_ratio(anchor, span) >= ANCHOR_MATCH):
            score = 200.0 + title / 100  # the evidence itself matches: preferred to a title-only match
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


def score(
    gold_docs: list[dict[str, Any]],
    records: list[dict[str, Any]],
    doc_texts: dict[str, str],
    *,
    include_candidates: bool = False,
) -> dict[str, Any]:
    """Per-document (and per-chapter) objective recall/precision and item recall/precision."""
    report: dict[str, Any] = {"documents": {}}
    totals = {"matched": 0, "gold": 0, "extracted": 0}
    item_totals = {f: [0, 0, 0] for f in ("indicators", "targets")}
    shown: list[dict[str, Any]] = [dict(r) for r in select(records, include_candidates=include_candidates)]
    for gdoc in gold_docs:
        source = gdoc["doc"]
        chapters = covered_chapters(gdoc)
        mine = [r for r in shown if r["source"] == source and r.get("scope", "plan") != "previous"]
        if chapters is not None and any(g.get("heading_path") for g in gdoc["objectives"]):
            mine = [r for r in mine if in_chapters(r.get("section", ""), chapters)]
        text = doc_texts.get(source, "")
        gold = gdoc["objectives"]
        pairs = sorted(
            ((_similarity(g, r, text), gi, ri) for gi, g in enumerate(gold) for ri, r in enumerate(mine)),
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
        borderline = {i for i, g in enumerate(gold) if g.get("borderline")}
        ignored_r = {ri for gi, ri in matches if gi in borderline}
        core = [(gi, ri) for gi, ri in matches if gi not in borderline]
        items = {f: [0, 0, 0] for f in item_totals}
        for gi, ri in matches:
            g, r = gold[gi], mine[ri]
            for f in items:
                if g.get(f):  # items the gold states (borderline records included)
                    m, ng, nf = _items(g.get(f) or [], r.get(f) or [])
                    items[f] = [items[f][0] + m, items[f][1] + ng, items[f][2] + nf]
                elif f in g and "targets" in g:  # a structured record: extracted items the gold lacks are errors
                    items[f][2] += len(r.get(f) or [])
        n_gold = len(gold) - len(borderline)
        n_found = len(mine) - len(ignored_r)
        entry: dict[str, Any] = {
            "gold": n_gold, "extracted": n_found, "matched": len(core),
            "recall": _ratio(len(core), n_gold), "precision": _ratio(len(core), n_found),
            "unmatched_gold": [gold[i].get("title") for i in range(len(gold)) if i not in used_g and i not in borderline],
            "unmatched_records": [mine[i].get("title") for i in range(len(mine)) if i not in used_r],
        }
        if chapters is not None and any(g.get("heading_path") for g in gold):
            entry["chapters"] = _by_chapter(gold, mine, core, borderline, ignored_r, chapters)
        for f, (m, ng, nf) in items.items():
            entry[f"{f}_recall"] = _ratio(m, ng)
            entry[f"{f}_precision"] = _ratio(m, nf)
            item_totals[f] = [a + b for a, b in zip(item_totals[f], (m, ng, nf), strict=True)]
        report["documents"][source] = entry
        totals["matched"] += len(core)
        totals["gold"] += n_gold
        totals["extracted"] += n_found
    overall = {"recall": _ratio(totals["matched"], totals["gold"]), "precision": _ratio(totals["matched"], totals["extracted"])}
    for f, (m, ng, nf) in item_totals.items():
        overall[f"{f}_recall"] = _ratio(m, ng)
        overall[f"{f}_precision"] = _ratio(m, nf)
    report["overall"] = overall
    return report


def _by_chapter(
    gold: list[dict[str, Any]],
    mine: list[dict[str, Any]],
    core: list[tuple[int, int]],
    borderline: set[int],
    ignored_r: set[int],
    chapters: Sequence[str],
) -> dict[str, dict[str, Any]]:
    """Recall and precision chapter by chapter (a gold item's chapter comes from its heading path)."""
    out: dict[str, dict[str, Any]] = {}
    for c in chapters:
        g_in = {i for i, g in enumerate(gold) if i not in borderline
                and _chapter_of(" > ".join(g.get("heading_path") or []), chapters) == c}
        r_in = {i for i, r in enumerate(mine) if i not in ignored_r and _chapter_of(r.get("section", ""), chapters) == c}
        matched_g = sum(1 for gi, _ in core if gi in g_in)
        matched_r = sum(1 for _, ri in core if ri in r_in)
        out[c] = {"gold": len(g_in), "extracted": len(r_in), "recall": _ratio(matched_g, len(g_in)),
                  "precision": _ratio(matched_r, len(r_in))}
    return out


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
