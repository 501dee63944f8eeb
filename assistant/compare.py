"""Evaluators' view: evidence grouped by plan, so that no plan is drowned out by a longer one.

For a topic, every plan (document) is searched on its own; its best passages
are kept, and a plan whose best passage neither covers the topic's
distinctive terms nor is semantically close is reported as "no relevant
evidence" rather than padded with loosely related text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from assistant.evidence import Snapshot, coverage, question_terms

if TYPE_CHECKING:
    from assistant.retrieval import HybridRetriever, SearchResult
    from ingest.index import IndexedDocument


@dataclass
class PlanEvidence:
    doc: IndexedDocument
    results: list[SearchResult] = field(default_factory=list)
    relevant: bool = False
    coverage: float = 0.0

    @property
    def key(self) -> str:
        m = self.doc.meta
        return f"{m.ambito or '-'} {m.period or '-'}"


@dataclass
class Comparison:
    topic: str
    by: str
    groups: dict[str, list[PlanEvidence]]


@dataclass(frozen=True)
class CompareConfig:
    per_plan: int = 3
    min_coverage: float = 0.5
    min_similarity: float = 0.855


def compare(
    topic: str, retriever: HybridRetriever, *, by: str = "plan", config: CompareConfig | None = None,
    kinds: tuple[str, ...] = ("piano",),
) -> Comparison:
    """Best passages of each plan for ``topic``, grouped by plan, ambito or period.

    When the topic names some plans, only those are compared; otherwise every
    document of the given kinds is.
    """
    from assistant.retrieval import SearchFilters

    config = config or CompareConfig()
    snap = Snapshot.take(retriever)
    docs = snap.docs
    named = snap.plans.targets(topic)
    across = snap.plans.mentions(topic).asks_all_plans
    chosen = [d for d in docs if d.meta.doc_id in named] if named and not across else [
        d for d in docs if d.meta.kind in kinds
    ]
    terms = question_terms(topic, snap.idf, snap.plans)
    evidence: list[PlanEvidence] = []
    for doc in chosen:
        results = retriever.search(
            topic, k=config.per_plan, filters=SearchFilters(doc_id=doc.meta.doc_id), state=snap.state
        )
        cov = coverage(results, terms) if results else 0.0
        sims = [r.similarity for r in results if r.similarity is not None]
        relevant = bool(results) and (cov >= config.min_coverage or (max(sims, default=0.0) >= config.min_similarity and cov > 0))
        evidence.append(PlanEvidence(doc, results, relevant, cov))
    groups: dict[str, list[PlanEvidence]] = {}
    for ev in evidence:
        m = ev.doc.meta
        key = {"ambito": m.ambito or "-", "period": m.period or "-"}.get(by, ev.key)
        groups.setdefault(key, []).append(ev)
    return Comparison(topic, by, dict(sorted(groups.items())))
