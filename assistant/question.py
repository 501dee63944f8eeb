"""What a question asks for: a quantity, a body, a procedure, a list, objectives, or a fact.

The shape decides how the answer is composed (one number sentence, a list,
objective records) and what grounding it needs (a quantity needs a number).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from assistant.analysis import fold, tokenize
from assistant.evidence import ASKING, verb_terms
from assistant.evidence import VERB_FORM as _VERB_FORM

_QUANTITY = re.compile(
    r"\bquant[iaoe]\b|\bimport[oi]\b|\bsogli[ae]\b|\bpercentual[ei]\b|\bquot[ae]\b|\bnumero (?:di|dei|delle|degli)\b"
    r"|\bcost[oa]\b|\bcostano\b|\bin euro\b|\btariff[ae]\b|\bspes[oa]\b|\bstanziat|\b%|\btass[oi]\b|\bcifr[ae]\b|\bentita\b"
)
"""Words that ask for a figure. "budget" is not among them: plans name instruments with it ("budget di
welfare", "budget unico") that questions ask about ("che cosa contiene il budget di welfare"); a sum
of a budget is asked with "quanto", "importo", "cifre", "entità"."""
_MONEY = re.compile(r"\beuro\b|\binvest|\bfinanzi|\bammont|\bcontribut|\bimport[oi]\b|\bcost[oa]\b|\bcostano\b|\btariff|\bbudget\b|\bspes[oa]\b|\bstanziat|\bvale\b|\bguadagn|\bstipendi|\bpag[ae]")
_PERCENT = re.compile(r"\bpercentual|%|\bquota\b")
_WHO = re.compile(r"^\s*(?:e\s+)?(?:chi|da chi|a chi|con chi|quale (?:ente|organismo|soggetto|ufficio|associazione)|quali (?:enti|organismi|soggetti))\b")
_PROCEDURE = re.compile(
    r"\bcome (?:si )?(?:attiva|attivano|funziona|funzionano|accede|accedere|richiede|chiede|ottiene|presenta)\b"
    r"|\bchi puo (?:chiedere|richiedere|accedere|presentare)\b|\brequisiti\b|\bprocedura\b"
)
_LIST = re.compile(r"^\s*(?:quali|elenca|elencami|che (?:azioni|obiettivi|servizi|interventi|priorita))\b|\bquali sono\b|\bquali\b.*\b(?:azioni|servizi|interventi|misure|priorita|progetti|criteri|strumenti)\b")
_OBJECTIVES = re.compile(r"\bobiettiv[oi]\b|\bindicator[ei]\b|\bazioni\b|\btarget\b|\btraguard[oi]\b|\bpriorita\b")
_AFTER_QUANTITY = re.compile(
    r"(?:\bquant[iaoe]|\b(?:percentual[ei]|numero|quota|importo|soglia|tass[oi])\s+(?:di|dei|degli|delle|del|della))"
    r"\s+((?:[^\W\d_][\w'-]*\s*){1,3})"
)
_ENTITY = re.compile(
    r"^\s*(?:e\s+)?(?:chi|da chi|a chi|con chi)\b(?!\s+(?:puo|possono|ha diritto|hanno diritto|deve|devono|riguarda))"
    r"|\b(?:quale|quali)\s+(?:ente|enti|organizzazion[ei]|soggett[oi]|associazion[ei]|cooperativ[ae]|realta|partner|firmatari)\b"
    r"|(?<!\bper )(?<!\bda )(?<!\bdi )(?<!\btra )(?<!\bfra )(?<!\bcon )(?<!\ba )"
    r"\bchi\s+(?:ha|hanno|sono|e|gestisce|gestira|gestiscono|coordina|firma|firmato|guida|organizza|finanzia)\b"
)
_ASKS_NAME = re.compile(r"\bcome si chiam(?:a|ano)\b|\b(?:il|un|i|dei|del) nom(?:e|i)\b|\bnominativ[oi]\b")
"""The question asks for a name ("Come si chiama il coordinatore …", "mi servirebbe un nome")."""
_OUTCOME = re.compile(
    r"\bcom(?:'|\s)\s*e\s+(?:andat|finit)|\bcome (?:sono|e) (?:andat|finit)"
    r"|\b(?:che|quali|con (?:che|quali)) (?:risultat|esit|effett|impatt)|\bha(?:nno)? (?:funzionato|dato (?:risultat|esit|frutt))"
    r"|\b(?:effettivamente|davvero|realmente)\s+(?:stat[oaie]\s+)?\w+(?:at|ut|it)[oaie]\b"  # "effettivamente approvato"
)
"""The question asks how something went ("Com'è andata la sperimentazione …", "Che risultati ha dato …",
"è stato effettivamente approvato?")."""
_DETAIL = re.compile(
    r"\b(?:quali|quale|che|con quali|con quale|con che)\s+"
    r"(requisiti|requisito|criteri|criterio|documenti|documento|orari|orario|modalita|procedura|procedure|scadenze|scadenza|sede|sedi|indirizzo)\b"
)
"""A detail an operator asks for by name ("quali requisiti", "con quale procedura", "quali documenti"):
the quoted sentences must speak of it."""
_FREQUENCY = re.compile(
    r"\bquanto spesso\b|\bogni quanto\b|\bcon (?:che|quale) (?:frequenza|cadenza|periodicita)\b|\bquante volte (?:al|all'|l'|ogni)"
    r"|\bfrequenza\b|\bperiodicita\b|\bcadenza\b"
)
"""The question asks how often ("ogni quanto si riunisce", "quanto spesso", "frequenza delle riunioni"):
a detail (*frequenza*) the answer gives as "1 incontro al mese", "di norma mensile"."""
_ACCESS = re.compile(
    r"\bcome (?:si |posso |possiamo |puo |possono )?(?:attiv|acced|richied|chied|ottien|ottener|iscriv|prenot|fa(?:re)? domanda|present|entra|ricev)"
    r"|\bchi puo (?:chiedere|richiedere|accedere|presentare|attivare|fare domanda)\b|\ba chi (?:mi|ci|si) (?:rivolg|devo|deve)"
)
"""The question asks how one gets a service ("come si attiva", "come si iscrive", "a chi mi rivolgo"):
the quoted sentences must say how (a request, a referral, a desk, an assessment)."""
_ROLE = re.compile(r"^\s*(?:e\s+)?chi (?:e|sono|era|erano|sara|saranno) (?:il|lo|la|l'|i|gli|le)\s*((?:[^\W_][\w'-]*\s*){1,3})")
_HOLDER = re.compile(r"^\s*(?:e\s+)?chi (?:e|era|sara) (?:il|lo|la|l')")
"""The question asks who holds one role ("Chi è il responsabile …"): the answer must say who holds it."""
_NUMBER_WORD = re.compile(r"^(?:\d+|un[oa]?|due|tre|quattro|cinque|sei|sette|otto|nove|dieci)$")
_WHY = re.compile(r"^\s*(?:e\s+)?(?:perche|come mai|per quale motivo|per quali motivi)\b")
"""The question asks why ("Come mai la spesa … è salita"): the figure it names is its subject, not what it asks."""
_HOW_MANY = re.compile(r"\bquant[iaoe]\b")
_WHEN = re.compile(r"^\s*(?:e\s+)?quando\b|\bin (?:che|quale) (?:data|anno|mese|giorno)\b|\bda quando\b|\bentro quando\b")
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_ASK_WORD = (
    r"(?:(?:a|da|di|su|per|con|in|tra|fra|entro)\s+)?"
    r"(?:come|quale|quali|qual|quanto|quanta|quanti|quante|chi|dove|quando|perche|cosa|che|cos)\b"
)
_PART_BREAK = re.compile(rf"\?\s+|;\s+|,?\s+e\s+(?={_ASK_WORD})|:\s+(?={_ASK_WORD})")


_NOUN_AFTER_QUANTI = re.compile(r"st[oaie]$")
"""Endings of past participles ("previsti") that are also plural nouns ("posti", "costi"): right
after "quanti" they name the counted item."""


@dataclass(frozen=True)
class QuestionShape:
    kind: str
    """``quantity``, ``when``, ``who``, ``procedure``, ``objectives``, ``list`` or ``fact``."""
    money: bool = False
    percent: bool = False
    item: tuple[str, ...] = ()
    """Index terms of the counted item ("Quanti *comuni* ...", "percentuale di *stranieri*"): the
    content words right after "quanti" (or "percentuale/numero/quota/importo/soglia di"), up to the
    first function word ("Quanti comuni *fanno* parte" -> comuni)."""
    years: tuple[str, ...] = ()
    """Years the question names ("nel 2014"): a quantity must be the one of that year."""
    parts: tuple[frozenset[str], ...] = ()
    """Index terms of each part of a question that asks several things ("A chi può rivolgersi …,
    e quali strutture esistono?"); empty for a question with one part."""
    names: tuple[frozenset[str], ...] = ()
    """Index terms of each name the question asks about (proper name, acronym, quoted title; see
    :func:`assistant.evidence.specific_terms`, set by the caller): a figure's passage must hold them."""
    entity: bool = False
    """The question asks who (a body, an organisation, a person): the answer must name one."""
    titles: tuple[frozenset[str], ...] = ()
    """Index terms of each title the question quotes («Casa vuoi?», set by the caller): a figure's
    own sentence (or its heading, or its table's header) must hold them."""
    role: tuple[str, ...] = ()
    """Index terms of the role a "Chi è il *responsabile* …" question asks about: the sentence that
    names someone must name them in that role."""
    asks_name: bool = False
    """The question asks for a name: the answer must give a person's name, not a role or a body."""
    asks_outcome: bool = False
    """The question asks how something went: the answer must report a result, not a plan."""
    details: tuple[str, ...] = ()
    """The details the question asks for by name ("quali *requisiti*"), as it says them."""
    asks_access: bool = False
    """The question asks how one gets a service: the answer must say how, not only what it is."""
    unknown: frozenset[str] = frozenset()
    """Index terms of the question that no indexed passage holds (set by the caller)."""
    verbs: frozenset[str] = frozenset()
    """Index terms of the question's verb forms ("si *riunisce*"): they ask, the other words say about what."""
    asks_holder: bool = False
    """The question asks who holds one role ("Chi è la *Consigliera di Parità* …"): a sentence that
    only lists the role among others does not say who holds it."""

    @property
    def is_list(self) -> bool:
        return self.kind in ("list", "objectives")


def shape(question: str) -> QuestionShape:
    """Classify ``question`` (folded, accent-free matching) and split it into its parts."""
    folded = fold(question)
    details = [m.group(1) for m in _DETAIL.finditer(folded)]
    if _FREQUENCY.search(folded):
        details.append("frequenza")
        folded = _FREQUENCY.sub(" ", folded)  # "quanto spesso" asks how often, not how many
    return replace(
        _kind(folded), parts=question_parts(question), entity=bool(_ENTITY.search(folded)), role=_role(folded),
        asks_name=bool(_ASKS_NAME.search(folded)), asks_outcome=bool(_OUTCOME.search(folded)),
        details=tuple(dict.fromkeys(details)), asks_access=bool(_ACCESS.search(folded)),
        verbs=frozenset(verb_terms(question)), asks_holder=bool(_HOLDER.search(folded)),
    )


def _role(q: str) -> tuple[str, ...]:
    """The index terms of the first content word after "chi è il …" ("Chi sono i quattro
    *rappresentanti* …"); empty for other questions."""
    m = _ROLE.search(q)
    if not m:
        return ()
    for word in m.group(1).split():
        toks = [t for t in tokenize(word) if t not in ASKING]
        if toks and not _NUMBER_WORD.match(word):
            return tuple(toks)
    return ()


def question_parts(question: str) -> tuple[frozenset[str], ...]:
    """Index terms of each part of ``question``, split where a new question word starts a new ask
    ("…, e quale zona …", "…? Quanti …", "…; come …"); parts without terms are dropped."""
    pieces = _PART_BREAK.split(fold(question))
    parts = tuple(t for t in (frozenset(tokenize(p)) for p in pieces) if t)
    return parts if len(parts) >= 2 else ()


def _kind(q: str) -> QuestionShape:
    if _QUANTITY.search(q) and (_HOW_MANY.search(q) or not _WHY.search(q)):
        m = _AFTER_QUANTITY.search(q)
        years = tuple(dict.fromkeys(_YEAR.findall(q)))
        item = _item(m.group(1), plural=m.group(0).startswith(("quanti", "quante")), masculine=m.group(0).split()[0] == "quanto") if m else ()
        return QuestionShape("quantity", bool(_MONEY.search(q)), bool(_PERCENT.search(q)), item, years)
    if _WHEN.search(q):
        return QuestionShape("when")
    if _OBJECTIVES.search(q) and _LIST.search(q):
        return QuestionShape("objectives")
    if _PROCEDURE.search(q):
        return QuestionShape("procedure")
    if _WHO.search(q):
        return QuestionShape("who")
    if _LIST.search(q):
        return QuestionShape("list")
    return QuestionShape("fact")


_SUBJECT_ARTICLE = frozenset("il lo la l i gli le un uno una ogni ciascun ciascuna".split())


def _item(words: str, *, plural: bool = False, masculine: bool = False) -> tuple[str, ...]:
    """The leading content words of ``words`` (at most two), stopping at the first function word.

    After "quanti/quante" (``plural``) a word ending like a participle is the counted noun ("posti").
    Right after "quanto" (``masculine``) a word ending in -a or -e is a verb ("quanto *paga*",
    "quanto *spende*"): a noun there agrees with "quanto" ("quanto tempo").
    """
    out: list[str] = []
    split = words.split()
    if masculine and len(split) >= 3 and split[0].endswith(("a", "e")) and split[1] in _SUBJECT_ARTICLE:
        # "quanto *paga una famiglia*", "quanto costa il voucher": the figure is the subject's
        return tuple(t for t in tokenize(split[2]) if t not in ASKING)[:1]
    for i, word in enumerate(split):
        toks = tokenize(word)
        participle_like = plural and not out and _NOUN_AFTER_QUANTI.search(word)  # "quanti posti", not "quanto costa"
        verb_after_quanto = masculine and i == 0 and word.endswith(("a", "e"))
        if not toks or verb_after_quanto or (_VERB_FORM.search(word) and not participle_like):  # "fanno", "ha"
            break
        out += [t for t in toks if t not in ASKING]  # "quanti soldi", "quanta parte": no item
    return tuple(out[:2])
