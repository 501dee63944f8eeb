"""Evidence scoring: the question's terms, what a passage covers, and which sentences can be quoted.

Shared by answers (:mod:`assistant.answer`, :mod:`assistant.compose`) and
comparisons (:mod:`assistant.compare`). Everything works on one registry
snapshot (:class:`Snapshot`) so that a request reads the registry once.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from assistant.analysis import fold, tokenize
from assistant.citations import Span, sentence_spans
from assistant.equivalents import with_equivalents
from assistant.plans import PlanRegistry

if TYPE_CHECKING:
    from assistant.lexical import LexicalIndex
    from assistant.retrieval import HybridRetriever, SearchResult
    from ingest.index import IndexedDocument

RARE_IDF = 3.9
"""A question word found in fewer than ~15 of the index's passages is specific (idf on ~560 passages)."""


@dataclass(frozen=True)
class Snapshot:
    """One read of the registry: documents, live versions, lexical index and plan names."""

    docs: list[IndexedDocument]
    live: dict[str, str]
    lexical: LexicalIndex
    plans: PlanRegistry

    @classmethod
    def take(cls, retriever: HybridRetriever) -> Snapshot:
        docs, live, lexical = retriever.state()
        return cls(docs, live, lexical, retriever.plans(lexical))

    @property
    def state(self) -> tuple[list[IndexedDocument], dict[str, str], LexicalIndex]:
        return self.docs, self.live, self.lexical

    @property
    def idf(self) -> dict[str, float]:
        return self.lexical.idf


def idf_table(retriever: HybridRetriever) -> dict[str, float]:
    """Inverse document frequency of the index terms of the live chunks."""
    _, _, lexical = retriever.state()
    return lexical.idf


def question_terms(question: str, idf: dict[str, float], plans: PlanRegistry | None = None) -> dict[str, float]:
    """Distinctive terms of the question with their weight (IDF); plan names and frame words excluded."""
    unknown = max(idf.values(), default=1.0)
    return {t: idf.get(t, unknown) for t in (plans or PlanRegistry(())).content_query(question)}


def coverage(results: Sequence[SearchResult], terms: dict[str, float]) -> float:
    """Weighted share of the question's terms found in the best two passages together."""
    if not terms:
        return 1.0
    total = sum(terms.values())
    best = 0.0
    for i, r in enumerate(results[:4]):
        found = with_equivalents(tokenize(r.chunk.text))
        for other in results[i + 1 : 4]:
            if other.chunk.doc_id == r.chunk.doc_id:
                pair = found | with_equivalents(tokenize(other.chunk.text))
                best = max(best, sum(w for t, w in terms.items() if t in pair) / total)
        best = max(best, sum(w for t, w in terms.items() if t in found) / total)
    return best


# -- specific terms ------------------------------------------------------------
_QUOTED = re.compile(r"[«\"“]([^»\"”]{3,80})[»\"”]")
_WORD = re.compile(r"[^\W\d_][\w'’.-]*|\d+(?:[.,/-]\d+)*", re.UNICODE)


@dataclass(frozen=True)
class Specific:
    """A term the evidence must contain: its label in the question and its index tokens."""

    label: str
    tokens: frozenset[str]
    weight: float
    quoted: bool = False
    """A title the question quotes («Casa vuoi?»): it names one action, project or document."""

    def found_in(self, tokens: set[str]) -> bool:
        return bool(self.tokens) and self.tokens <= tokens


def specific_terms(question: str, terms: dict[str, float], plans: PlanRegistry) -> list[Specific]:
    """Rare words, proper names, acronyms, quoted titles and content numbers of the question.

    Plan names and plan periods are not among them (targeting handles those), unless a plan's name
    is used for a town ("il comune di Casalmaggiore").
    """
    out: dict[frozenset[str], Specific] = {}
    content = set(terms)
    for m in _QUOTED.finditer(question):
        toks = frozenset(t for t in tokenize(m.group(1)) if t in content)
        if toks:
            out[toks] = Specific(m.group(1), toks, sum(terms[t] for t in toks), quoted=True)
    words = list(_WORD.finditer(question))
    for i, m in enumerate(words):
        word = m.group().strip(".-'’")
        toks = frozenset(t for t in tokenize(word) if t in content)
        if not toks:
            continue
        acronym = len(word) >= 2 and word.isupper() and word.isalpha()
        after_stop = i > 0 and question[words[i - 1].end() : m.start()].strip()[-1:] in (".", "?", "!", ":")
        name = i > 0 and word[:1].isupper() and not acronym and not after_stop
        number = word[:1].isdigit()
        if acronym or name or number:
            out.setdefault(toks, Specific(word, toks, sum(terms[t] for t in toks)))
    for label, token in plans.town_terms(question):
        # a plan's name used for a town ("nel comune di Casalmaggiore"): the answer must be about that town
        out.setdefault(frozenset({token}), Specific(label, frozenset({token}), 1.0))
    return list(out.values())


