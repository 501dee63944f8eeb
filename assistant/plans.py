"""Which plans a question names: ambito, period, date and kind mentions.

``target_documents`` scores each indexed document against the mentions in a
question, so retrieval can favour the plan(s) the user is asking about
without an explicit filter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.analysis import fold, tokenize
from ingest.schemas import DocumentMeta

AMBITO_PATTERNS = {
    "cremona": re.compile(r"\bcremon(?:a|ese|esi)\b"),
    "crema": re.compile(r"\bcrem(?:a|asc[oa]|aschi|asche)\b"),
    "casalasco": re.compile(r"\b(?:casalasc[oa]|casalaschi|casalmaggiore)\b"),
    "lombardia": re.compile(r"\b(?:lombardia|regional[ei]|regione)\b"),
}
_MONTHS = {
    "gennaio": 1, "febbraio": 2, "marzo": 3, "aprile": 4, "maggio": 5, "giugno": 6, "luglio": 7,
    "agosto": 8, "settembre": 9, "ottobre": 10, "novembre": 11, "dicembre": 12,
}
_PERIOD = re.compile(r"\b(20\d\d)\s*[-–/]\s*(20\d\d|\d\d)\b")
_YEAR = re.compile(r"\b(20\d\d)\b")
_DATE = re.compile(r"\b(\d{1,2})\s+(" + "|".join(_MONTHS) + r")\s+(20\d\d)\b")
_MONTH_YEAR = re.compile(r"\b(" + "|".join(_MONTHS) + r")(?:\s+(?:del\s+)?(20\d\d))?\b")
_KIND_WORDS = {
    "presentazione": re.compile(r"\b(?:slide|presentazion[ei]|workshop|incontr[oi])\b"),
    "piano": re.compile(r"\b(?:piano|piani|pdz)\b"),
    "verbale": re.compile(r"\bverbal[ei]\b"),
    "regolamento": re.compile(r"\bregolament[oi]\b"),
}
_ALL_PLANS = re.compile(r"\b(?:quali|quanti|tutti i|ciascun[oa]?|ogni)\s+(?:piani|documenti|ambiti|distretti)\b")


@dataclass
class PlanMentions:
    ambiti: set[str] = field(default_factory=set)
    periods: set[str] = field(default_factory=set)
    years: set[int] = field(default_factory=set)
    dates: set[str] = field(default_factory=set)
    months: set[tuple[int, int | None]] = field(default_factory=set)
    kinds: set[str] = field(default_factory=set)
    asks_all_plans: bool = False

    @property
    def empty(self) -> bool:
        return not (self.ambiti or self.periods or self.years or self.dates or self.months)


def find_mentions(question: str) -> PlanMentions:
    q = fold(question)
    m = PlanMentions()
    m.ambiti = {name for name, rx in AMBITO_PATTERNS.items() if rx.search(q)}
    for pm in _PERIOD.finditer(q):
        end = pm.group(2)
        m.periods.add(f"{pm.group(1)}-{end if len(end) == 4 else '20' + end}")
    m.years = {int(y) for y in _YEAR.findall(q)}
    for dm in _DATE.finditer(q):
        m.dates.add(f"{dm.group(3)}-{_MONTHS[dm.group(2)]:02d}-{int(dm.group(1)):02d}")
    for mm in _MONTH_YEAR.finditer(q):
        m.months.add((_MONTHS[mm.group(1)], int(mm.group(2)) if mm.group(2) else None))
    m.kinds = {kind for kind, rx in _KIND_WORDS.items() if rx.search(q)}
    m.asks_all_plans = bool(_ALL_PLANS.search(q))
    return m


def _period_years(period: str | None) -> set[int]:
    if not period:
        return set()
    a, b = period.split("-")
    return set(range(int(a), int(b) + 1))


def document_match(meta: DocumentMeta, m: PlanMentions) -> float:
    """How strongly the mentions point at ``meta`` (0 when they point elsewhere or nowhere)."""
    score = 0.0
    ambito = fold(meta.ambito or "")
    if m.ambiti:
        if not any(a == ambito for a in m.ambiti):
            return 0.0
        score += 1.0
    if m.periods:
        if meta.period in m.periods:
            score += 1.0
        elif m.ambiti:
            score -= 0.5
    if meta.date:
        year, month, _day = (int(x) for x in meta.date.split("-"))
        if meta.date in m.dates:
            score += 2.0
        elif any(mo == month and (yr is None or yr == year) for mo, yr in m.months):
            score += 1.0
    elif m.years and not m.periods and _period_years(meta.period) & m.years:
        score += 0.25
    if meta.kind in m.kinds:
        score += 0.5
    return max(score, 0.0)


def target_documents(question: str, docs: list[DocumentMeta]) -> dict[str, float]:
    """doc_id -> weight in [0, 1] for the documents the question points at (empty: none named)."""
    m = find_mentions(question)
    scores = {d.doc_id: document_match(d, m) for d in docs}
    best = max(scores.values(), default=0.0)
    if best <= 0.5:
        return {}
    return {doc_id: s / best for doc_id, s in scores.items() if s > 0}


# Words that name plans or documents rather than what is asked about.
FRAME_TERMS = set(
    tokenize(
        "piano piani zona pdz ambito ambiti distretto distrettuale documento documenti slide "
        "presentazione triennio biennio secondo prevede previsto cremona crema casalasco cremonese "
        "cremasco casalmaggiore regione regionale lombardia workshop "
        # question scaffolding: verbs and adverbs that say how to ask, not what
        "vuole vogliono intende intendono puo possono deve devono dovrebbe trovare portare dentro "
        "fare fatto riguardo rispetto particolare cosa modo quale quali spiegami dimmi ricostruiscimi "
        "servono serve mi ci c'e ce esiste esistono indicato indicata viene vengono emerso emersa "
        "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre"
    )
)


def is_frame_term(token: str) -> bool:
    """True for index terms that name a plan or the question's scaffolding."""
    return token in FRAME_TERMS or any(rx.search(token) for rx in AMBITO_PATTERNS.values())


def without_plan_dates(question: str) -> str:
    """The question with its period and date mentions ("2015-2017", "24 novembre 2015") blanked.

    Those name the plan or slide deck, which targeting already uses; other
    numbers ("primavera 2018", "Obiettivo 9") are content and stay.
    """
    q = fold(question)
    for rx in (_PERIOD, _DATE, _MONTH_YEAR):
        q = rx.sub(" ", q)
    return q


def content_query(question: str) -> list[str]:
    """Index terms of ``question`` without the words that only name plans or dates."""
    return [t for t in tokenize(without_plan_dates(question)) if not is_frame_term(t)]
