"""Exact dense search over the live chunk embeddings (a part of ``ChromaStore``).

Chroma's HNSW search is approximate and its neighbours change from one process
to the next; brute-force cosine over the live embeddings (read once per set of
live versions, paged) is exact, fast at this size and gives the same ranking in
every process, ties broken on the chunk id. Chunks still waiting for their
vector (phase 2 of an ingestion) are left out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ingest.records import chunk_from_record, get_all
from ingest.schemas import Chunk


class DenseSearchMixin:
    """``query`` and its snapshot of the live embeddings."""

    if TYPE_CHECKING:
        _chunks: Any

        def _connect(self) -> None: ...

        @staticmethod
        def _live_filter(live: dict[str, str]) -> dict[str, Any]: ...

    def query(
        self,
        vector: list[float],
        k: int,
        *,
        live: dict[str, str],
        where: dict[str, Any] | None = None,
    ) -> list[tuple[Chunk, float]]:
        """Nearest live chunks to ``vector`` with their cosine similarity, exact and deterministic.

        HNSW search is approximate and may return different neighbours from one
        process to the next, so the live chunks' stored embeddings are read once
        per set of live versions and scored by brute-force cosine (a few thousand
        384-dimension vectors cost well under a millisecond). Ties break on the
        chunk id, so the same query always gives the same ranking.
        """

        self._connect()
        if not live or k <= 0:
            return []
        key = tuple(sorted(live.items()))
        cached = getattr(self, "_dense_cache", None)
        # while some live chunk awaits its vector (phase 2), the snapshot is valid only as long
        # as the number of such chunks is unchanged
        if cached is not None and cached[0] == key and cached[4] and self._pending_count(live) != cached[4]:
            cached = None
        if cached is None or cached[0] != key:
            got = get_all(self._chunks, where=self._live_filter(live), include=["documents", "metadatas", "embeddings"])
            vectors = np.asarray(got["embeddings"], dtype=np.float32).reshape(len(got["ids"]), -1)
            # chunks still carrying the placeholder vector are left out of dense search
            keep = [i for i, md in enumerate(got["metadatas"]) if md.get("embedded", True) is not False]
            ids = [got["ids"][i] for i in keep]
            records = [chunk_from_record(got["ids"][i], got["documents"][i], got["metadatas"][i]) for i in keep]
            matrix = vectors[keep] if keep else np.zeros((0, vectors.shape[1] if vectors.ndim == 2 else 0), np.float32)
            norms = np.linalg.norm(matrix, axis=1, keepdims=True)
            matrix = (matrix / np.where(norms > 0, norms, 1.0)).astype(np.float32)
            cached = (key, ids, records, matrix, len(got["ids"]) - len(keep))
            self._dense_cache = cached
        _, ids, records, matrix, _ = cached
        if not ids:
            return []
        rows = np.arange(len(ids))
        if where:
            allowed = set(get_all(self._chunks, where={"$and": [self._live_filter(live), where]}, include=[])["ids"])
            rows = np.array([i for i, cid in enumerate(ids) if cid in allowed], dtype=np.int64)
            if rows.size == 0:
                return []
        q = np.asarray(vector, dtype=np.float32)
        q = q / (float(np.linalg.norm(q)) or 1.0)
        sims = matrix[rows] @ q
        # round away float noise so that ties break on the id, identically in every process
        # the k best (plus a margin for ties) by partial selection, then an exact, deterministic order
        head = min(rows.size, k + 32)
        best = np.argpartition(-sims, head - 1)[:head] if head < rows.size else np.arange(rows.size)
        order = sorted(best.tolist(), key=lambda j: (-round(float(sims[j]), 6), ids[rows[j]]))[:k]
        return [(records[rows[j]], float(sims[j])) for j in order]


    def _pending_count(self, live: dict[str, str]) -> int:
        where = {"$and": [self._live_filter(live), {"embedded": False}]}
        return len(get_all(self._chunks, where=where, include=[])["ids"])
