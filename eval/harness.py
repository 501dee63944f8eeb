"""The evaluation wiring: run gold sets through an :class:`~assistant.service.Assistant`.

The CLI (``pdz eval …``) parses options and renders; this module connects the
assistant's verbs to the pure scorers of ``eval.runner``, ``eval.objectives``
and ``eval.alignment``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from eval import runner
from eval.datasets import load_questions
from eval.metrics import Passage

if TYPE_CHECKING:
    from assistant.service import Assistant

RETRIEVAL_COLUMNS = ["hit@1", "hit@3", "hit@5", "hit@10", "recall@5", "mrr", "hit@5000chars", "latency_p50_ms"]
ANSWER_COLUMNS = [
    "evidence_any", "evidence_all", "quote_recall", "false_abstention", "abstained", "latency_p50_ms", "latency_p95_ms",
]


def retrieval_report(assistant: Assistant, qa: Path, *, k: int = 10) -> dict[str, Any]:
    """hit@k, quote recall, MRR and latency of ``assistant.search`` on the gold questions of ``qa``."""
    questions = load_questions(qa)
    assistant.warm_up()

    def search(question: str) -> list[Passage]:
        return [Passage(r.chunk.source, r.chunk.text) for r in assistant.search(question, k=k)]

    return runner.evaluate_retrieval(questions, search)


def answers_report(assistant: Assistant, qa: Path) -> dict[str, Any]:
    """Gold evidence among the citations of ``assistant.ask``, abstentions, latency."""
    questions = load_questions(qa)
    assistant.warm_up()

    def ask(question: str) -> runner.AnswerOutcome:
        answer = assistant.ask(question)
        cited = [Passage(c.chunk.source, c.text) for c in answer.citations]
        return runner.AnswerOutcome(answer.abstained, cited, answer.status, answer.answer)

    return runner.evaluate_answers(questions, ask)


def objectives_report(assistant: Assistant, gold: Path) -> dict[str, Any]:
    """Recall/precision of the objective records (and their indicators and targets) against ``gold``."""
    from eval import objectives as scoring

    records = [r.model_dump(mode="json") for r in assistant.objectives(include_previous=True)]
    texts = {d.meta.source: assistant.document(d.meta.doc_id).text for d in assistant.documents()}
    return scoring.score(scoring.load_gold(gold), records, texts)


def alignment_report(assistant: Assistant, gold: Path) -> dict[str, Any]:
    """Precision/recall of the links between objectives of different plans."""
    from eval import alignment as scoring

    def side(o: Any) -> dict[str, Any]:
        return {"source": o.source, "area": o.area, "label": o.label}

    links = [{"from": side(link.source), "to": side(link.target)} for link in assistant.align_objectives()]
    return scoring.score(links, gold)
