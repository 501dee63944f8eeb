"""Reads of the live chunks, per document version, and exact dense search (a part of ``ChromaStore``).

The chunks of a live version (text, metadata and vectors) are read from
Chroma once and kept in memory as a :class:`VersionChunks`; only a version that
is new, or whose embedding progressed (phase 2), is read again. Everything that
needs all live chunks (the lexical index, dense search, neighbours) assembles
them from these parts, so one changed document costs one document's read.

Dense search is exact: Chroma's HNSW search is approximate and its neighbours
change from one process to the next, so the live vectors are scored by
brute-force cosine (tens of thousands of 384-dimension vectors cost a few
milliseconds) and ties break on the chunk id: the same query gives the same
ranking in every process. Chunks still waiting for their vector (phase 2 of an
ingestion) are left out of dense search.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ingest.records import IndexedDocument, chunk_from_record, get_all
from ingest.schemas import Chunk


@dataclass(frozen=True)
class VersionChunks:
    """The chunks of one document version in document order, with their unit vectors."""

    doc_id: str
    version: str
    embedded: int
    """The registry's count of embedded chunks when this was read (what makes it outdated)."""
    chunks: list[Chunk]
    vectors: np.ndarray
    """Unit-length vectors of the chunks that have one, in the order of ``with_vector``."""
    with_vector: np.ndarray
    """Positions in ``chunks`` of the chunks that have their real vector."""

    def current_for(self, doc: IndexedDocument) -> bool:
        return doc.version == self.version and doc.embedded_chunks == self.embedded


@dataclass(frozen=True)
class _DenseMatrix:
    key: tuple[tuple[str, int], ...]
    chunks: list[Chunk]
    ids: list[str]
    doc_codes: np.ndarray
    """Per row, the position of its document in ``doc_ids``."""
    doc_ids: list[str]
    matrix: np.ndarray


def _only_documents(where: dict[str, Any] | None) -> set[str] | None:
    """The doc ids of a ``{"doc_id": ...}`` / ``{"doc_id": {"$in": [...]}}`` filter, else None."""
    if not where or set(where) != {"doc_id"}:
        return None
    value = where["doc_id"]
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict) and set(value) == {"$in"}:
        return {str(v) for v in value["$in"]}
    return None


