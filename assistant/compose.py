"""Composition of extractive answers: candidate sentences, selection by question shape, citations, status.

A lead sentence, then the evidence; each quoted sentence is followed by its
``[n]`` marker and each citation covers the sentence's paragraph (bounded)
in the canonical text. The status follows from the evidence: the question's
specific terms must be in the cited text, and a quantity question needs a
number in a sentence about the asked item (:mod:`assistant.quantities`).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from assistant.analysis import tokenize
from assistant.answer_record import Answer, Status
from assistant.citations import Citation, Span
from assistant.equivalents import with_equivalents
from assistant.evidence import (
    SLIDES,
    Specific,
    clean_text,
    describes_access,
    group_labels,
    has_data_number,
    in_contents,
    is_quotable,
    missing_share,
    missing_terms,
    names_person,
    names_someone,
    rare_terms,
    reports_outcome,
    statement_spans,
    states_deadline,
    states_frequency,
    states_holder,
    term_labels,
)
from assistant.quantities import (
    asked_figure,
    counts_item,
    figure_factor,
    figure_lead,
    figure_subject,
    lacks_figure,
    number_tied,
)
from assistant.question import QuestionShape
from ingest.units import BULLET

if TYPE_CHECKING:
    from assistant.retrieval import SearchResult
    from ingest.schemas import Chunk

ABSTAIN_MESSAGE = (
    "Non ho trovato la risposta nei documenti indicizzati. "
    "Prova a riformulare la domanda o a indicare il piano (ambito e periodo)."
)


@dataclass(frozen=True)
class AnswerConfig:
    passages: int = 8
    max_sentences: int = 8
    max_citations: int = 5
    rank_decay: float = 0.4
    """How much a passage's rank discounts its sentences (1 / (1 + decay * rank))."""
    min_coverage: float = 0.2
    """Share of the question's distinctive weight the evidence must cover (IDF-weighted terms)."""
    context_sentences: int = 1
    """Sentences of context always cited around the chosen ones (a fact often ends in the next sentence)."""
    fact_sentences: int = 3
    list_items: int = 6
    fact_chars: int = 600
    list_chars: int = 1400
    cite_chars: int = 2400
    """A citation spans the chosen sentences widened with context to about this many characters (one
    chunk at most); the API gives the quoted sentences inside it and the viewer marks them. With 1000,
    lists and tables that follow their lead sentence were cut off: gold evidence cited 0.90 / 0.87 on
    qa_dev / qa_extra, all gold evidence 0.60 / 0.45; with 2400, 0.93 / 0.94 and 0.69 / 0.59
    (1400, 1800, 2000 and 3200 measured too; every width up to the passage gains)."""
    plan_sentences: int = 3
    """Sentences per plan in a multi-plan answer."""
    min_plan_share: float = 0.3
    """Share of the question's term weight a plan's best sentences must cover to count as evidence."""
    max_rare_missing: float = 0.5
    """Partial when the cited text lacks this share of the question's rare-term weight."""
    heading_weight: float = 0.5
    """Weight of a question term found in the passage's heading path rather than in the sentence."""
    min_number_share: float = 0.25
    """A quantity's sentence must carry this share of the question's term weight."""
    part_coverage: float = 0.5
    """Share of a question part's term weight the quoted sentences must hold (else its best sentence is added)."""
    see_also: bool = True
    """Cite the other best passages (one sentence each) after the answer."""
    phrase_bonus: float = 0.3
    """Bonus for a sentence holding the question's adjacent terms together ("responsabile dell'Ufficio")."""
    subject_bonus: float = 0.15
    """Bonus for a sentence that opens with a question term (it is about the asked item, not in passing)."""
    table_penalty: float = 0.8
    """Factor for a table row when the question asks who or how (prose explains better)."""
    verb_weight: float = 0.2
    """Factor for the weight of the question's verb forms when choosing sentences. Chosen on qa_dev and
    qa_extra (1.0, 0.5, 0.2: all gold evidence 0.688 -> 0.713 -> 0.725 on qa_dev, 0.606 -> 0.620 -> 0.620
    on qa_extra); on the ten held-out sets all gold evidence +3 questions, `partial` +2."""
    detail_floor: float = 0.1
    """A sentence giving a detail asked by name in its own form (a deadline) is quoted when its score
    reaches this share of the best sentence's."""


