"""Words of the social-planning domain that name the same people or things.

A question says "abitanti" where a plan says "popolazione residente", "immigrati" where it
says "stranieri". Evidence checks (a required word, the item a number counts) accept a word
of the same group. The groups are general vocabulary of the field, never a plan's phrasing,
and only words that denote the same set: "bambini" is not "minori" (a part of them).
"""

from __future__ import annotations

from collections.abc import Collection

from assistant.analysis import tokenize

GROUPS: tuple[tuple[str, ...], ...] = (
    ("abitanti", "residenti", "popolazione"),
    ("stranieri", "immigrati", "migranti"),
    ("anziani", "ultrasessantacinquenni"),
    ("famiglie", "nuclei"),
    ("utenti", "beneficiari"),
    ("minori", "minorenni"),
    ("cooperative", "coop"),
)


def _index() -> dict[str, frozenset[str]]:
    out: dict[str, frozenset[str]] = {}
    for group in GROUPS:
        tokens = frozenset(t for word in group for t in tokenize(word))
        for t in tokens:
            out[t] = tokens
    return out


_EQUIVALENT = _index()


def with_equivalents(tokens: Collection[str]) -> set[str]:
    """``tokens`` and every index term of the same group as one of them."""
    out = set(tokens)
    for t in tokens:
        out |= _EQUIVALENT.get(t, frozenset())
    return out
