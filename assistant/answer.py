"""Extractive, deterministic Italian answers with verifiable citations and a grounded status.

One request takes one registry snapshot. The question's shape (quantity,
body, procedure, list, objectives, fact) and the plans it names decide the
composition (:mod:`assistant.compose`); the evidence decides the status:
``answered``, ``partial`` (what the documents lack, then the closest
evidence) or ``not_found``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from assistant.analysis import tokenize
from assistant.answer_record import Answer, Status
from assistant.compose import (
    ABSTAIN_MESSAGE,
    AnswerConfig,
    Candidate,
    PlanGroup,
    candidates,
    compose_plans,
    compose_single,
    with_details,
)
from assistant.evidence import (
    Snapshot,
    content_terms,
    coverage,
    group_labels,
    idf_table,
    missing_terms,
    question_terms,
    rare_terms,
    specific_terms,
    term_labels,
)
from assistant.objective_answer import objective_answer
from assistant.passages import merge
from assistant.quantities import with_counted_item
from assistant.question import QuestionShape, shape

if TYPE_CHECKING:
    from assistant.extraction.schema import Objective
    from assistant.passages import PassageConfig
    from assistant.retrieval import HybridRetriever, SearchFilters, SearchResult
    from ingest.schemas import Chunk, DocumentMeta

__all__ = [
    "ABSTAIN_MESSAGE", "EMPTY_INDEX_MESSAGE", "Answer", "AnswerConfig", "Status", "answer_question",
    "coverage", "idf_table", "is_comparative", "question_terms", "with_history",
]

EMPTY_INDEX_MESSAGE = "L'indice è vuoto: nessun documento è stato ancora indicizzato."
ObjectiveSource = Callable[[str], Sequence["Objective"]]
"""doc_id -> the objective records of that document."""


def is_comparative(question: str, retriever: HybridRetriever) -> bool:
    """The question names several plans (ambiti or periods), or asks across plans."""
    return Snapshot.take(retriever).plans.is_comparison(question)


def with_history(question: str, history: list[str]) -> str:
    """A follow-up question with too little content of its own inherits the previous question's."""
    from assistant.plans import FRAME_WORDS

    own = [t for t in tokenize(question) if t not in FRAME_WORDS]
    if not history or len(own) >= 3:
        return question
    return f"{history[-1].strip()} {question.strip()}"


QUOTING_BUDGET = 3600
"""Most characters of a passage an extractive answer quotes from. Search passages may be longer
(:class:`assistant.passages.PassageConfig`): quoting from 4,800-character passages lowered gold
evidence cited on five of ten question sets (qa_dev 0.925 -> 0.912, qa_holdout4 0.80 -> 0.70)."""


def quoting(retriever: HybridRetriever) -> PassageConfig:
    """Passages an extractive answer quotes from: grown within their own section only, and at most
    :data:`QUOTING_BUDGET` characters.

    Sentences compete across passages by rank; a passage grown into sibling sections brings
    sentences of neighbouring objectives that outrank the answer's (on qa_dev and qa_extra,
    gold evidence cited fell from 0.86 to 0.83 and from 0.82 to 0.79 with them).
    """
    return replace(retriever.passages, siblings=False, budget=min(retriever.passages.budget, QUOTING_BUDGET))


def answer_question(
    question: str,
    retriever: HybridRetriever,
    *,
    filters: SearchFilters | None = None,
    config: AnswerConfig | None = None,
    objectives: ObjectiveSource | None = None,
) -> Answer:
    """Extractive answer to ``question`` with its status (``not_found`` when the evidence is weak)."""
    config = config or AnswerConfig()
    question = question.strip()
    snap = Snapshot.take(retriever)
    if not snap.docs:
        return Answer(question, EMPTY_INDEX_MESSAGE, True)
    answer = _answer_from(question, retriever, snap, filters, config, objectives)
    return with_missing_plans(answer, snap.plans.missing_plans(question), sorted(snap.plans.mentions(question).ambiti))


def missing_plans_line(periods: Sequence[str], ambiti: Sequence[str]) -> str | None:
    """Italian line naming the plans the question names that are not indexed (None when none)."""
    if not periods:
        return None
    where = f" dell'ambito di {', '.join(a.title() for a in ambiti)}" if ambiti else ""
    if len(periods) == 1:
        return f"Il piano {periods[0]}{where} non è tra i documenti indicizzati."
    return f"I piani {', '.join(periods)}{where} non sono tra i documenti indicizzati."


def missing_plans_of(question: str, retriever: HybridRetriever) -> tuple[list[str], list[str]]:
    """The later plans ``question`` names that no indexed document covers, and the ambiti it names."""
    plans = Snapshot.take(retriever).plans
    return plans.missing_plans(question), sorted(plans.mentions(question).ambiti)