@dataclass
class Candidate:
    result: SearchResult
    span: Span
    text: str
    tokens: set[str]
    hit: set[str]
    score: float

    @property
    def chunk(self) -> Chunk:
        return self.result.chunk


def candidates(
    results: Sequence[SearchResult], terms: dict[str, float], shape: QuestionShape, config: AnswerConfig
) -> list[Candidate]:
    """Quotable sentences of the passages that share terms with the question, best first, no repeats.

    ``terms`` are in question order: a sentence that holds the question's adjacent terms
    together, or opens with one of them, ranks above one that mentions them in passing.
    """
    # the question's verbs say how it asks ("a chi mi *rivolgo*"); its nouns say about what
    terms = {t: w * config.verb_weight if t in shape.verbs else w for t, w in terms.items()}
    total = sum(terms.values()) or 1.0
    pairs = term_pairs(list(terms), terms)
    out: list[Candidate] = []
    seen: set[str] = set()
    for rank, r in enumerate(results):
        prior = 1.0 / (1.0 + config.rank_decay * rank)
        # the heading path is context: a sentence under "Servizi per la domiciliarità" is about domiciliarità
        heading = set(tokenize(r.chunk.section)) & terms.keys() if r.chunk.section else set()
        for span in statement_spans(r.chunk.text, slides=r.chunk.kind == SLIDES):
            raw = r.chunk.text[span.start : span.end]
            if not is_quotable(raw) or in_contents(r.chunk.text, span):
                continue
            text = clean_text(raw)
            key = text.lower()
            if key in seen:
                continue
            tokens = set(tokenize(text))
            own = tokens & terms.keys()
            if not own and not heading:
                continue
            seen.add(key)
            hit = own | heading
            score = (sum(terms[t] for t in own) + config.heading_weight * sum(terms[t] for t in heading - own)) / total * prior
            score *= figure_factor(text, tokens, shape)
            if "\t" in raw and shape.kind in ("who", "procedure"):
                score *= config.table_penalty
            if shape.kind in ("who", "procedure", "when") and (pairs or own):
                seq = tokenize(text)
                if pairs:
                    score *= 1.0 + config.phrase_bonus * phrase_share(seq, pairs)
                if own and any(t in own for t in seq[:3]):
                    score *= 1.0 + config.subject_bonus
            out.append(Candidate(r, span, text, tokens, hit, score))
    out.sort(key=lambda c: -c.score)
    return out


def term_pairs(sequence: Sequence[str], terms: dict[str, float]) -> list[tuple[str, str]]:
    """Consecutive content terms of the question ("responsabile", "ufficio")."""
    seq = [t for t in sequence if t in terms]
    return [(a, b) for a, b in zip(seq, seq[1:], strict=False) if a != b]


def phrase_share(sequence: Sequence[str], pairs: Sequence[tuple[str, str]], window: int = 2) -> float:
    """Share of the question's term pairs found close together (within ``window`` terms) in ``sequence``."""
    if not pairs:
        return 0.0
    where: dict[str, list[int]] = {}
    for i, t in enumerate(sequence):
        where.setdefault(t, []).append(i)
    found = sum(
        1 for a, b in pairs
        if any(abs(i - j) <= window for i in where.get(a, ()) for j in where.get(b, ()))
    )
    return found / len(pairs)


