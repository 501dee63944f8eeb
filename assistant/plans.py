"""Which plans a question names: ambito, period, date and kind mentions, read from the registry.

Nothing here names an ambito: the names a question can use for a plan come
from the indexed documents' metadata (``ambito`` and ``aliases``, from
``corpus/manifest.yaml`` or detected at ingestion). Aliases of an ambito are
shared by all its documents. :class:`PlanRegistry` is built from one registry
snapshot (the list of :class:`DocumentMeta`) and answers, for a question:
which plans it names (``mentions``/``targets``), which of its words are
content rather than plan names (``content_query``), and whether it compares
plans (``is_comparison``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from assistant.analysis import fold, tokenize
from ingest.schemas import DocumentMeta

_MONTHS = {
    "gennaio": 1, "febbraio": 2, "marzo": 3, "aprile": 4, "maggio": 5, "giugno": 6, "luglio": 7,
    "agosto": 8, "settembre": 9, "ottobre": 10, "novembre": 11, "dicembre": 12,
}
_PERIOD = re.compile(r"\b(20\d\d)\s*[-–/]\s*(20\d\d|\d\d)\b")
_YEAR = re.compile(r"\b(20\d\d)\b")
# a period right after "piano di zona" / "pdz": "piano di zona di <ambito> 2018-2020", "pdz 2021-2023"
_PLAN_PERIOD = re.compile(r"\b(?:piano di zona|pdz)\b(?:\s+[^\s\d]+){0,4}?\s+(20\d\d)\s*[-–/]\s*(20\d\d|\d\d)\b")
_DATE = re.compile(r"\b(\d{1,2})\s+(" + "|".join(_MONTHS) + r")\s+(20\d\d)\b")
_MONTH_YEAR = re.compile(r"\b(" + "|".join(_MONTHS) + r")(?:\s+(?:del\s+)?(20\d\d))?\b")
_KIND_WORDS = {
    "presentazione": re.compile(r"\b(?:slide|presentazion[ei]|workshop|incontr[oi])\b"),
    "piano": re.compile(r"\b(?:piano|piani|pdz)\b"),
    "verbale": re.compile(r"\bverbal[ei]\b"),
    "regolamento": re.compile(r"\bregolament[oi]\b"),
}
# "quali piani ...", "in quali ambiti ...", "ogni distretto", "confronta ...", "differenze tra ..."
_ACROSS_PLANS = re.compile(
    r"\b(?:quali|tutti i|tutti gli|ciascun[oa]?|ogni|nei vari|nei diversi|tra i|fra i)\s+"
    r"(?:piani|documenti|ambiti|distretti|territori)\b"
    r"|\bconfront\w*|\bdifferenz[ae]\s+(?:tra|fra)\b|\ba confronto\b"
)

# Words that name plans or documents in general, or only say how to ask (never an ambito's name).
FRAME_WORDS = frozenset(
    tokenize(
        "piano piani zona pdz ambito ambiti distretto distretti distrettuale documento documenti slide "
        "presentazione triennio biennio secondo prevede previsto workshop "
        "vuole vogliono intende intendono puo possono deve devono dovrebbe trovare portare dentro "
        "fare fatto riguardo rispetto particolare cosa modo quale quali spiegami dimmi ricostruiscimi "
        "servono serve mi ci c'e ce esiste esistono indicato indicata viene vengono emerso emersa "
        "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre"
    )
)

# Asking verbs whose stem is also content ("si occupa" asks; "occupazione" is a topic)
_ASKING_PHRASES = re.compile(r"\bsi occup(?:a|ano|ava|avano)\b")


@dataclass
class PlanMentions:
    ambiti: set[str] = field(default_factory=set)
    """Folded ambito names (registry keys) the question names, directly or by an alias."""
    periods: set[str] = field(default_factory=set)
    years: set[int] = field(default_factory=set)
    """Years named on their own ("nel 2015"), not as part of a period or a full date."""
    dates: set[str] = field(default_factory=set)
    months: set[tuple[int, int | None]] = field(default_factory=set)
    kinds: set[str] = field(default_factory=set)
    asks_all_plans: bool = False

    @property
    def empty(self) -> bool:
        return not (self.ambiti or self.periods or self.years or self.dates or self.months)


def _name_pattern(name: str) -> str:
    words = fold(name).split()
    return r"(?<!\w)" + r"\s+".join(re.escape(w) for w in words) + r"(?!\w)"


class PlanRegistry:
    """The plan names of one registry snapshot and what a question says about them."""

    def __init__(self, docs: Iterable[DocumentMeta]) -> None:
        self.docs: tuple[DocumentMeta, ...] = tuple(docs)
        names: dict[str, set[str]] = {}
        for d in self.docs:
            if not d.ambito:
                continue
            key = fold(d.ambito).strip()
            names.setdefault(key, set()).update(fold(n).strip() for n in (d.ambito, *d.aliases) if n.strip())
        self.names = names
        """Folded ambito -> its folded names (the ambito itself and every alias of its documents)."""
        self._patterns = {
            key: re.compile("|".join(_name_pattern(n) for n in sorted(ns, key=len, reverse=True)))
            for key, ns in names.items()
        }
        self._mentions: dict[str, PlanMentions] = {}
        self.name_tokens = frozenset(t for ns in names.values() for n in ns for t in tokenize(n))
        """Index terms that only name a plan ("cremon", "casalasc", ...)."""

    # -- what the question names ------------------------------------------
    def mentions(self, question: str) -> PlanMentions:
        """What ``question`` names (kept for the last few questions: an answer asks several times)."""
        cached = self._mentions.get(question)
        if cached is None:
            cached = self._find_mentions(question)
            if len(self._mentions) >= 64:
                self._mentions.clear()
            self._mentions[question] = cached
        return replace(cached, ambiti=set(cached.ambiti), periods=set(cached.periods), years=set(cached.years),
                       dates=set(cached.dates), months=set(cached.months), kinds=set(cached.kinds))

    def _find_mentions(self, question: str) -> PlanMentions:
        q = fold(question)
        m = PlanMentions()
        m.ambiti = {key for key, rx in self._patterns.items() if rx.search(q)}
        for pm in _PERIOD.finditer(q):
            end = pm.group(2)
            m.periods.add(f"{pm.group(1)}-{end if len(end) == 4 else '20' + end}")
        m.years = {int(y) for y in _YEAR.findall(_DATE.sub(" ", _PERIOD.sub(" ", q)))}
        for dm in _DATE.finditer(q):
            m.dates.add(f"{dm.group(3)}-{_MONTHS[dm.group(2)]:02d}-{int(dm.group(1)):02d}")
        for mm in _MONTH_YEAR.finditer(q):
            m.months.add((_MONTHS[mm.group(1)], int(mm.group(2)) if mm.group(2) else None))
        m.kinds = {kind for kind, rx in _KIND_WORDS.items() if rx.search(q)}
        m.asks_all_plans = bool(_ACROSS_PLANS.search(q))
        return m

    def targets(self, question: str, docs: Sequence[DocumentMeta] | None = None) -> dict[str, float]:
        """doc_id -> weight in [0, 1] for the documents the question points at (empty: none named)."""
        m = self.mentions(question)
        if m.empty:  # a document kind alone scores 0.5 at most: not a target
            return {}
        pool = self.docs if docs is None else docs
        scores = {d.doc_id: document_match(d, m) for d in pool}
        scores = _year_preferred(pool, scores, m)
        best = max(scores.values(), default=0.0)
        if best <= 0.5:
            return {}
        return {doc_id: s / best for doc_id, s in scores.items() if s > 0}

    def named_plans(self, question: str) -> list[DocumentMeta]:
        """The documents the question names, best first (ties in registry order).

        A full date names one document ("i workshop del 12 marzo 2015"): the other documents of
        its ambito, named only by the ambito, are then not in the question's scope.
        """
        targets = self.targets(question)
        floor = _DATED_SCOPE if self.mentions(question).dates else 0.0
        return sorted((d for d in self.docs if targets.get(d.doc_id, 0.0) > floor), key=lambda d: -targets[d.doc_id])

    def missing_plans(self, question: str) -> list[str]:
        """Later plans the question names ("il Piano di Zona di <ambito> 2018-2020") than any indexed
        document of the named ambiti (of any ambito, when it names none) covers.

        An earlier plan ("le azioni del Piano di Zona 2012-2014") may be told by a later one, which
        reports its results; a later one cannot be in documents written before it.
        """
        m = self.mentions(question)
        docs = [d for d in self.docs if not m.ambiti or fold(d.ambito or "").strip() in m.ambiti]
        last = max((max(_period_years(d.period)) for d in docs if d.period), default=None)
        out = []
        for pm in _PLAN_PERIOD.finditer(fold(question)):
            end = pm.group(2)
            period = f"{pm.group(1)}-{end if len(end) == 4 else '20' + end}"
            if last is not None and int(pm.group(1)) > last and period not in out:
                out.append(period)
        return out

    def is_comparison(self, question: str) -> bool:
        """Several different ambiti or periods named, or a question across plans.

        One ambito with several documents (a plan and a slide deck) is not a comparison.
        """
        m = self.mentions(question)
        plan_periods = {d.period for d in self.docs if d.period}
        if len(m.ambiti) >= 2 or len(m.periods & plan_periods) >= 2:
            return True
        if m.ambiti or m.dates:  # "in quali ambiti ..." about one named plan or slide deck is about that one
            return False
        return m.asks_all_plans and len({fold(d.ambito or d.doc_id) for d in self.docs}) >= 2

    # -- what the question asks about --------------------------------------
    def is_frame_term(self, token: str) -> bool:
        """True for index terms that name a plan or belong to the question's scaffolding."""
        return token in FRAME_WORDS or token in self.name_tokens

    def content_query(self, question: str) -> list[str]:
        """Index terms of ``question`` without the words that only name plans or dates, or ask."""
        asked = _ASKING_PHRASES.sub(" ", without_plan_dates(question))
        return [t for t in tokenize(asked) if not self.is_frame_term(t)]

    def town_terms(self, question: str) -> list[tuple[str, str]]:
        """Aliases the question uses for a town ("nel comune di Borgo Alto" of the Valdoria ambito), as
        (word as written, index term): there they name a place, not the plan. An ambito's own name
        is left out: its documents use it for the town and the district alike, so it cannot tell them apart."""
        own = {t for key in self.names for t in tokenize(key)}
        out = []
        for m in _TOWN.finditer(question):
            word = m.group(1)
            out += [(word, t) for t in tokenize(word) if t in self.name_tokens and t not in own]
        return out


