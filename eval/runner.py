"""Run gold questions through search/ask and aggregate the metrics per question kind."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from eval import metrics
from eval.datasets import GoldQuestion
from eval.metrics import Passage, QuoteRef

KS = (1, 3, 5, 10)
CHAR_BUDGET = 5000


@dataclass(frozen=True)
class AnswerOutcome:
    abstained: bool
    cited: list[Passage]
    status: str | None = None
    """``answered``, ``partial`` or ``not_found``; derived from ``abstained`` when not given."""
    text: str = ""
    """The answer text (for HTML and length checks)."""

    @property
    def final_status(self) -> str:
        return self.status or ("not_found" if self.abstained else "answered")


def _quotes(q: GoldQuestion) -> list[QuoteRef]:
    return [QuoteRef(e.doc, e.quote) for e in q.evidence]


def _mean(values: Sequence[float]) -> float:
    return round(sum(values) / len(values), 4) if values else 0.0


def evaluate_retrieval(
    questions: Sequence[GoldQuestion], search: Callable[[str], list[Passage]], *, ks: Sequence[int] = KS
) -> dict[str, Any]:
    """hit@k, quote recall@k, MRR, hit within CHAR_BUDGET chars and latency."""
    items = []
    for q in questions:
        if not q.answerable:
            continue
        started = time.perf_counter()
        passages = search(q.question)
        latency = (time.perf_counter() - started) * 1000
        quotes = _quotes(q)
        ranks = metrics.first_support_ranks(passages, quotes)
        budget_ranks = metrics.first_support_ranks(metrics.within_budget(passages, CHAR_BUDGET), quotes)
        item = {
            "id": q.id,
            "kind": q.kind,
            "ranks": ranks,
            "mrr": metrics.reciprocal_rank(ranks),
            f"hit@{CHAR_BUDGET}chars": metrics.hit_at(budget_ranks, len(passages) or 1),
            "latency_ms": round(latency, 2),
        }
        for k in ks:
            item[f"hit@{k}"] = metrics.hit_at(ranks, k)
            item[f"recall@{k}"] = metrics.recall_at(ranks, k)
        items.append(item)
    keys = [f"hit@{k}" for k in ks] + [f"recall@{k}" for k in ks] + ["mrr", f"hit@{CHAR_BUDGET}chars"]
    return _aggregate(items, keys)


ANSWER_KEYS = [
    "evidence_any", "evidence_all", "quote_recall", "false_abstention", "abstained",
    "false_not_found", "partial_on_answerable", "declined_or_partial", "answered_unanswerable", "html",
]


def evaluate_answers(
    questions: Sequence[GoldQuestion], ask: Callable[[str], AnswerOutcome]
) -> dict[str, Any]:
    """Evidence among citations, status on answerable and unanswerable questions, HTML, length.

    Per kind and overall: ``evidence_any`` (some gold quote cited) and
    ``evidence_all`` of answerable questions; ``false_not_found`` (answerable
    but ``not_found``; ``false_abstention`` is the same, kept for old
    reports) and ``partial_on_answerable``; on unanswerable questions
    (``"answerable": false`` or kind ``unanswerable``) ``declined_or_partial``
    and ``abstained`` (declined only); ``html_answers`` (count) and
    ``median_answer_chars``.
    """
    items = []
    for q in questions:
        started = time.perf_counter()
        outcome = ask(q.question)
        latency = (time.perf_counter() - started) * 1000
        status = outcome.final_status
        item: dict[str, Any] = {
            "id": q.id, "kind": q.kind, "status": status, "latency_ms": round(latency, 2),
            "answer_chars": len(outcome.text), "html": metrics.has_html(outcome.text),
        }
        if q.answerable:
            ranks = metrics.first_support_ranks(outcome.cited, _quotes(q))
            item["evidence_any"] = any(r is not None for r in ranks)
            item["evidence_all"] = all(r is not None for r in ranks)
            item["quote_recall"] = metrics.recall_at(ranks, len(outcome.cited) or 1)
            item["false_abstention"] = status == "not_found"
            item["false_not_found"] = status == "not_found"
            item["partial_on_answerable"] = status == "partial"
        else:
            item["abstained"] = status == "not_found"
            item["declined_or_partial"] = status in ("not_found", "partial")
            item["answered_unanswerable"] = status == "answered"
        items.append(item)
    report = _aggregate(items, ANSWER_KEYS)
    for kind, row in report["summary"].items():
        group = [i for i in items if kind == "overall" or i["kind"] == kind]
        row["html_answers"] = sum(i["html"] for i in group)
        row.pop("html", None)
        row["median_answer_chars"] = round(metrics.median([i["answer_chars"] for i in group]), 1)
    return report


def _aggregate(items: list[dict[str, Any]], keys: list[str]) -> dict[str, Any]:
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in items:
        groups[item["kind"]].append(item)
        groups["overall"].append(item)
    summary = {}
    for kind, group in sorted(groups.items(), key=lambda kv: (kv[0] == "overall", kv[0])):
        row: dict[str, Any] = {"n": len(group)}
        for key in keys:
            values = [float(i[key]) for i in group if key in i]
            if values:
                row[key] = _mean(values)
        latencies = [i["latency_ms"] for i in group]
        row["latency_p50_ms"] = round(metrics.percentile(latencies, 50), 2)
        row["latency_p95_ms"] = round(metrics.percentile(latencies, 95), 2)
        summary[kind] = row
    return {"summary": summary, "items": items}


def format_table(report: dict[str, Any], columns: Sequence[str]) -> str:
    """Plain-text table of the per-kind summary."""
    summary = report["summary"]
    header = ["kind", "n", *columns]
    rows = [[kind, str(row["n"]), *(_fmt(row.get(c)) for c in columns)] for kind, row in summary.items()]
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=True)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(lines)


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    return f"{value:.3f}" if isinstance(value, float) else str(value)
