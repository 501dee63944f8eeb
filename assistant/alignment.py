"""Link objectives of different plans that pursue the same aim.

Similarity of two objectives = mean of (a) cosine similarity of their
embedded texts (title, statement, actions, indicators) and (b) a lexical
score on the Italian-analysed titles and actions (rapidfuzz token-set ratio).
A pair is "stesso obiettivo" (same aim) when it is the mutual best match above
``same_threshold``, "correlato" (related) above ``related_threshold``.
Across periods of one ambito, objectives of the later plan with a link are
"continuato", without one "nuovo"; those of the earlier plan without one are
"abbandonato". Thresholds were set on ``eval/alignment_gold.json``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from rapidfuzz import fuzz

from assistant.analysis import tokenize
from assistant.extraction.schema import Objective
from ingest.embeddings import Embedder


@dataclass(frozen=True)
class AlignConfig:
    same_threshold: float = 0.9
    related_threshold: float = 0.85


@dataclass(frozen=True)
class Link:
    source: Objective
    target: Objective
    score: float
    relation: str  # "stesso obiettivo" | "correlato"

    def to_dict(self) -> dict[str, Any]:
        def side(o: Objective) -> dict[str, Any]:
            return {
                "objective_id": o.objective_id, "doc_id": o.doc_id, "ambito": o.ambito, "period": o.period, "area": o.area,
                "label": o.label, "title": o.title, "source": o.source, "page": o.page, "section": o.section,
                "char_start": o.char_start, "char_end": o.char_end, "indicators": o.indicators, "targets": o.targets,
            }

        return {"relation": self.relation, "score": round(self.score, 4), "from": side(self.source), "to": side(self.target)}


def objective_text(o: Objective) -> str:
    return " ".join([o.title, o.statement or "", " ".join(o.actions), " ".join(o.indicators)])[:2000]


def _lexical(a: Objective, b: Objective) -> float:
    ta = " ".join(tokenize(a.title + " " + " ".join(a.actions)))
    tb = " ".join(tokenize(b.title + " " + " ".join(b.actions)))
    return fuzz.token_set_ratio(ta, tb) / 100.0


def similarity_matrix(left: list[Objective], right: list[Objective], embedder: Embedder) -> np.ndarray:
    if not left or not right:
        return np.zeros((len(left), len(right)))
    vectors = np.array(embedder.embed_documents([objective_text(o) for o in left + right]))
    a, b = vectors[: len(left)], vectors[len(left) :]
    dense = a @ b.T
    lexical = np.array([[_lexical(x, y) for y in right] for x in left])
    return (dense + lexical) / 2.0


def align(
    left: list[Objective], right: list[Objective], embedder: Embedder, config: AlignConfig | None = None
) -> list[Link]:
    """Links from objectives of ``left`` to objectives of ``right``."""
    config = config or AlignConfig()
    sim = similarity_matrix(left, right, embedder)
    links: list[Link] = []
    for i, a in enumerate(left):
        if not right:
            break
        j = int(np.argmax(sim[i]))
        score = float(sim[i, j])
        if score < config.related_threshold:
            continue
        mutual = int(np.argmax(sim[:, j])) == i
        relation = "stesso obiettivo" if mutual and score >= config.same_threshold else "correlato"
        links.append(Link(a, right[j], score, relation))
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