class LiveChunksMixin:
    """``live_chunks``, ``chunks`` and ``query`` over per-version reads of the chunk collection."""

    if TYPE_CHECKING:
        _chunks: Any

        def _connect(self) -> None: ...

        def documents(self) -> list[IndexedDocument]: ...

        @staticmethod
        def _live_filter(live: dict[str, str]) -> dict[str, Any]: ...

    _versions: dict[str, VersionChunks]
    _versions_lock: threading.Lock
    _dense: _DenseMatrix | None

    def _init_live(self) -> None:
        self._versions = {}
        self._versions_lock = threading.Lock()
        self._dense = None

    def live_chunks(self, docs: Sequence[IndexedDocument]) -> list[VersionChunks]:
        """The chunks of ``docs`` (registry entries), read from the store only when new or outdated.

        Concurrent callers share one read; versions not in ``docs`` are forgotten.
        """
        self._connect()
        with self._versions_lock:
            out = []
            for doc in docs:
                part = self._versions.get(doc.version)
                if part is None or not part.current_for(doc):
                    part = self._read_version(doc)
                out.append(part)
            self._versions = {p.version: p for p in out}
            return out

    def _read_version(self, doc: IndexedDocument) -> VersionChunks:
        got = get_all(self._chunks, where={"version": doc.version}, include=["documents", "metadatas", "embeddings"])
        rows = [
            (chunk_from_record(cid, text, md), md.get("embedded", True) is not False, i)
            for i, (cid, text, md) in enumerate(zip(got["ids"], got["documents"], got["metadatas"], strict=True))
            # indexes written before versions included the doc id may share a version between documents
            if str(md["doc_id"]) == doc.meta.doc_id
        ]
        rows.sort(key=lambda r: r[0].ordinal)
        vectors = np.asarray(got.get("embeddings", []), dtype=np.float32).reshape(len(got["ids"]), -1)
        with_vector = np.array([p for p, (_, has, _) in enumerate(rows) if has], dtype=np.int64)
        matrix = vectors[[rows[p][2] for p in with_vector]] if with_vector.size else np.zeros((0, vectors.shape[1]), np.float32)
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        matrix = (matrix / np.where(norms > 0, norms, 1.0)).astype(np.float32)
        return VersionChunks(doc.meta.doc_id, doc.version, doc.embedded_chunks, [r[0] for r in rows], matrix, with_vector)

    def chunks(self, doc_id: str | None = None) -> list[Chunk]:
        """Live chunks (of one document or all), in document order."""
        docs = [d for d in self.documents() if doc_id is None or d.meta.doc_id == doc_id]
        return [c for part in self.live_chunks(docs) for c in part.chunks]

    def query(
        self,
        vector: list[float],
        k: int,
        *,
        live: dict[str, str],
        where: dict[str, Any] | None = None,
        registry: Sequence[IndexedDocument] | None = None,
    ) -> list[tuple[Chunk, float]]:
        """Nearest live chunks to ``vector`` with their cosine similarity, exact and deterministic.

        ``live`` is the caller's snapshot of the live versions: a document whose version has
        changed since is left out rather than mixed in. ``where`` is a Chroma filter.
        ``registry`` is the registry snapshot the caller already holds (else it is read).
        """
        self._connect()
        if not live or k <= 0:
            return []
        docs = [d for d in (registry or self.documents()) if live.get(d.meta.doc_id) == d.version]
        dense = self._dense_matrix(self.live_chunks(docs))
        if not dense.ids:
            return []
        documents = _only_documents(where)
        rows = np.arange(len(dense.ids))
        if documents is not None:
            wanted = np.array([d in documents for d in dense.doc_ids], dtype=bool)
            rows = rows[wanted[dense.doc_codes]]
        elif where:
            allowed = set(get_all(self._chunks, where={"$and": [self._live_filter(live), where]}, include=[])["ids"])
            rows = np.array([i for i, cid in enumerate(dense.ids) if cid in allowed], dtype=np.int64)
        if rows.size == 0:
            return []
        q = np.asarray(vector, dtype=np.float32)
        q = q / (float(np.linalg.norm(q)) or 1.0)
        sims = dense.matrix[rows] @ q if rows.size < len(dense.ids) else dense.matrix @ q
        # the k best (plus a margin for ties) by partial selection, then an exact order; rounding
        # away float noise makes ties break on the id, identically in every process
        head = min(rows.size, k + 32)
        best = np.argpartition(-sims, head - 1)[:head] if head < rows.size else np.arange(rows.size)
        order = sorted(best.tolist(), key=lambda j: (-round(float(sims[j]), 6), dense.ids[rows[j]]))[:k]
        return [(dense.chunks[rows[j]], float(sims[j])) for j in order]

    def _dense_matrix(self, parts: list[VersionChunks]) -> _DenseMatrix:
        """All the vectors of ``parts`` as one matrix, assembled again only when a part changed."""
        key = tuple((p.version, p.embedded) for p in parts)
        dense = self._dense
        if dense is not None and dense.key == key:
            return dense
        chunks = [p.chunks[i] for p in parts for i in p.with_vector]
        dims = next((p.vectors.shape[1] for p in parts if p.vectors.size), 0)
        matrix = np.concatenate([p.vectors for p in parts if p.vectors.size]) if dims else np.zeros((0, 0), np.float32)
        doc_ids = [p.doc_id for p in parts]
        codes = np.repeat(np.arange(len(parts)), [len(p.with_vector) for p in parts]).astype(np.int32)
        dense = _DenseMatrix(key, chunks, [c.chunk_id for c in chunks], codes, doc_ids, matrix)
        self._dense = dense
        return dense