_AUXILIARY = frozenset("è ha hanno sono era erano fa fanno può possono deve devono viene vengono sarà saranno".split())
"""Short verb forms that end a phrase ("stranieri residenti | ha | il Comune")."""


def group_labels(question: str, tokens: set[str], gap: int = 4) -> list[str]:
    """The question's words holding ``tokens``, as the question says them: words at most ``gap``
    words apart, with no punctuation or verb between, form one phrase ("voucher per le dimissioni
    protette", "minori nel 2014")."""
    words = list(_WORD.finditer(question))
    marked = [i for i, m in enumerate(words) if set(tokenize(m.group().strip(".-'’"))) & tokens]
    phrases: list[str] = []
    start = prev = None
    for i in marked:
        between = words[prev + 1 : i] if prev is not None else []
        apart = prev is not None and (
            i - prev > gap
            or bool(re.search(r"[,;:?!()«»\"]", question[words[prev].end() : words[i].start()]))
            or any(w.group().lower() in _AUXILIARY for w in between)
        )
        if start is None or prev is None or apart:
            if start is not None and prev is not None:
                phrases.append(question[words[start].start() : words[prev].end()].strip(".-'’"))
            start = i
        prev = i
    if start is not None and prev is not None:
        phrases.append(question[words[start].start() : words[prev].end()].strip(".-'’"))
    return list(dict.fromkeys(phrases))


def term_labels(question: str) -> dict[str, str]:
    """Index term -> the question's word it comes from (to name a missing term in Italian)."""
    labels: dict[str, str] = {}
    for m in _WORD.finditer(question):
        word = m.group().strip(".-'’")
        for t in tokenize(word):
            labels.setdefault(t, word)
    return labels


# Italian verb forms (infinitives, participles, gerunds, imperfect, future, clitics): how a question
# asks, not what it asks about; a rare verb form missing from the evidence says little.
VERB_FORM = re.compile(
    r"(?:[aei]re|[aei]rsi|[aei]rlo|[aei]rla|[aei]rli|at[oaie]|ut[oaie]|it[oaie]|ando|endo|[aei]va|[aei]vano|"
    r"ano|ono|nno|rà|rò|isce|iscono|sto|sta|sti|ste|rre)$"
)


# Words that say how a question asks (a unit, an adverb), not what it is about.
ASKING = frozenset(
    tokenize("percentuale percentuali importo importi cifra cifre soldi numero numeri quota parte data anno entro euro mai fuori durante "
             "circa concretamente esattamente davvero tanto tanti molto qualche qualcosa qualcuno "
             # where in a document the asker saw it: the evidence need not name its own container
             "capitolo capitoli tabella tabelle paragrafo sezione pagina pagine grafico grafici allegato testo")
)


def rare_terms(question: str, terms: dict[str, float], unknown: Collection[str] = ()) -> dict[str, float]:
    """The question's rare content terms (idf >= RARE_IDF) that are not verb forms or asking words.

    ``unknown`` terms (the index holds them nowhere) are left out: a word no document contains
    ("tornino", "coop", "minorenni") is a colloquial form or a verb the plans say otherwise, and its
    absence from an answer says nothing (chosen on qa_holdout9/10: partial on answerable 0.48 -> 0.44
    and 0.44 -> 0.40 with "qualche/qualcosa" as asking words; unanswerable handled unchanged on all
    twelve sets)."""
    verbs = verb_terms(question)
    return {t: w for t, w in terms.items() if w >= RARE_IDF and t not in verbs and t not in ASKING and t not in unknown}


def content_terms(question: str, terms: dict[str, float]) -> list[str]:
    """The question's terms that say what it is about (not verb forms, not asking words), in order."""
    verbs = verb_terms(question)
    return [t for t in terms if t not in verbs and t not in ASKING]