def select(
    ranked: list[Candidate], shape: QuestionShape, terms: dict[str, float], config: AnswerConfig,
    *, limit: int | None = None,
) -> list[Candidate]:
    """The sentences to quote: the best one (a number's sentence for quantities), then new coverage."""
    if not ranked:
        return []
    lead = figure_lead(ranked, shape, terms, config.min_number_share, floor=0.35 * ranked[0].score)
    if lead is not None and lead.score < 0.35 * ranked[0].score:
        lead = None  # too far below the best sentence to open the answer
    first = ranked[0] if lead is None else lead
    first_tied = lead is not None and shape.kind == "quantity"
    counted = first_tied and bool(shape.item) and counts_item(first.text, shape.item)
    is_list = shape.is_list
    limit = limit or (config.list_items if is_list else config.fact_sentences)
    budget = config.list_chars if is_list else config.fact_chars
    chosen = [first]
    covered = set(first.hit)
    used = len(first.text)
    passages = {first.chunk.chunk_id}
    introduces = first.text.rstrip().endswith(":")
    if introduces:  # the answer is the list the lead introduces
        limit, budget = max(limit, config.list_items + 1), max(budget, config.list_chars)
    if shape.kind == "procedure" or introduces:
        # how something works is told by the sentences that follow its lead, terms or not;
        # a sentence ending in a colon says nothing until the items it introduces
        for c in continuation(first, config, limit=config.list_items if introduces else 3):
            if len(chosen) >= limit or used + min(len(c.text), 320) > budget:
                break
            chosen.append(c)
            covered |= c.hit
            used += min(len(c.text), 320)
    for c in _part_leads(ranked, shape, terms, covered, config) + _detail_leads(ranked, shape, terms, chosen, config):
        if any(c.chunk.chunk_id == o.chunk.chunk_id and c.span == o.span for o in chosen):
            continue
        if c.chunk.chunk_id not in passages and len(passages) >= config.max_citations:
            continue
        chosen.append(c)
        covered |= c.hit
        used += min(len(c.text), 320)
        passages.add(c.chunk.chunk_id)
    for c in ranked:
        if len(chosen) >= limit:
            break
        if c is first or any(c.chunk.chunk_id == o.chunk.chunk_id and c.span == o.span for o in chosen):
            continue
        if c.chunk.chunk_id not in passages and len(passages) >= config.max_citations:
            continue
        if first_tied and not (number_tied(c, shape, terms, config.min_number_share) if counted else has_data_number(c.text)):
            continue  # a quantity found: further sentences only with figures (of the counted item)
        gain = c.hit - covered
        if is_list:
            if c.score < 0.4 * first.score:
                continue
        elif not gain or c.score < 0.5 * first.score:
            continue
        if used + min(len(c.text), 320) > budget:
            continue
        chosen.append(c)
        covered |= c.hit
        used += min(len(c.text), 320)
        passages.add(c.chunk.chunk_id)
    return chosen


DETAIL_FORMS: dict[str, Callable[[str], bool]] = {
    "scadenza": states_deadline, "scadenze": states_deadline, "frequenza": states_frequency,
}
"""Details a sentence can give without naming them: a deadline ("entro primo anno") is a *scadenza*,
"1 incontro al mese" a *frequenza*."""


def _detail_leads(
    ranked: list[Candidate], shape: QuestionShape, terms: dict[str, float], chosen: list[Candidate],
    config: AnswerConfig, *, most: int = 3,
) -> list[Candidate]:
    """For each detail asked by name that has a form of its own (:data:`DETAIL_FORMS`) and that no
    chosen sentence gives, the best sentences giving it ("con che scadenze?" -> "...: entro primo anno")."""
    out: list[Candidate] = []
    floor = config.detail_floor * ranked[0].score
    for detail in shape.details:
        if detail not in DETAIL_FORMS or any(gives_detail(c, detail, shape, terms) for c in chosen + out):
            continue
        out += [c for c in ranked if c.score >= floor and gives_detail(c, detail, shape, terms)][:most]
    return out


def gives_detail(c: Candidate, detail: str, shape: QuestionShape, terms: Collection[str]) -> bool:
    """``c`` gives a detail asked by name in its own form (:data:`DETAIL_FORMS`), about what the
    question asks: it holds a word of the question that is neither a verb nor the detail itself
    (how often the Comitato meets is not how often the Ufficio di Piano meets)."""
    form = DETAIL_FORMS.get(detail)
    if form is None or not form(c.text):
        return False
    subject = set(terms) - shape.verbs - set(tokenize(detail))
    return not subject or bool(c.hit & subject)


def _part_leads(
    ranked: list[Candidate], shape: QuestionShape, terms: dict[str, float], covered: set[str], config: AnswerConfig
) -> list[Candidate]:
    """For each part of a several-part question the lead leaves uncovered, its best sentence.

    A part is covered when the chosen sentences hold ``part_coverage`` of its term weight; its
    best sentence holds the most of that weight (then ranks best) and must reach the same share.
    """
    out: list[Candidate] = []
    for part in shape.parts:
        weights = {t: terms[t] for t in part if t in terms}
        total = sum(weights.values())
        if not total or sum(w for t, w in weights.items() if t in covered) / total >= config.part_coverage:
            continue
        share = {id(c): sum(weights.get(t, 0.0) for t in c.hit) / total for c in ranked}
        best = max(ranked, key=lambda c: (share[id(c)], c.score))
        if share[id(best)] >= config.part_coverage and best not in out:
            out.append(best)
            covered = covered | best.hit
    return out