_TOWN = re.compile(r"\b(?:comune|città|citta|paese)\s+di\s+([^\W\d_][\w'-]*)", re.IGNORECASE)
"""A town named as a town: "comune di X", "città di X"."""

_OTHER_YEARS_PENALTY = 0.5
_DATED_SCOPE = 0.5
"""When the question names a full date, a document is in its scope only above this share of the
best target weight (the dated document's own ambito-only siblings score about 0.3)."""


def _year_preferred(docs: Sequence[DocumentMeta], scores: dict[str, float], m: PlanMentions) -> dict[str, float]:
    """Among the named documents of one ambito, those whose period (or date) holds a year the
    question names come first: "i documenti del 2015" of an ambito are not its 2019-2020 plan.

    A year no document of the ambito covers is a year of data ("la spesa nel 2014"): no change.
    """
    if not m.years or m.periods:
        return scores
    covers = {d.doc_id: bool(_document_years(d) & m.years) for d in docs}
    by_ambito: dict[str, list[DocumentMeta]] = {}
    for d in docs:
        if scores.get(d.doc_id, 0.0) > 0:
            by_ambito.setdefault(fold(d.ambito or d.doc_id), []).append(d)
    out = dict(scores)
    for group in by_ambito.values():
        if any(covers[d.doc_id] for d in group):
            for d in group:
                if not covers[d.doc_id]:
                    out[d.doc_id] = max(out[d.doc_id] - _OTHER_YEARS_PENALTY, 0.0)
    return out