_BEFORE_VERB = frozenset({"si", "ci", "ne", "chi", "cosa"})
"""Words a verb follows in a question ("come si *usa*", "chi *firma*", "cosa *propone*")."""
_CLITIC = frozenset({"lo", "la", "li", "le", "gli", "ne", "ci", "si", "vi", "mi", "ti"})
"""Pronouns that may stand between those words and the verb ("chi lo *firma*")."""
_ARTICLE = frozenset("il lo la i gli le un uno una ogni".split())
"""Articles: a word right before one, with nothing between, is a verb ("come *giudica* il Piano",
"quale regolamento *disciplina* il funzionamento", "quanto *paga* ogni Comune")."""
_ASKS_FOR_NOUN = frozenset("quale quali qual quanti quante quanta".split())
"""Question words a noun follows ("quali *obiettivi* il Piano …")."""
_DETERMINER = _ARTICLE | _ASKS_FOR_NOUN | frozenset(
    "del dello della dei degli delle al allo alla ai agli alle dal dallo dalla dai dagli dalle nel nello nella nei "
    "negli nelle sul sullo sulla sui sugli sulle questo questa questi queste quel quello quella quei quelle suo sua "
    "suoi sue loro tale tali".split()
)
"""Words after which a verb-like ending is a noun's ("il *reddito*", "un *anziano*", "la *richiesta*")."""
_ELIDED = re.compile(r"^(?:l|un|dell|all|dall|nell|sull|quell|quest)['’]", re.I)
_PASSIVE = frozenset("stato stata stati state e sono viene vengono era erano".split())
"""Words a passive participle follows: it names the asked event ("è stato *sottoscritto* l'Accordo")."""
_HAVE = frozenset("ha hanno ho abbiamo avete hai aveva avevano avra avranno".split())
"""Forms of "avere" an active participle follows ("ha *mosso*", "hanno *messo*"): how the question asks."""


def verb_terms(question: str) -> set[str]:
    """Index terms of the question's verb forms: by their ending ("attivare", "previsto"), by the
    clitic or pronoun before them ("si usa", "chi firma"), by "avere" before them ("hanno messo") or
    by an article right after them ("come giudica il Piano"); they ask, the nouns say about what.
    A word after an article or a determiner is a noun whatever its ending ("il reddito", "l'ambito")."""
    words = list(_WORD.finditer(question))
    verbs: set[str] = set()
    lowered = [m.group().lower() for m in words]
    for i, word in enumerate(lowered):
        previous = fold(lowered[i - 1]) if i > 0 else ""
        j = i - 1
        while j >= 0 and lowered[j] in _CLITIC and lowered[j] not in _BEFORE_VERB:
            j -= 1
        noun = previous in _DETERMINER or bool(_ELIDED.match(word))
        after = (j >= 0 and lowered[j] in _BEFORE_VERB) or previous in _HAVE or (
            not noun and _before_article(question, words, i) and previous not in _PASSIVE
            and not (previous == "quanto" and not word.endswith(("a", "e")))  # "quanto *tempo* il …"
        )
        if (VERB_FORM.search(word) and not noun) or after:
            verbs.update(tokenize(word))
    return verbs


def _before_article(question: str, words: list[re.Match[str]], i: int) -> bool:
    """The i-th word is a lower-case content word followed right away by an article."""
    if i + 1 >= len(words) or question[words[i].end() : words[i + 1].start()].strip():
        return False
    word, nxt = words[i].group(), words[i + 1].group()
    article = nxt.lower() in _ARTICLE or bool(re.match(r"(?i)(?:l|un)['’]", nxt))
    return article and word[:1].islower() and len(word) >= 4 and bool(tokenize(word))


def missing_share(terms: dict[str, float], text: str, question: str = "", unknown: Collection[str] = ()) -> float:
    """Share of the question's rare-term weight (see :func:`rare_terms`) that ``text`` lacks."""
    rare = rare_terms(question, terms, unknown) if question else {t: w for t, w in terms.items() if w >= RARE_IDF}
    if not rare:
        return 0.0
    found = with_equivalents(tokenize(text))
    return sum(w for t, w in rare.items() if t not in found) / sum(rare.values())


def missing_terms(specific: Sequence[Specific], text: str) -> list[Specific]:
    """The specific terms ``text`` does not contain."""
    found = with_equivalents(tokenize(text))
    return [s for s in specific if not s.found_in(found)]