def continuation(first: Candidate, config: AnswerConfig, limit: int = 3) -> list[Candidate]:
    """The quotable sentences right after ``first`` in its paragraph (no blank line between).

    A sentence ending in a colon continues across blank lines through the list it introduces
    (items opening with a bullet or a number, or following an item that ends in ";").
    """
    text = first.chunk.text
    out: list[Candidate] = []
    end = first.span.end
    introduces = first.text.rstrip().endswith(":")
    for span in statement_spans(text, slides=first.chunk.kind == SLIDES):
        if span.start < end:
            continue
        if len(out) >= limit:
            break
        raw = text[span.start : span.end]
        if "\n\n" in text[end : span.start]:
            item = bool(BULLET.match(raw)) or bool(out and out[-1].text.rstrip().endswith(";"))
            if not (introduces and (item or not out)):
                break
        if not is_quotable(raw):
            break
        clean = clean_text(raw)
        tokens = set(tokenize(clean))
        out.append(Candidate(first.result, span, clean, tokens, tokens & first.hit, 0.0))
        end = span.end
    return out


def fill_missing(chosen: list[Candidate], ranked: list[Candidate], missing: list[Specific], extra: int = 2) -> list[Candidate]:
    """Add the best sentence holding each missing specific term (at most ``extra``)."""
    out = list(chosen)
    for spec in missing:
        if len(out) >= len(chosen) + extra:
            break
        best = next((c for c in ranked if c not in out and spec.tokens <= c.tokens), None)
        if best is not None:
            out.append(best)
    return out


# -- citations -------------------------------------------------------------------
def cite(groups: list[list[Candidate]], config: AnswerConfig) -> tuple[list[Citation], dict[int, int]]:
    """One citation per passage (numbered in order), spanning the chosen sentences' paragraph.

    Returns the citations and, for each chosen candidate (by ``id``), its citation number.
    """
    citations: list[Citation] = []
    number: dict[int, int] = {}
    by_passage: dict[str, list[Candidate]] = {}
    order: list[str] = []
    for group in groups:
        for c in group:
            if c.chunk.chunk_id not in by_passage:
                order.append(c.chunk.chunk_id)
            by_passage.setdefault(c.chunk.chunk_id, []).append(c)
    for n, cid in enumerate(order, 1):
        members = by_passage[cid]
        chunk = members[0].chunk
        spans = sorted((m.span for m in members), key=lambda s: s.start)
        start, end = _paragraph(chunk.text, spans, config, slides=chunk.kind == SLIDES)
        citations.append(
            Citation(n=n, chunk=chunk, start=chunk.char_start + start, end=chunk.char_start + end,
                     score=members[0].result.score, sentences=spans)
        )
        for m in members:
            number[id(m)] = n
    return citations, number


def _paragraph(text: str, spans: list[Span], config: AnswerConfig, *, slides: bool = False) -> tuple[int, int]:
    """The cited span: the chosen sentences widened, sentence by sentence, to about ``cite_chars``.

    Context on both sides lets the reader check the quote without opening the document.
    """
    start, end = spans[0].start, spans[-1].end
    all_spans = statement_spans(text, slides=slides) or spans
    first = next((i for i, sp in enumerate(all_spans) if sp.end > start), 0)
    last = max((i for i, sp in enumerate(all_spans) if sp.start < end), default=len(all_spans) - 1)
    # the sentences right around the quoted ones, however long the span already is
    first, last = max(first - config.context_sentences, 0), min(last + config.context_sentences, len(all_spans) - 1)
    a, b = min(all_spans[first].start, start), max(all_spans[last].end, end)
    while b - a < config.cite_chars and (first > 0 or last < len(all_spans) - 1):
        if last < len(all_spans) - 1:
            last += 1
            b = max(b, all_spans[last].end)
        if first > 0 and b - a < config.cite_chars:
            first -= 1
            a = min(a, all_spans[first].start)
    return a, b