def _document_years(meta: DocumentMeta) -> set[int]:
    years = _period_years(meta.period)
    if meta.date:
        years.add(int(meta.date.split("-")[0]))
    return years


def _period_years(period: str | None) -> set[int]:
    if not period:
        return set()
    a, b = period.split("-")
    return set(range(int(a), int(b) + 1))


def document_match(meta: DocumentMeta, m: PlanMentions) -> float:
    """How strongly the mentions point at ``meta`` (0 when they point elsewhere or nowhere)."""
    score = 0.0
    ambito = fold(meta.ambito or "").strip()
    if m.ambiti:
        if ambito not in m.ambiti:
            return 0.0
        score += 1.0
    if m.periods:
        if meta.period in m.periods:
            score += 1.0
        elif m.ambiti and not _document_years(meta) & m.years:
            score -= 0.5  # another period of the ambito, unless a year named on its own points here
    if meta.date:
        year, month, _day = (int(x) for x in meta.date.split("-"))
        if meta.date in m.dates:
            score += 2.0
        elif any(mo == month and (yr is None or yr == year) for mo, yr in m.months):
            score += 1.0
        elif year in m.years:
            score += 0.25
    elif m.years and not m.periods and _period_years(meta.period) & m.years:
        score += 0.25
    if meta.kind in m.kinds:
        score += 0.5
    return max(score, 0.0)


# -- functions over a list of documents (what retrieval and compare call) ----
def find_mentions(question: str, docs: Sequence[DocumentMeta] = ()) -> PlanMentions:
    """Mentions in ``question``; ambiti are recognised only among ``docs``' names."""
    return PlanRegistry(docs).mentions(question)


def target_documents(question: str, docs: Sequence[DocumentMeta]) -> dict[str, float]:
    """doc_id -> weight in [0, 1] for the documents of ``docs`` the question points at."""
    return PlanRegistry(docs).targets(question)


def content_query(question: str, docs: Sequence[DocumentMeta] = ()) -> list[str]:
    """Index terms of ``question`` without plan names (those of ``docs``), frame words and plan dates."""
    return PlanRegistry(docs).content_query(question)


def without_plan_dates(question: str) -> str:
    """The question with its period and date mentions ("2015-2017", "24 novembre 2015") blanked.

    Those name the plan or slide deck, which targeting already uses; other
    numbers ("primavera 2018", "Obiettivo 9") are content and stay.
    """
    q = fold(question)
    for rx in (_PERIOD, _DATE, _MONTH_YEAR):
        q = rx.sub(" ", q)
    return q
