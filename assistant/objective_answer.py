"""Answers from the objective records: each objective of the best section with its actions,
indicators and targets, cited at its own span (chat and the objectives table agree)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from assistant.analysis import tokenize
from assistant.answer_record import Answer
from assistant.citations import Citation
from assistant.compose import AnswerConfig, quote
from assistant.evidence import clean_text

if TYPE_CHECKING:
    from assistant.extraction.schema import Objective
    from assistant.retrieval import SearchResult
    from ingest.schemas import Chunk

_FIELD_LABELS = (("actions", "Azioni"), ("indicators", "Indicatori"), ("targets", "Risultati attesi"))


def objective_answer(
    question: str,
    objectives: Sequence[Objective],
    results: Sequence[SearchResult],
    terms: dict[str, float],
    passage_at: Callable[[str, int, int], Chunk | None],
    config: AnswerConfig,
    *,
    top: int = 4,
    limit: int = 6,
) -> Answer | None:
    """Answer from the plan's objective records (title, actions, indicators, targets), each cited.

    The records considered are those inside the best retrieved passages (so
    chat and the objectives table agree on the same text); the best one's
    section gives the others. None when no record lies in those passages.
    """
    total = sum(terms.values()) or 1.0
    best_rank: dict[str, int] = {}
    scored: list[tuple[float, Objective]] = []
    for o in objectives:
        rank = next(
            (i for i, r in enumerate(results[:top])
             if r.chunk.doc_id == o.doc_id and o.char_start < r.chunk.char_end and r.chunk.char_start < o.char_end),
            None,
        )
        if rank is None:
            continue
        words = set(tokenize(" ".join([o.title, o.statement or "", o.area or "", *o.actions, *o.indicators, *o.targets])))
        share = sum(w for t, w in terms.items() if t in words) / total
        best_rank[o.objective_id] = rank
        scored.append((share + 1.0 / (1.0 + rank), o))
    if not scored:
        return None
    scored.sort(key=lambda x: (-x[0], x[1].char_start))
    lead_obj = scored[0][1]
    area = lead_obj.area or lead_obj.section
    same = [o for o in objectives if o.doc_id == lead_obj.doc_id and (o.area or o.section) == area]
    near = sorted(same, key=lambda o: (abs(o.char_start - lead_obj.char_start), o.char_start))[:limit]
    picked = sorted(near, key=lambda o: o.char_start)
    citations: list[Citation] = []
    lines = []
    for o in picked:
        chunk = passage_at(o.doc_id, o.char_start, min(o.char_end, o.char_start + config.cite_chars))
        if chunk is None:
            continue
        start = max(o.char_start, chunk.char_start)
        end = min(o.char_end, chunk.char_end, start + config.cite_chars)
        n = len(citations) + 1
        citations.append(Citation(n=n, chunk=chunk, start=start, end=end, score=1.0, sentences=[]))
        parts = [quote(clean_text(o.title), 200)]
        for name, label in _FIELD_LABELS:
            values = [clean_text(v) for v in getattr(o, name)][:4]
            if values:
                parts.append(f"{label}: " + "; ".join(quote(v, 160) for v in values))
        lines.append("- " + ". ".join(parts) + f" [{n}]")
    if not citations:
        return None
    titles = list(dict.fromkeys(c.chunk.title for c in citations))
    lead = "Secondo " + " e ".join(f"«{t}»" for t in titles) + (f", obiettivi della sezione «{clean_text(area)}»:" if area else ", obiettivi pertinenti:")
    return Answer(question, "\n".join([lead, *lines]), False, citations, status="answered")