def quote(text: str, limit: int = 320) -> str:
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > 0 else limit].rstrip(",;:") + " …"


# -- single-plan answers -----------------------------------------------------------
@dataclass
class Grounding:
    status: Status
    missing: list[Specific] = field(default_factory=list)
    number_missing: bool = False
    unmatched: list[str] = field(default_factory=list)
    """For a quantity without its number: the question's words the best number sentence lacks."""
    phrases: list[str] = field(default_factory=list)
    """The missing terms as the question says them ("voucher per le dimissioni protette")."""
    entity_missing: bool = False
    """A "who" question whose quoted sentences name no one the question does not already name (in the
    asked role, when the question names one)."""
    name_missing: bool = False
    """The question asks for a name and no quoted sentence gives a person's name."""
    outcome_missing: bool = False
    """The question asks how something went and no quoted sentence reports a result."""
    access_missing: bool = False
    """The question asks how one gets a service and no quoted sentence says how."""


def ground(
    question: str,
    chosen: list[Candidate], specific: list[Specific], terms: dict[str, float], shape: QuestionShape,
    cited_text: str, config: AnswerConfig, labels: dict[str, str], *, terms_checked: bool = True,
) -> Grounding:
    """answered / partial from what the cited text holds.

    Partial when a name, acronym, quoted title or number of the question is
    not in the cited text, when most of its rare-term weight is missing, or
    when a quantity question gets no number tied to the asked item. Without
    ``terms_checked`` only what the question's shape asks for is checked (a
    figure, someone named, a name, a result, a detail asked by name).
    """
    given = details_given(chosen, shape, terms)
    missing = [m for m in missing_terms(specific, cited_text) if not m.tokens <= given] if terms_checked else []
    missing += details_missing(chosen, shape, terms)
    found = with_equivalents(tokenize(cited_text))
    unknown = shape.unknown | given  # a detail given in its own form is not a missing word
    rare = rare_terms(question, terms, unknown)
    rare_missing = [Specific(labels.get(t, t), frozenset({t}), w) for t, w in rare.items() if t not in found]
    share = missing_share(terms, cited_text, question, unknown)
    if terms_checked and share >= config.max_rare_missing and rare_missing:
        missing += [r for r in rare_missing if r.tokens not in {m.tokens for m in missing}]
    number_missing = lacks_figure(chosen, shape, terms, config.min_number_share)
    absent = {t for m in missing for t in m.tokens}
    unmatched = figure_subject(question, chosen[0], absent, terms, shape.item) if number_missing and chosen else []
    phrases = group_labels(question, absent) if missing else []
    known = set(tokenize(question))
    role = set(shape.role)
    entity_missing = shape.entity and not any(
        names_someone(c.text, known) and role <= set(tokenize(c.text))
        and (not shape.asks_holder or names_person(c.text, known) or states_holder(c.text, role))
        for c in chosen
    )
    name_missing = shape.asks_name and not any(names_person(c.text, known) for c in chosen)
    outcome_missing = shape.asks_outcome and not any(reports_outcome(c.text) for c in chosen)
    access_missing = shape.asks_access and not any(describes_access(c.text) for c in chosen)
    lacking = missing or number_missing or entity_missing or name_missing or outcome_missing or access_missing
    status: Status = "partial" if lacking else "answered"
    return Grounding(
        status, missing, number_missing, unmatched, phrases, entity_missing, name_missing, outcome_missing, access_missing
    )


def with_details(terms: dict[str, float], shape: QuestionShape, idf: dict[str, float]) -> dict[str, float]:
    """``terms`` with the details the question asks for by name ("quali *documenti*"), even when
    their word is a frame word elsewhere ("documento" of a plan): the sentence that names them is
    the one to quote."""
    out = dict(terms)
    mean = sum(terms.values()) / len(terms) if terms else 1.0
    for detail in shape.details:
        for t in tokenize(detail):
            out.setdefault(t, max(idf.get(t, mean), mean))
    return out