# -- quotable sentences --------------------------------------------------------
_BLOCK_TAG = re.compile(r"</?(?:p|ul|ol|li|br|div|tr|td|th|table|h\d)\b[^>]*>", re.I)
_TAG = re.compile(r"</?[a-zA-Z][^>]{0,200}>")
_DATE_LIKE = re.compile(r"^\d{1,2}[./-]\d{1,2}[./-]\d{2,4}$")
_ENUMERATOR = re.compile(r"\d{1,2}[.)](?:\s|$)")
_REFERENCE = re.compile(
    r"\b(?:n|nn|n°|nr|art|artt|l|lr|l\.r|dgr|d\.g\.r|dpcm|d\.p\.c\.m|dlgs|d\.lgs|comma|lett|cap|capitolo|par|"
    r"punto|obiettivo|azione|legge|regionale|decreto|delibera|allegato|tabella|figura)\.?\s*$",
    re.IGNORECASE,
)
_ACT_NUMBER = re.compile(r"^\d{1,5}/(?:19|20)\d\d$")
"""The number of a law or act with its year ("legge 112/2016", "L. 328/2000"): a reference."""
_YEAR_LIKE = re.compile(r"^(?:19|20)\d\d(?:[/-](?:19|20)?\d\d)?$")
_NUMBER = re.compile(r"\d")


def quotable_spans(text: str) -> list[Span]:
    """Sentence spans of ``text`` split at HTML block tags, with the tags outside the spans."""
    out: list[Span] = []
    for sp in sentence_spans(text):
        pos = sp.start
        pieces = []
        for m in _BLOCK_TAG.finditer(text, sp.start, sp.end):
            pieces.append((pos, m.start()))
            pos = m.end()
        pieces.append((pos, sp.end))
        for a, b in pieces:
            while a < b and (text[a].isspace() or text[a] in "-–•*|·"):
                a += 1
            while b > a and text[b - 1].isspace():
                b -= 1
            if b - a >= 2:
                out.append(Span(a, b))
    return out


SLIDES = "presentazione"
"""The document kind whose text is made of short lines (titles, bullets, figures on a slide)."""
_SHORT_LINE = 80


def statement_spans(text: str, *, slides: bool = False, limit: int = 400) -> list[Span]:
    """The quotable spans of ``text``; on slides a run of short unpunctuated lines and the line
    that closes it ("Spesa sociale MEDIA", "71 euro (anno 2012)") is one statement, up to ``limit``
    characters. Table rows stay on their own."""
    spans = quotable_spans(text)
    if not slides:
        return spans
    out: list[Span] = []
    run: list[Span] = []
    for sp in spans:
        piece = text[sp.start : sp.end]
        if run and (sp.end - run[0].start > limit or "\t" in piece or _TAG.search(text, run[-1].end, sp.start)):
            out.append(Span(run[0].start, run[-1].end))
            run = []
        if "\t" in piece:
            out.append(sp)
            continue
        run.append(sp)
        if len(piece) > _SHORT_LINE or piece.rstrip().endswith((".", ";", ":", "!", "?")):
            out.append(Span(run[0].start, run[-1].end))
            run = []
    if run:
        out.append(Span(run[0].start, run[-1].end))
    return out


_CONTENTS_LINE = re.compile(r"[^\t\n]{3,160}[\t ](\d{1,3})")


def in_contents(text: str, span: Span) -> bool:
    """The span is a line of a table of contents ("Famiglie monogenitoriali …\t87"): a title and a
    page number, next to lines of the same form whose page numbers do not go down. Its number
    is a page, not a figure."""
    start = text.rfind("\n", 0, span.start) + 1
    end = text.find("\n", span.end)
    end = len(text) if end < 0 else end
    before = text[: max(start - 1, 0)].rsplit("\n", 1)[-1]
    after = text[end + 1 :].split("\n", 1)[0]
    found = [_CONTENTS_LINE.fullmatch(line.strip()) for line in (before, text[start:end], after)]
    prev, page, nxt = (int(m.group(1)) if m else None for m in found)
    if page is None:
        return False
    return (prev is not None and prev <= page) or (nxt is not None and page <= nxt)


_NAME = re.compile(r"(?<=[\w,;)’'\"»] )[A-ZÀ-Ý][\w’'-]+|\b[A-Z]{2,}\b")


