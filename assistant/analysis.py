"""Italian text analysis for lexical search: folding, stop words, Snowball stemming.

Numbers, codes and abbreviations survive as tokens (``isee``, ``rsa``, ``A.R.C.A.`` -> ``arca``,
``2015-2017`` -> ``2015``, ``2017``, ``2015-2017``); only plain words are stemmed.
"""

from __future__ import annotations

import functools
import re
import unicodedata

import Stemmer
from bm25s.stopwords import STOPWORDS_ITALIAN

# Elided forms ("dell'", "nell'", "com'è") and a few words too common in these plans to discriminate.
_EXTRA_STOPWORDS = {
    "dell", "dall", "nell", "sull", "all", "coll", "quell", "quest", "com", "un", "l", "d", "c", "s", "m", "t",
    "po", "cosa", "cos", "come", "quali", "quale", "qual", "quanti", "quante", "quanto", "chi", "dove", "quando", "perche",
    "secondo", "ovvero", "oppure", "ogni", "tale", "tali", "essere", "viene", "vengono", "puo", "possono",
}
_TOKEN = re.compile(r"\d+(?:[.,/-]\d+)*|[^\W\d_]+", re.UNICODE)
_DOTTED = re.compile(r"(?<![\w.])(?:[^\W\d_]\.){2,}(?:[^\W\d_](?![\w]))?", re.UNICODE)
"""An acronym written with dots ("A.R.C.A.", "A.S.L."): one token, as if written without them."""


# combining marks (Unicode's combining blocks), dropped after decomposition
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+")


def fold(text: str) -> str:
    """Lower case without accents (``Città`` -> ``citta``)."""
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text.lower()))


STOPWORDS = frozenset({fold(w) for w in STOPWORDS_ITALIAN} | _EXTRA_STOPWORDS)


@functools.lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("italian")


@functools.lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    return _stemmer().stemWord(word)


def tokenize(text: str) -> list[str]:
    """Index terms of ``text``."""
    out: list[str] = []
    folded = _DOTTED.sub(lambda m: m.group().replace(".", "") + " ", fold(text))
    for m in _TOKEN.finditer(folded):
        tok = m.group()
        if tok[0].isdigit():
            out.append(tok)
            parts = re.split(r"[.,/-]", tok)
            if len(parts) > 1 and not re.fullmatch(r"\d{1,3}(\.\d{3})+", tok):
                out.extend(p for p in parts if p)
            continue
        if tok in STOPWORDS or len(tok) < 2:
            continue
        out.append(tok if len(tok) <= 3 else _stem(tok))
    return out
