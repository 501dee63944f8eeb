"""Link objectives of different plans that pursue the same aim, or a related one.

Similarity of two objectives = cosine similarity of their embedded texts
(title, statement, actions, indicators) plus a small bonus for the rare terms
they share (IDF over the two plans' records, of title and actions, Italian
stems): a shared "tutela minori" or "patti" says more than a shared "servizi".
Multilingual-e5 cosines of texts of one domain sit in a narrow band, so a pair
is a candidate only when each objective is among the ``top_k`` best matches of
the other (mutual nearest neighbours, which still lets one objective relate to
two others); candidates above ``related_threshold`` are "correlato", mutual best
matches above ``same_threshold`` "stesso obiettivo". Across periods of one
ambito, objectives of the later plan with a link are "continuato", without one
"nuovo"; those of the earlier plan without one are "abbandonato". Thresholds
were set on ``eval/alignment_gold.json`` (`pdz eval alignment`).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np

from assistant.analysis import tokenize
from assistant.extraction.schema import Objective
from ingest.embeddings import Embedder


@dataclass(frozen=True)
class AlignConfig:
    same_threshold: float = 1.0
    related_threshold: float = 0.933
    top_k: int = 2
    rare_weight: float = 0.1


@dataclass(frozen=True)
class Link:
    source: Objective
    target: Objective
    score: float
    relation: str  # "stesso obiettivo" | "correlato"


def objective_text(o: Objective) -> str:
    return " ".join([o.title, o.statement or "", " ".join(o.actions), " ".join(o.indicators)])[:2000]


def _terms(o: Objective) -> set[str]:
    return set(tokenize(o.title + " " + " ".join(o.actions)))


def rare_overlap(left: list[Objective], right: list[Objective]) -> np.ndarray:
    """Shared terms weighted by IDF over both plans, as a share of the smaller record's weight (0-1)."""
    terms = [_terms(o) for o in left + right]
    df = Counter(t for ts in terms for t in ts)
    idf = {t: math.log(len(terms) / n) for t, n in df.items()}
    weight = [sum(idf[t] for t in ts) for ts in terms]
    out = np.zeros((len(left), len(right)))
    for i in range(len(left)):
        for j in range(len(right)):
            k = len(left) + j
            shared = sum(idf[t] for t in terms[i] & terms[k])
            out[i, j] = shared / (min(weight[i], weight[k]) or 1.0)
    return out


def similarity_matrix(
    left: list[Objective], right: list[Objective], embedder: Embedder, config: AlignConfig | None = None
) -> np.ndarray:
    config = config or AlignConfig()
    if not left or not right:
        return np.zeros((len(left), len(right)))
    vectors = np.array(embedder.embed_documents([objective_text(o) for o in left + right]))
    a, b = vectors[: len(left)], vectors[len(left) :]
    return np.asarray(a @ b.T + config.rare_weight * rare_overlap(left, right))


def _ranks(sim: np.ndarray, axis: int) -> np.ndarray:
    """Rank of each cell along ``axis`` (0 = the best match)."""
    return np.asarray((-sim).argsort(axis=axis, kind="stable").argsort(axis=axis, kind="stable"))


def align(
    left: list[Objective], right: list[Objective], embedder: Embedder, config: AlignConfig | None = None
) -> list[Link]:
    """Links from objectives of ``left`` to objectives of ``right``, best first for each objective of ``left``."""
    config = config or AlignConfig()
    if not left or not right:
        return []
    sim = similarity_matrix(left, right, embedder, config)
    in_row, in_col = _ranks(sim, 1), _ranks(sim, 0)
    links: list[Link] = []
    for i, a in enumerate(left):
        for j in np.argsort(-sim[i], kind="stable"):
            score = float(sim[i, j])
            if score < config.related_threshold:
                break
            if in_row[i, j] >= config.top_k or in_col[i, j] >= config.top_k:
                continue
            mutual = in_row[i, j] == 0 and in_col[i, j] == 0
            relation = "stesso obiettivo" if mutual and score >= config.same_threshold else "correlato"
            links.append(Link(a, right[int(j)], score, relation))
    return links


def continuity(earlier: list[Objective], later: list[Objective], links: list[Link]) -> dict[str, list[Objective]]:
    """Across periods: which objectives continued, are new, or were dropped."""
    linked_earlier = {link.source.objective_id for link in links}
    linked_later = {link.target.objective_id for link in links}
    return {
        "continuato": [o for o in later if o.objective_id in linked_later],
        "nuovo": [o for o in later if o.objective_id not in linked_later],
        "abbandonato": [o for o in earlier if o.objective_id not in linked_earlier],
    }


def indicator_table(links: list[Link]) -> list[dict[str, Any]]:
    """Side by side indicators and targets of linked objectives."""
    return [
        {
            "relation": link.relation,
            "from": f"{link.source.ambito} {link.source.period} · {link.source.label or ''} {link.source.title}".strip(),
            "to": f"{link.target.ambito} {link.target.period} · {link.target.label or ''} {link.target.title}".strip(),
            "from_indicators": link.source.indicators, "to_indicators": link.target.indicators,
            "from_targets": link.source.targets, "to_targets": link.target.targets,
        }
        for link in links
    ]
