"""A persistent embedding cache: never embed the same text twice with the same model.

Vectors are kept in one SQLite file in the data dir (``<data_dir>/cache/embeddings.sqlite3``),
keyed by ``sha256(model id + NUL + text)`` and stored as float32 blobs, so a
vector read back is bit-identical to the one the model produced (our embedders
compute in float32). Re-ingesting after a change of normalisation or chunking,
or uploading a new version of a plan, embeds only the passages whose exact text
is new.

The key includes the model id, so changing the model never returns another
model's vector. SQLite in WAL mode makes the file safe to share between
processes; inside a process one connection is shared under a lock (lookups and
writes are short). The cache is an optimisation: if the file cannot be read or
written, embedding goes on without it and the failure is logged and counted.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from ingest.embeddings import Embedder

log = logging.getLogger(__name__)

CACHE_FILENAME = "embeddings.sqlite3"
# SQLite's historical limit on bound parameters is 999; stay under it per statement
_LOOKUP_BATCH = 900

_SCHEMA = """
CREATE TABLE IF NOT EXISTS embeddings (
    key     BLOB PRIMARY KEY,   -- sha256(model id NUL text)
    model   TEXT NOT NULL,      -- kept for maintenance (purge a model)
    dim     INTEGER NOT NULL,
    vector  BLOB NOT NULL,      -- float32, native little-endian
    created REAL NOT NULL
) WITHOUT ROWID
"""


def cache_key(model: str, text: str) -> bytes:
    """Key of ``text`` embedded by ``model``."""
    return hashlib.sha256(model.encode("utf-8") + b"\x00" + text.encode("utf-8")).digest()


def _to_blob(vector: Sequence[float]) -> bytes:
    return np.asarray(vector, dtype="<f4").tobytes()


def _from_blob(blob: bytes) -> list[float]:
    return np.frombuffer(blob, dtype="<f4").tolist()


class EmbeddingCache:
    """Vectors by (model id, text) in one SQLite file; the file is opened on first use."""

    def __init__(self, path: Path, *, timeout_s: float = 30.0) -> None:
        if timeout_s <= 0:
            raise ValueError("timeout_s must be positive")
        self.path = Path(path)
        self._timeout = timeout_s
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    def _connect(self) -> sqlite3.Connection:
        # called with the lock held
        if self._conn is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(
                self.path, timeout=self._timeout, check_same_thread=False, isolation_level=None
            )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute(_SCHEMA)
            self._conn = conn
        return self._conn

    def get_many(self, model: str, texts: Sequence[str]) -> list[list[float] | None]:
        """Cached vectors of ``texts`` (None where absent), in input order."""
        keys = [cache_key(model, t) for t in texts]
        found: dict[bytes, bytes] = {}
        with self._lock:
            conn = self._connect()
            unique = list(dict.fromkeys(keys))
            for i in range(0, len(unique), _LOOKUP_BATCH):
                part = unique[i : i + _LOOKUP_BATCH]
                marks = ",".join("?" * len(part))
                rows = conn.execute(f"SELECT key, vector FROM embeddings WHERE key IN ({marks})", part)
                found.update((bytes(k), bytes(v)) for k, v in rows)
        return [_from_blob(found[k]) if k in found else None for k in keys]

    def put_many(self, model: str, items: Sequence[tuple[str, Sequence[float]]]) -> None:
        """Store ``(text, vector)`` pairs in one transaction (existing keys are kept)."""
        if not items:
            return
        now = time.time()
        rows = [(cache_key(model, t), model, len(v), _to_blob(v), now) for t, v in items]
        with self._lock:
            conn = self._connect()
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.executemany(
                    "INSERT OR IGNORE INTO embeddings (key, model, dim, vector, created) VALUES (?, ?, ?, ?, ?)",
                    rows,
                )
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def count(self, model: str | None = None) -> int:
        """Number of cached vectors (of one model, or all)."""
        with self._lock:
            conn = self._connect()
            if model is None:
                row = conn.execute("SELECT COUNT(*) FROM embeddings").fetchone()
            else:
                row = conn.execute("SELECT COUNT(*) FROM embeddings WHERE model = ?", (model,)).fetchone()
        return int(row[0])

    def purge(self, *, keep_model: str) -> int:
        """Delete the vectors of every model but ``keep_model``; returns how many went."""
        with self._lock:
            conn = self._connect()
            cur = conn.execute("DELETE FROM embeddings WHERE model != ?", (keep_model,))
        return cur.rowcount

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None


@dataclass(frozen=True)
class CacheStats:
    """Counters since construction (or the last :meth:`CachedEmbedder.reset_stats`)."""

    hits: int = 0  # passages served from the cache (or repeated within one call)
    misses: int = 0  # passages actually embedded
    query_hits: int = 0
    query_misses: int = 0
    errors: int = 0  # cache reads/writes that failed (embedding went on without the cache)

    @property
    def hit_rate(self) -> float:
        total = self.hits + self.misses
        return self.hits / total if total else 0.0


class CachedEmbedder:
    """Any :class:`Embedder` behind a persistent passage cache and a small in-memory query LRU."""

    def __init__(self, inner: Embedder, cache: EmbeddingCache, *, query_cache_size: int = 256) -> None:
        if query_cache_size < 0:
            raise ValueError("query_cache_size must be >= 0")
        self.inner = inner
        self.cache = cache
        self.name = inner.name
        # the cache key: a more precise id when the embedder has one (e.g. engine version)
        self.model_id: str = str(getattr(inner, "model_id", inner.name))
        self._query_size = query_cache_size
        self._queries: OrderedDict[str, list[float]] = OrderedDict()
        self._lock = threading.Lock()
        self._stats = CacheStats()

    @property
    def stats(self) -> CacheStats:
        return self._stats

    def reset_stats(self) -> None:
        with self._lock:
            self._stats = CacheStats()

    def _count(self, **delta: int) -> None:
        with self._lock:
            s = self._stats
            self._stats = replace(s, **{k: getattr(s, k) + n for k, n in delta.items()})

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        texts = list(texts)
        if not texts:
            return []
        try:
            cached = self.cache.get_many(self.model_id, texts)
        except sqlite3.Error as exc:
            log.warning("embedding cache unreadable (%s): %s", self.cache.path, exc)
            self._count(errors=1)
            cached = [None] * len(texts)
        # each distinct missing text is embedded once, in first-seen order
        missing = list(dict.fromkeys(t for t, v in zip(texts, cached, strict=True) if v is None))
        fresh: dict[str, list[float]] = {}
        if missing:
            vectors = self.inner.embed_documents(missing)
            fresh = dict(zip(missing, vectors, strict=True))
            try:
                self.cache.put_many(self.model_id, list(fresh.items()))
            except sqlite3.Error as exc:
                log.warning("embedding cache not writable (%s): %s", self.cache.path, exc)
                self._count(errors=1)
        self._count(hits=len(texts) - len(missing), misses=len(missing))
        return [v if v is not None else fresh[t] for t, v in zip(texts, cached, strict=True)]

    def embed_query(self, text: str) -> list[float]:
        with self._lock:
            vector = self._queries.get(text)
            if vector is not None:
                self._queries.move_to_end(text)
        if vector is not None:
            self._count(query_hits=1)
            return list(vector)
        vector = self.inner.embed_query(text)
        self._count(query_misses=1)
        if self._query_size:
            with self._lock:
                self._queries[text] = list(vector)
                while len(self._queries) > self._query_size:
                    self._queries.popitem(last=False)
        return vector