def names_someone(text: str, known: set[str]) -> bool:
    """``text`` names a body, an organisation or a person beyond the ``known`` index terms: a
    capitalised word inside a sentence ("gestito dall'Associazione AIDA") or an acronym."""
    return any(set(tokenize(m.group())) - known for m in _NAME.finditer(clean_text(text)))


_HONORIFIC = re.compile(r"\b(?:dott|dott\.ssa|dr|dr\.ssa|sig|sig\.ra|prof|prof\.ssa|avv|ing|arch|geom|rag)\.?\s+[A-ZÀ-Ý]")
_NAME_PAIR = re.compile(r"(?<=[\w,;:)’'\"»] )([A-ZÀ-Ý][a-zà-ý’'-]+)\s+([A-ZÀ-Ý][a-zà-ý’'-]+)\b")
_BODY_WORDS = frozenset(
    tokenize(
        "comune comuni regione provincia servizio servizi ufficio uffici settore fondazione azienda associazione "
        "cooperativa coop consorzio ente enti centro centri tribunale agenzia istituto scuola direzione dipartimento "
        "assemblea consiglio comitato tavolo cabina piano legge fondo sociale sociali sanitaria sanitario terzo"
    )
)


_COPULA = re.compile(r"\b(?:è|e'|sarà|era|viene|verrà)\b", re.I)


def states_holder(text: str, role: Collection[str], window: int = 6) -> bool:
    """``text`` says who holds the ``role``: the role's word and "è" (or "sarà", "viene …") stand at
    most ``window`` words apart ("Responsabile dell'Ufficio di Piano *è* il Dirigente …"), unlike a
    sentence that lists the role among others."""
    words = list(_WORD.finditer(clean_text(text)))
    at_role = [i for i, m in enumerate(words) if set(tokenize(m.group())) & set(role)]
    at_copula = [i for i, m in enumerate(words) if _COPULA.fullmatch(m.group())]
    return any(abs(i - j) <= window for i in at_role for j in at_copula)


def names_person(text: str, known: set[str]) -> bool:
    """``text`` gives a person's name: a title and a name ("dott.ssa Rossi") or two capitalised words
    inside a sentence that are neither the question's words nor the words of a body's name
    ("Comune Capofila", "Servizi Sociali")."""
    clean = clean_text(text)
    if _HONORIFIC.search(clean):
        return True
    for m in _NAME_PAIR.finditer(clean):
        words = set(tokenize(m.group(1))) | set(tokenize(m.group(2)))
        if words and not words & known and not words & _BODY_WORDS:
            return True
    return False


_OUTCOME_MARK = re.compile(
    r"\brisultat|\besit[oi]\b|\beffett[oi]\b|\bimpatt|\braggiunt|\bottenut|\bha(?:nno)? (?:permesso|consentito|portato|prodotto|"
    r"coinvolto|registrato|evidenziato|mostrato|visto|generato)\b|\b(?:è|sono) stat[aeio]\b|\b(?:aumentat|diminuit|cresciut|calat|ridott)[oaie]\b",
    re.IGNORECASE,
)


def reports_outcome(text: str) -> bool:
    """``text`` reports how something went: a result word, a past result ("sono state attivate",
    "ha permesso") or a figure; a plan's intentions ("si prevede di avviare") are not results."""
    clean = clean_text(text)
    return bool(_OUTCOME_MARK.search(clean)) or has_data_number(clean)


_ACCESS_MARK = re.compile(
    r"\bdomand[ae]\b|\brichiest[ae]\b|\brichied|\bsegnal|\binvi[aoi]|\baccess|\bacced|\brivolg|\bsportell|\bmodul[oi]\b|"
    r"\bpresa in carico\b|\bprese in carico\b|\bvalutazion|\bvalutat|\bsi attiva|\battivabil|\battivat[oaie] (?:su|da|dal|dalla|dai|dalle|dopo|a seguito)\b|"
    r"\biscri[vtz]|\bprenot|\bcolloqui|\bcompil|\bistanz|\bbando\b|\bavviso\b|\bconcess|\bsu proposta\b|\bsu indicazione\b|\bpropost[oa] da\b",
    re.IGNORECASE,
)


def describes_access(text: str) -> bool:
    """``text`` says how one gets a service: a request, a referral, a desk, an assessment, an
    enrolment, a call ("a seguito di segnalazione", "con una domanda allo sportello")."""
    return bool(_ACCESS_MARK.search(clean_text(text)))


