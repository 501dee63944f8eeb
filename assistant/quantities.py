"""Figures in quoted sentences: numbers tied to the asked item, dates for "when" questions.

A quantity question ("Quanti comuni ...", "Quale importo ... nel 2014") is answered by a
sentence holding a number of the asked kind (money, percent) about the asked item: the
counted item and the asked year are in the sentence, its heading or, for a row of figures,
the table header above it. A "when" question is answered by a dated sentence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Protocol, TypeVar

from assistant.analysis import tokenize
from assistant.equivalents import with_equivalents
from assistant.evidence import content_terms, group_labels, has_data_number
from assistant.question import QuestionShape

if TYPE_CHECKING:
    from assistant.citations import Span
    from ingest.schemas import Chunk

DATE = re.compile(
    r"\b(?:19|20)\d\d\b|\b\d{1,2}[/.]\d{1,2}\b|\b\d{1,2}\s+(?:gennaio|febbraio|marzo|aprile|maggio|giugno|luglio|"
    r"agosto|settembre|ottobre|novembre|dicembre)\b", re.I,
)
MONEY_IN_TEXT = re.compile(r"€|\beuro\b|\d\s*(?:mila|k)\b", re.I)
_AMOUNT = re.compile(r"€\s*\d[\d.,]*|\d[\d.,]*\s*(?:€|euro\b|mila\b)", re.I)
_COUNT = re.compile(r"\d[\d.,]*\s*(?:%\s*)?(?:di\s+|dei\s+|delle\s+|degli\s+)?([^\W\d_][\w'’-]*)")
FIGURE_KINDS = ("quantity", "when")
"""Question kinds answered by a figure: a number (quantity) or a date (when)."""


class Quoted(Protocol):
    """A sentence quoted from a passage (:class:`assistant.compose.Candidate`)."""

    text: str
    hit: set[str]
    """The question's terms in the sentence or in its passage's heading."""
    span: Span
    score: float

    @property
    def chunk(self) -> Chunk: ...


Q = TypeVar("Q", bound=Quoted)


def figure_factor(text: str, tokens: set[str], shape: QuestionShape) -> float:
    """Score factor of a sentence by the figure the question asks for (1.0 when it asks for none)."""
    if shape.kind == "when":
        return 1.3 if DATE.search(text) else 0.8
    if shape.kind != "quantity":
        return 1.0
    if not has_data_number(text):
        return 0.6
    factor = 1.3
    if shape.item:  # the counted item is what the number must be about
        factor *= (1.6 if counts_item(text, shape.item) else 1.3) if set(shape.item) & tokens else 0.6
    if shape.money and MONEY_IN_TEXT.search(text):
        factor *= 1.3
    if shape.percent and "%" in text:
        factor *= 1.3
    return factor


def number_tied(c: Quoted, shape: QuestionShape, terms: dict[str, float], min_share: float) -> bool:
    """The sentence holds a number of the asked kind, in a sentence about the asked item.

    "About the item": the counted item ("Quanti *comuni*") and the asked year ("nel 2014"),
    when the question has them, are in the sentence or its heading; the names the question asks
    about ("il progetto Proximus") are in its passage; and the sentence carries ``min_share`` of
    the question's term weight, or counts the item ("20 Comuni").
    """
    if not has_data_number(c.text):
        return False
    money = shape.money and MONEY_IN_TEXT.search(c.text) is not None
    percent = shape.percent and ("%" in c.text or "percent" in c.text.lower())
    if (shape.money or shape.percent) and not (money or percent):
        return False  # "quota" asks an amount or a share: either will do
    item = [t for t in shape.item if t in terms]
    if item and not shape.money and not has_data_number(_AMOUNT.sub(" ", c.text)):
        return False  # "Quante badanti …": an amount in euro does not count them
    about = c.hit | _row_context(c) if is_table_row(c.text) else c.hit
    about = about | (with_equivalents(tokenize(c.text) + list(about)) & set(item))  # "popolazione" counts "abitanti"
    if item and any(t not in about for t in item):
        return False  # "giovani NEET", "minori stranieri": a figure of all the young or all minors is not it
    if any(y not in about for y in shape.years if y in terms):
        return False
    if any(not (title & about) for title in shape.titles if title & terms.keys()):
        return False  # "grazie all'azione «Casa vuoi?»": the figure of another action in the same table is not it
    if shape.names:
        passage = _passage_terms(c.chunk.text, c.chunk.section)
        if any(not (name & passage) for name in shape.names if name & terms.keys()):
            return False  # "Quanto ha ottenuto il progetto Proximus": a figure of a passage about other things
    if item and counts_item(c.text, item):
        return True
    total = sum(terms.values()) or 1.0
    return sum(terms[t] for t in about & terms.keys()) / total >= min_share


@lru_cache(maxsize=512)
def _passage_terms(text: str, section: str) -> frozenset[str]:
    return frozenset(tokenize(text)) | frozenset(tokenize(section))


def holds_figure(c: Quoted, shape: QuestionShape, terms: dict[str, float], min_share: float) -> bool:
    """The sentence holds the asked figure: a number tied to the asked item, or a date of a
    passage that holds every word of each name the question asks about.

    "In che anno è stato firmato il protocollo con il Centro Territoriale Inclusione?": the year of
    another protocol, in a passage that does not name the Centro, is not the asked date.
    """
    if shape.kind == "quantity":
        return number_tied(c, shape, terms, min_share)
    if shape.kind != "when" or DATE.search(c.text) is None:
        return False
    passage = _passage_terms(c.chunk.text, c.chunk.section)
    return all(name <= passage for name in shape.names)


def with_counted_item(terms: dict[str, float], shape: QuestionShape) -> dict[str, float]:
    """``terms`` with the counted item ("Quanti **comuni** …") weighing at least their mean weight.

    The item is what the number must be about, however common its word is in the corpus.
    """
    if not shape.item or not terms:
        return terms
    mean = sum(terms.values()) / len(terms)
    return {t: max(w, mean) if t in shape.item else w for t, w in terms.items()}


def figure_lead(
    ranked: Sequence[Q], shape: QuestionShape, terms: dict[str, float], min_share: float, floor: float = 0.0
) -> Q | None:
    """The best-ranked sentence holding the asked figure (None when the question asks for none).

    For a count ("Quanti comuni …"), a sentence whose number counts the item ("20 Comuni") comes
    before one that only holds a number near the item's words, if it scores at least ``floor``.
    """
    if shape.kind not in FIGURE_KINDS:
        return None
    holding = [c for c in ranked if holds_figure(c, shape, terms, min_share)]
    if shape.kind == "quantity" and shape.item:
        counting = next((c for c in holding if counts_item(c.text, shape.item) and c.score >= floor), None)
        if counting is not None:
            return counting
    return holding[0] if holding else None



def lacks_figure(chosen: Sequence[Quoted], shape: QuestionShape, terms: dict[str, float], min_share: float) -> bool:
    """A quantity or "when" question none of whose quoted sentences holds the asked figure."""
    return shape.kind in FIGURE_KINDS and not any(holds_figure(c, shape, terms, min_share) for c in chosen)


def asked_figure(shape: QuestionShape, about: Sequence[str] = ()) -> str:
    """Italian name of the asked figure ("l'importo richiesto"), referred to the ``about`` phrases if any."""
    what = (
        "la data richiesta" if shape.kind == "when" else "l'importo richiesto" if shape.money
        else "la percentuale richiesta" if shape.percent else "il dato numerico richiesto"
    )
    if about:
        feminine = shape.kind == "when" or (shape.percent and not shape.money)
        what += (" riferita a " if feminine else " riferito a ") + ", ".join(f"«{u}»" for u in about)
    return what


def figure_subject(
    question: str, lead: Quoted, absent: set[str], terms: dict[str, float], item: Sequence[str] = ()
) -> list[str]:
    """What a missing figure should be about: the counted item, then the question's heaviest words,
    that the lead sentence lacks.

    Three at most, as the question says them; ``absent`` terms (reported missing on their own) left out.
    """
    words = dict.fromkeys([*(t for t in item if t in terms), *content_terms(question, terms)])
    subject = [t for t in words if t not in lead.hit and t not in absent]
    ordered = sorted(subject, key=lambda t: (t not in item, -terms[t]))
    return group_labels(question, set(ordered[:3]))


def is_table_row(text: str) -> bool:
    """A row of figures ("F2-Schizofrenia ... 17 93 191 99 400"): its labels are in the header above."""
    numbers = [w for w in text.split() if w[:1].isdigit()]
    return len(numbers) >= 2 and len(numbers) * 3 >= len(text.split())


def _row_context(c: Quoted, before: int = 600) -> set[str]:
    """Index terms of the passage text just above a table row (its header lines, its title)."""
    return set(tokenize(c.chunk.text[max(0, c.span.start - before) : c.span.start]))


def counts_item(text: str, item: Sequence[str]) -> bool:
    """A number directly followed by the counted item ("20 Comuni", "1.254 abitanti")."""
    return any(set(tokenize(m.group(1))) & set(item) for m in _COUNT.finditer(text))