def with_missing_plans(answer: Answer, periods: Sequence[str], ambiti: Sequence[str]) -> Answer:
    """The answer prefixed by the plans the question names that are not indexed ("il Piano di Zona
    2018-2020"): what follows comes from other documents, so the answer is at most ``partial``."""
    line = missing_plans_line(periods, ambiti)
    if line is None:
        return answer
    if answer.status == "not_found":
        return replace(answer, answer=f"{line}\n{answer.answer}")
    return replace(answer, answer=f"{line} Le informazioni più vicine, da altri documenti:\n{answer.answer}", status="partial")


def _answer_from(
    question: str, retriever: HybridRetriever, snap: Snapshot, filters: SearchFilters | None,
    config: AnswerConfig, objectives: ObjectiveSource | None,
) -> Answer:
    results = retriever.search(question, k=config.passages, filters=filters, state=snap.state, passages=quoting(retriever))
    terms = question_terms(question, snap.idf, snap.plans)
    named = snap.plans.named_plans(question)
    unfiltered = filters is None or filters.empty
    if filters is None or filters.empty:
        allowed = {d.meta.doc_id for d in snap.docs}
    else:
        allowed = {d.meta.doc_id for d in snap.docs if filters.accepts(d.meta)}
    ambiti = sorted({d.ambito for d in named if d.ambito})
    scope = f"dell'ambito di {ambiti[0]}" if len(ambiti) == 1 else None
    named_ids = {d.doc_id for d in named} & allowed
    elsewhere = _elsewhere(question, retriever, snap, named_ids) if scope and unfiltered else None
    covered = coverage(results, terms) if results else 0.0
    # too little of the question in the passages: nothing to quote. Otherwise the evidence decides
    # (specific terms, figures); a dense similarity threshold is not evidence (it declined answerable
    # questions whose words the passages paraphrase)
    if covered < config.min_coverage:
        return _not_found(question, results, terms, scope, named_ids, elsewhere)
    q_shape = shape(question)
    specific = specific_terms(question, terms, snap.plans)
    terms = with_details(with_counted_item(terms, q_shape), q_shape, snap.idf)
    q_shape = replace(
        q_shape,
        names=tuple(s.tokens for s in specific if not s.label[:1].isdigit()),
        titles=tuple(s.tokens for s in specific if s.quoted),
        unknown=frozenset(t for t in terms if t not in snap.idf),
    )

    if snap.plans.is_comparison(question):
        groups = _plan_groups(question, snap, named, results, allowed)
        if len(groups) >= 2:
            return _multi_plan(question, retriever, snap, groups, results, terms, q_shape, config)

    # one plan (or none named): only the named plan's documents are quoted
    if named:
        in_scope = [r for r in results if r.chunk.doc_id in named_ids]
        results = in_scope or results
    if q_shape.kind == "objectives" and objectives is not None:
        docs = [d.doc_id for d in named if d.doc_id in allowed] or [results[0].chunk.doc_id]
        records = [o for doc_id in docs[:2] for o in objectives(doc_id)]
        answer = objective_answer(question, records, results, _objective_terms(terms), _span_finder(snap, retriever), config)
        # records whose fields (what the answer shows) lack a name or acronym of the question answer
        # another question; a name in a record's resources column does not make it about that name
        if answer is not None and not missing_terms(specific, " ".join([answer.answer, *(c.chunk.section for c in answer.citations)])):
            return answer
    ranked = candidates(results, terms, q_shape, config)
    if not ranked:
        return _not_found(question, results, terms, scope, named_ids, elsewhere)
    return compose_single(question, ranked, specific, terms, q_shape, config, scope=scope, elsewhere=elsewhere)


def _not_found(
    question: str, results: Sequence[SearchResult], terms: dict[str, float], scope: str | None,
    named_ids: set[str], elsewhere: Callable[[list[str]], str | None] | None,
) -> Answer:
    """``not_found``; for a question about one ambito, say which of its words that ambito's documents lack."""
    if scope is None:
        return Answer(question, ABSTAIN_MESSAGE, True)
    found: set[str] = set()
    for r in results:
        if r.chunk.doc_id in named_ids:
            found |= set(tokenize(r.chunk.text))
    absent = [t for t in rare_terms(question, terms) if t not in found] or [
        t for t in content_terms(question, terms) if t not in found
    ]
    if not absent:
        return Answer(question, ABSTAIN_MESSAGE, True)
    words = ", ".join(f"«{w}»" for w in group_labels(question, set(absent)))
    lines = [f"Nei documenti {scope} non ho trovato indicazioni su {words}."]
    other = elsewhere(absent) if elsewhere else None
    if other:
        lines.append(other)
    return Answer(question, "\n".join(lines), True)