def details_given(chosen: list[Candidate], shape: QuestionShape, terms: Collection[str]) -> frozenset[str]:
    """Index terms of the details asked by name that a chosen sentence gives in their own form."""
    return frozenset(
        t for d in shape.details if any(gives_detail(c, d, shape, terms) for c in chosen) for t in tokenize(d)
    )


def details_missing(chosen: list[Candidate], shape: QuestionShape, terms: Collection[str]) -> list[Specific]:
    """The details the question asks for by name ("quali requisiti") that no quoted sentence (nor its
    heading) speaks of: the documents say something about the topic, not what was asked."""
    said: set[str] = set()
    for c in chosen:
        said |= c.tokens | set(tokenize(c.chunk.section))
    out = []
    said |= details_given(chosen, shape, terms)
    for detail in shape.details:
        tokens = frozenset(tokenize(detail))
        if tokens and not tokens <= said:
            out.append(Specific(detail, tokens, 1.0))
    return out


def lacking_clause(g: Grounding, shape: QuestionShape, *, plural: bool = True) -> str:
    """What the documents (``plural``) or one plan's documents do not contain, as an Italian predicate."""
    riporta, nomina, contiene = ("riportano", "nominano", "contengono") if plural else ("riporta", "nomina", "contiene")
    labels = ", ".join(f"«{p}»" for p in g.phrases or [s.label for s in g.missing])
    if g.number_missing:
        tail = f" (né riferimenti a {labels})" if labels else ""
        return f"non {riporta} {asked_figure(shape, g.unmatched)}{tail}"
    if g.name_missing and not g.missing:
        return f"non {riporta} il nome richiesto"
    if g.outcome_missing and not g.missing:
        return f"non {riporta} i risultati richiesti"
    if g.access_missing and not g.missing:
        return f"non {'descrivono' if plural else 'descrive'} come si accede al servizio"
    if g.entity_missing and not g.missing:
        return f"non {nomina} il soggetto richiesto"
    return f"non {contiene} indicazioni su {labels}"


def lacking_sentence(g: Grounding, shape: QuestionShape, scope: str | None = None) -> str:
    """Italian sentence saying what the documents (of ``scope``, e.g. "dell'ambito di Crema") do not contain."""
    where = f"I documenti {scope}" if scope else "I documenti indicizzati"
    return f"{where} {lacking_clause(g, shape)}."


def compose_single(
    question: str, ranked: list[Candidate], specific: list[Specific], terms: dict[str, float],
    shape: QuestionShape, config: AnswerConfig, *, scope: str | None = None,
    elsewhere: Callable[[list[str]], str | None] | None = None,
) -> Answer:
    """Answer from the best sentences of one plan (or of the index when no plan is named).

    ``elsewhere`` (given the index terms the plan lacks) may name other documents that hold
    them: said after what the plan's documents lack, never cited.
    """
    chosen = select(ranked, shape, terms, config)
    if not chosen:
        return Answer(question, ABSTAIN_MESSAGE, True)
    missing = missing_terms(specific, " ".join(c.text for c in chosen))
    if missing:
        chosen = fill_missing(chosen, ranked, missing)
    extra = _see_also(chosen, ranked, config) if config.see_also else []
    citations, number = cite([chosen, extra], config)
    cited_text = " ".join(f"{c.chunk.section} {c.text}" for c in citations)
    g = ground(question, chosen, specific, terms, shape, cited_text, config, term_labels(question))
    titles = list(dict.fromkeys(c.chunk.title for c in chosen))
    source = " e ".join(f"«{t}»" for t in titles)
    lines: list[str] = []
    if g.status == "partial":
        lines.append(lacking_sentence(g, shape, scope))
        # a detail asked by name ("quali documenti") alone does not say which other plan has the answer
        asked = {t for d in shape.details for t in tokenize(d)}
        absent = [t for m in g.missing for t in m.tokens if t not in asked]
        other = elsewhere(absent) if elsewhere and absent else None
        if other:
            lines.append(other)
        lines.append(f"Le informazioni più vicine, da {source}:")
        lines += [f"- {quote(c.text)} [{number[id(c)]}]" for c in chosen]
    elif shape.kind == "procedure" and len({c.chunk.chunk_id for c in chosen}) == 1:
        # one passage read in order: a paragraph, one marker
        text = " ".join(quote(c.text) for c in chosen)
        lines.append(f"Secondo {source}: {text} [{number[id(chosen[0])]}]")
    elif shape.is_list or len(chosen) > 2:
        lines.append(f"Secondo {source}:")
        lines += [f"- {quote(c.text)} [{number[id(c)]}]" for c in chosen]
    else:
        first, rest = chosen[0], chosen[1:]
        lines.append(f"Secondo {source}: {quote(first.text)} [{number[id(first)]}]")
        lines += [f"{quote(c.text)} [{number[id(c)]}]" for c in rest]
    if extra:
        lines.append("Altri passaggi pertinenti: " + " ".join(f"[{number[id(c)]}]" for c in extra))
    return Answer(question, "\n".join(lines), False, citations, status=g.status)


