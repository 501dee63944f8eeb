"""Hybrid retrieval: Italian BM25 + dense (Chroma), fused, plan- and section-aware.

Steps for a query:
1. lexical ranking (BM25 on stemmed Italian) and dense ranking (Chroma) of
   the live chunks passing the filters;
2. reciprocal-rank fusion of the two rankings (equal fused scores ordered by the chunks' own
   BM25 and cosine scores);
3. the plans the question names (see :mod:`assistant.plans`) are favoured;
4. passages in the same section as a strong passage are lifted, because
   answers usually need several passages of one section;
5. overlapping passages are de-duplicated.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from assistant.analysis import tokenize
from assistant.fusion import FusionConfig, fuse, interleave, raw_strength
from assistant.lexical import Analyser, LexicalIndex, fingerprint
from assistant.passages import PassageConfig, TextOf, assemble
from assistant.plans import PlanRegistry, find_mentions
from ingest.index import ChromaStore, IndexedDocument
from ingest.schemas import Chunk


@dataclass(frozen=True)
class SearchFilters:
    """Restrictions on the documents searched; ``None`` means any."""

    ambito: str | None = None
    period: str | None = None
    kind: str | None = None
    doc_id: str | None = None

    @property
    def empty(self) -> bool:
        return not any((self.ambito, self.period, self.kind, self.doc_id))

    def accepts(self, meta_like: Chunk | Any) -> bool:
        return all(
            want is None or (getattr(meta_like, name) or "").lower() == want.lower()
            for name, want in (
                ("ambito", self.ambito), ("period", self.period), ("kind", self.kind), ("doc_id", self.doc_id)
            )
        )


@dataclass(frozen=True)
class SearchResult:
    rank: int
    score: float
    chunk: Chunk
    similarity: float | None = None
    """Cosine similarity of the query to the passage (dense), when it was a dense candidate."""



class HybridRetriever:
    """Search the live chunks of a :class:`ChromaStore`."""

    def __init__(
        self,
        *,
        store: ChromaStore,
        cache_dir: Path,
        config: FusionConfig | None = None,
        text_of: TextOf | None = None,
        passages: PassageConfig | None = None,
    ) -> None:
        """``text_of(doc_id, version)`` gives canonical texts, so that neighbouring chunks can be
        returned as one exact passage (without it, chunks are returned as they are)."""
        self._store = store
        self._cache_dir = cache_dir
        self.config = config or FusionConfig()
        self.passages = passages or PassageConfig()
        self._text_of = text_of
        self._neighbours: tuple[str, dict[tuple[str, int], Chunk]] | None = None
        self._texts: dict[tuple[str, str], str | None] = {}
        self._lexical: LexicalIndex | None = None
        self._plans: PlanRegistry | None = None
        self._analyser = Analyser(cache_dir)
        self._lock = threading.Lock()

    def state(self) -> tuple[list[IndexedDocument], dict[str, str], LexicalIndex]:
        """Registry, live versions and the matching lexical index (re-assembled when stale).

        Only documents whose version is new are read from the store and analysed; the rest of
        the index is re-used (see :mod:`assistant.lexical`).
        """
        docs = self._store.documents()
        live = {d.meta.doc_id: d.version for d in docs}
        key = fingerprint(live)
        with self._lock:
            if self._lexical is None or self._lexical.key != key:
                parts = [p for p in self._store.live_chunks(docs) if p.chunks]
                encoded = [(p.chunks, self._analyser.encoded(p.version, p.chunks)) for p in parts]
                self._lexical = LexicalIndex.assemble(key, encoded, self._analyser)
                self._plans = PlanRegistry([d.meta for d in docs])
                self._analyser.forget_except(set(live.values()))
            return docs, live, self._lexical

    def plans(self, lexical: LexicalIndex) -> PlanRegistry:
        """The plan names of the registry snapshot ``lexical`` was assembled from."""
        with self._lock:
            if self._lexical is lexical and self._plans is not None:
                return self._plans
        return PlanRegistry([d.meta for d in self._store.documents()])

    def warm_up(self) -> None:
        """Load models and indexes now rather than on the first query."""
        self.state()
        self._store.embedder.embed_query("avvio")

    def search(
        self,
        query: str,
        *,
        k: int = 10,
        filters: SearchFilters | None = None,
        state: tuple[list[IndexedDocument], dict[str, str], LexicalIndex] | None = None,
        passages: PassageConfig | None = None,
    ) -> list[SearchResult]:
        """Best passages for ``query``; ``state`` reuses a registry snapshot taken by the caller,
        ``passages`` overrides how passages are grown."""
        query = query.strip()
        if not query:
            return []
        filters = filters or SearchFilters()
        docs, live, lexical = state or self.state()
        allowed = {d.meta.doc_id for d in docs if filters.accepts(d.meta)}
        if not allowed:
            return []
        chunks = lexical.chunks
        n_candidates = max(self.config.candidates, k)

        plans = self.plans(lexical)
        targets = {} if filters.doc_id else plans.targets(query, [d.meta for d in docs if d.meta.doc_id in allowed])
        # plan names and dates are handled by targeting; in BM25 they only add noise
        tokens = plans.content_query(query) or tokenize(query)
        lex_scores = lexical.scores(tokens)
        mask = lexical.mask(allowed)
        lex_scores = np.where(mask, lex_scores, -1.0)
        order = np.argsort(-lex_scores, kind="stable")[:n_candidates]
        lexical_ranked = [chunks[i] for i in order if lex_scores[i] > 0]
        unit_ranked: list[Chunk] = []
        if self.config.unit_weight > 0:
            unit_scores = lexical.units.chunk_scores(tokens, len(chunks), second=self.config.unit_second)
            unit_scores = np.where(mask, unit_scores, -1.0)
            unit_order = np.argsort(-unit_scores, kind="stable")[:n_candidates]
            unit_ranked = [chunks[i] for i in unit_order if unit_scores[i] > 0]

        where = None if filters.empty else {"doc_id": {"$in": sorted(allowed)}}
        vector = self._store.embedder.embed_query(query)
        dense_hits = self._store.query(vector, n_candidates, live=live, where=where, registry=docs)
        dense_ranked = [c for c, _ in dense_hits]
        similarity = {c.chunk_id: sim for c, sim in dense_hits}

        raw = raw_strength(
            {chunks[i].chunk_id: float(lex_scores[i]) for i in order if lex_scores[i] > 0},
            {c.chunk_id: float(sim) for c, sim in dense_hits},
        )
        fused = fuse(lexical_ranked, dense_ranked, targets=targets, config=self.config, units=unit_ranked, raw=raw)
        text_of = self._cached_text if self._text_of is not None else None
        fused = assemble(fused, neighbours=self._neighbour_map(lexical), text_of=text_of, config=passages or self.passages)
        balanced = self._plans_to_balance(query, targets, fused)
        if len(balanced) >= 2:
            fused = interleave(fused, balanced)
        return [
            SearchResult(rank=i + 1, score=s, chunk=c, similarity=similarity.get(c.chunk_id))
            for i, (c, s) in enumerate(fused[:k])
        ]

    def _neighbour_map(self, lexical: LexicalIndex) -> dict[tuple[str, int], Chunk]:
        """Every live chunk by (doc_id, ordinal); texts of versions no longer live are dropped."""
        if self._neighbours is None or self._neighbours[0] != lexical.key:
            self._neighbours = (lexical.key, {(c.doc_id, c.ordinal): c for c in lexical.chunks})
            with self._lock:
                self._texts = {}
        return self._neighbours[1]

    def canonical_text(self, doc_id: str, version: str) -> str | None:
        """The canonical text of a document version (None when the retriever has no text provider)."""
        return self._cached_text(doc_id, version) if self._text_of is not None else None

    def _cached_text(self, doc_id: str, version: str) -> str | None:
        """The canonical text of a document version, asked of the provider once per version."""
        key = (doc_id, version)
        if key not in self._texts:
            assert self._text_of is not None
            text = self._text_of(doc_id, version)
            with self._lock:
                self._texts[key] = text
        return self._texts[key]

    def _plans_to_balance(self, query: str, targets: dict[str, float], fused: list[tuple[Chunk, float]]) -> list[str]:
        """Plans whose passages should alternate: several named plans, or "quali piani ...?"."""
        order = list(dict.fromkeys(c.doc_id for c, _ in fused))
        named = [d for d in order if targets.get(d, 0.0) >= self.config.balance_min_weight]
        if len(named) >= 2:
            return named
        if find_mentions(query).asks_all_plans:
            return list(dict.fromkeys(c.doc_id for c, _ in fused[: self.config.balance_pool]))
        return []