def _elsewhere(
    question: str, retriever: HybridRetriever, snap: Snapshot, named_ids: set[str]
) -> Callable[[list[str]], str | None]:
    """A function naming the documents of other ambiti whose passages hold all the given terms."""

    def other_documents(absent: list[str]) -> str | None:
        if not absent:
            return None
        labels = term_labels(question)
        query = " ".join(dict.fromkeys(labels.get(t, t) for t in question_terms(question, snap.idf, snap.plans)))
        titles: list[str] = []
        for r in retriever.search(query, k=5, state=snap.state):
            if r.chunk.doc_id in named_ids or r.chunk.title in titles:
                continue
            if set(absent) <= set(tokenize(r.chunk.text)):
                titles.append(r.chunk.title)
        if not titles:
            return None
        return "Ne parlano invece, per un altro ambito: " + ", ".join(f"«{t}»" for t in titles[:2]) + "."

    return other_documents


_OBJECTIVE_WORDS = {"obiettiv", "indicator", "azion", "target", "traguard", "priorit", "previst", "risultat"}


def _objective_terms(terms: dict[str, float]) -> dict[str, float]:
    """The question's terms without the words that only ask for objectives."""
    kept = {t: w for t, w in terms.items() if not any(t.startswith(p) for p in _OBJECTIVE_WORDS)}
    return kept or terms


def _span_finder(snap: Snapshot, retriever: HybridRetriever) -> Callable[[str, int, int], Chunk | None]:
    """``find(doc_id, start, end)``: the passage of consecutive live chunks from the one holding
    ``start`` through the one holding ``end`` (a record spread over two chunks is cited whole)."""

    def find(doc_id: str, start: int, end: int) -> Chunk | None:
        chunks = sorted(snap.lexical.document_chunks(doc_id), key=lambda c: c.char_start)
        first = next((i for i, c in enumerate(chunks) if c.char_end > start), None)
        if first is None:
            return None
        span = [chunks[first]]
        for c in chunks[first + 1:]:
            if c.char_start >= end or c.ordinal != span[-1].ordinal + 1 or c.version != span[0].version:
                break
            span.append(c)
        if len(span) == 1:
            return span[0]
        canonical = retriever.canonical_text(doc_id, span[0].version)
        if canonical is None or canonical[span[0].char_start:span[0].char_end] != span[0].text:
            return span[0]
        return merge(span, canonical)

    return find


def _plan_label(docs: Sequence[DocumentMeta]) -> str:
    if len(docs) == 1:
        return f"«{docs[0].title}»"
    ambito = docs[0].ambito or "-"
    return f"Ambito di {ambito} ({len(docs)} documenti)"


def _plan_groups(
    question: str, snap: Snapshot, named: list[DocumentMeta], results: Sequence[SearchResult], allowed: set[str]
) -> list[PlanGroup]:
    """The plans the answer must cover: the named ones, or (across plans) every plan with evidence."""
    m = snap.plans.mentions(question)
    metas = {d.meta.doc_id: d.meta for d in snap.docs if d.meta.doc_id in allowed}
    if named and (len(m.ambiti) >= 2 or len(m.periods) >= 2):
        chosen = [d for d in named if d.doc_id in metas]
        by_period = len(m.ambiti) < 2
    else:  # across plans: the plans (not slide decks) of every ambito, plus any document in the top results
        top = {r.chunk.doc_id for r in results[:5]}
        chosen = [d for d in metas.values() if d.kind == "piano" or d.doc_id in top]
        by_period = False
    groups: dict[str, list[DocumentMeta]] = {}
    for d in chosen:
        key = f"{d.ambito}|{d.period}" if by_period else (d.ambito or d.doc_id)
        groups.setdefault(key, []).append(d)
    return [PlanGroup(_plan_label(docs), [d.doc_id for d in docs]) for docs in groups.values()]


def _multi_plan(
    question: str,
    retriever: HybridRetriever,
    snap: Snapshot,
    groups: list[PlanGroup],
    results: Sequence[SearchResult],
    terms: dict[str, float],
    q_shape: QuestionShape,
    config: AnswerConfig,
) -> Answer:
    from assistant.retrieval import SearchFilters

    def ranked_for(group: PlanGroup) -> list[Candidate]:
        own = [r for r in results if r.chunk.doc_id in group.doc_ids]
        if len(own) < 2:  # too few of this plan's passages among the shared results: search it alone
            for doc_id in group.doc_ids:
                own += retriever.search(
                    question, k=3, filters=SearchFilters(doc_id=doc_id), state=snap.state, passages=quoting(retriever)
                )
        unique = list({r.chunk.chunk_id: r for r in reversed(own)}.values())[::-1]
        return candidates(unique, terms, q_shape, config)

    return compose_plans(question, groups, ranked_for, terms, q_shape, config)