def _see_also(chosen: list[Candidate], ranked: list[Candidate], config: AnswerConfig) -> list[Candidate]:
    """The best sentence of each further well-ranked passage, up to ``max_citations`` passages in all."""
    passages = {c.chunk.chunk_id for c in chosen}
    out: list[Candidate] = []
    floor = 0.3 * ranked[0].score if ranked else 0.0
    for c in ranked:
        if len(passages) >= config.max_citations:
            break
        if c.chunk.chunk_id in passages or c.score < floor:
            continue
        out.append(c)
        passages.add(c.chunk.chunk_id)
    return out


# -- multi-plan answers ----------------------------------------------------------------
@dataclass
class PlanGroup:
    label: str
    doc_ids: list[str]
    chosen: list[Candidate] = field(default_factory=list)
    grounding: Grounding | None = None
    """What this plan's chosen sentences hold of what the question asks (None without sentences)."""


def compose_plans(
    question: str,
    groups: list[PlanGroup],
    ranked_for: Callable[[PlanGroup], list[Candidate]],
    terms: dict[str, float],
    shape: QuestionShape,
    config: AnswerConfig,
) -> Answer:
    """One section per plan, each with its own evidence; a plan without evidence is said to have none.

    Each plan's sentences are grounded on their own (:func:`ground`): a plan whose sentences lack what
    the question asks for (a figure, a name, a result, a detail asked by name) is said to lack it.
    The question's words are not checked per plan: its parts often name what only one plan holds
    (checking them made 5-8% more answerable questions partial on five sets, no unanswerable gained)."""
    # a plan is relevant when it speaks of what the question is about; the details it asks for by
    # name ("frequenza", "scadenze") are checked per plan by grounding
    asked = {t for d in shape.details for t in tokenize(d)}
    subject = {t: w for t, w in terms.items() if t not in asked} or terms
    total = sum(subject.values()) or 1.0
    limit = config.list_items // 2 if shape.is_list else config.plan_sentences
    labels = term_labels(question)
    for g in groups:
        ranked = ranked_for(g)
        covered: set[str] = set()
        for c in ranked[:6]:
            covered |= c.hit
        relevant = bool(ranked) and sum(subject.get(t, 0.0) for t in covered) / total >= config.min_plan_share
        g.chosen = select(ranked, shape, terms, config, limit=limit) if relevant else []
        if g.chosen:
            cited_text = " ".join(f"{c.chunk.section} {c.text}" for c in g.chosen)
            g.grounding = ground(question, g.chosen, [], terms, shape, cited_text, config, labels, terms_checked=False)
    with_evidence = [g for g in groups if g.chosen]
    if not with_evidence:
        return Answer(question, ABSTAIN_MESSAGE, True)
    citations, number = cite([g.chosen for g in with_evidence], config)
    lines = ["Risposta per ciascun piano:"]
    for g in groups:
        if not g.chosen:
            lines.append(f"{g.label}: nessuna evidenza pertinente nei documenti indicizzati.")
            continue
        if g.grounding and g.grounding.status == "partial":
            lines.append(f"{g.label}: {lacking_clause(g.grounding, shape, plural=False)}; le informazioni più vicine:")
        else:
            lines.append(f"{g.label}:")
        lines += [f"- {quote(c.text)} [{number[id(c)]}]" for c in g.chosen]
    grounded = [g for g in with_evidence if g.grounding and g.grounding.status == "answered"]
    status: Status = "answered" if len(grounded) == len(groups) else "partial"
    return Answer(question, "\n".join(lines), False, citations, status=status)