_MONTHS = "gennaio|febbraio|marzo|aprile|maggio|giugno|luglio|agosto|settembre|ottobre|novembre|dicembre"
_DEADLINE_MARK = re.compile(
    r"\bentro\s+(?:(?:il|la|le|i|l'|l’|la fine del(?:l'|l’)?|fine)\s*)?(?:\d|primo|prima|secondo|seconda|terzo|terza|"
    r"anno|annualit|triennio|biennio|mese|semestre|" + _MONTHS + r")"
    r"|\bscadenz|\b(?:" + _MONTHS + r")\s+(?:19|20)\d\d\b",
    re.IGNORECASE,
)


_FREQUENCY_MARK = re.compile(
    r"\bogni\s+(?:\d+\s+|due\s+|tre\s+|quattro\s+|sei\s+)?(?:giorn|settiman|mes|ann|bimestr|trimestr|semestr|quindic)"
    r"|\b(?:bi|tri)?(?:mensil|settimanal|annual|mestral|quindicinal|giornalier|quotidian)(?:[eio]|mente)\b"
    r"|\bsemestral(?:[ei]|mente)\b|\bcadenz[ae]\s+(?!di\b)\w+"
    r"|\b(?:\d+|una|un|due|tre|quattro|sei)\s+(?:volt[ae]|incontr[oi]|riunion[ie]|sedut[ae])\s+(?:al|all['’]|ogni|l['’]|a|alla|in un)\s*"
    r"(?:mese|anno|settimana|trimestre|semestre|bimestre)"
    r"|\b(?:al|ogni)\s+mese\b|\b(?:all['’]|ogni\s+)anno\b|\balla\s+settimana\b",
    re.IGNORECASE,
)


def states_frequency(text: str) -> bool:
    """``text`` says how often: "1 incontro al mese", "convocazione di norma mensile", "ogni due mesi"."""
    return bool(_FREQUENCY_MARK.search(clean_text(text)))


def states_deadline(text: str) -> bool:
    """``text`` gives a deadline: "entro primo anno", "entro giugno 2015", "entro il 2016", a
    "scadenza", a month and year."""
    return bool(_DEADLINE_MARK.search(clean_text(text)))


def clean_text(text: str) -> str:
    """A sentence as the answer shows it: no HTML, no markdown emphasis, one line."""
    text = _TAG.sub(" ", text).replace("**", "").replace("__", "")
    text = re.sub(r"^[#>\s]+", "", text)
    return " ".join(text.split())


def is_quotable(sentence: str) -> bool:
    """False for heading lines, bare table-header rows and other fragments that are not statements."""
    text = clean_text(sentence)
    letters = [c for c in text if c.isalpha()]
    if len(letters) < 12 or sentence.lstrip().startswith("#"):
        return False
    words = [w for w in _WORD.findall(text)]
    lower_words = [w for w in words if w[:1].islower() and len(w) >= 3 and w.isalpha()]
    upper_share = sum(c.isupper() for c in letters) / len(letters)
    if upper_share > 0.6 and len(text) < 120:
        return False  # "CASA.", "LAVORO E CASA.", "SPESA SOC COMUNI 2013 2014 2015"
    data_numbers = [w for w in words if w[:1].isdigit() and not _YEAR_LIKE.match(w)]
    if len(lower_words) < 2 and not data_numbers:
        return False  # header soup: labels and years only
    if len(text) < 60 and not data_numbers and not re.search(r"[.;:!?]$", text) and len(lower_words) < 4:
        return False  # a short title line
    return True


def has_data_number(text: str) -> bool:
    """True when ``text`` holds a figure (a count, amount, share).

    Not figures: years, dates, a list number opening the text ("3) Omogeneità …") and the
    numbers of references ("n. 287", "art. 4", "L. 381/91", "Obiettivo 9", "legge nazionale 112/2016").
    """
    clean = clean_text(text)
    for m in _WORD.finditer(clean):
        w = m.group()
        if not w[:1].isdigit() or _YEAR_LIKE.match(w) or _DATE_LIKE.match(w) or _ACT_NUMBER.match(w):
            continue
        if m.start() == len(clean) - len(clean.lstrip()) and _ENUMERATOR.match(clean, m.start()):
            continue
        if _REFERENCE.search(clean, max(0, m.start() - 14), m.start()):
            continue
        return True
    return False


def folded_tokens(text: str) -> set[str]:
    return set(tokenize(fold(text)))
