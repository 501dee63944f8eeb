"""BM25 over a sparse term matrix assembled from per-document parts.

The live index is a concatenation of documents, each analysed once per
version. A document's rows are encoded against a grow-only vocabulary (term ids
never change), so assembling the index after one document changes costs one
concatenation of integer arrays, not a re-analysis of the corpus.

Scores follow BM25 as Lucene computes it (what ``bm25s`` calls ``lucene``):
``idf = ln(1 + (N - df + 0.5) / (df + 0.5))`` and
``tf / (tf + k1 * (1 - b + b * dl / avgdl))``; a query term given twice counts twice.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

K1 = 1.2
B = 0.75


class Vocabulary:
    """Term -> id, grow-only and safe to share between threads."""

    def __init__(self) -> None:
        self._ids: dict[str, int] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._ids)

    def get(self, term: str) -> int | None:
        return self._ids.get(term)

    def ids(self, terms: Sequence[str]) -> list[int]:
        """Ids of ``terms``, adding the new ones."""
        missing = [t for t in terms if t not in self._ids]
        if missing:
            with self._lock:
                for t in missing:
                    self._ids.setdefault(t, len(self._ids))
        return [self._ids[t] for t in terms]

    def items(self) -> list[tuple[str, int]]:
        return list(self._ids.items())


@dataclass(frozen=True)
class EncodedRows:
    """Rows (documents of BM25) as CSR parts: per row its distinct term ids and their counts."""

    indptr: np.ndarray
    term_ids: np.ndarray
    counts: np.ndarray

    @property
    def n_rows(self) -> int:
        return len(self.indptr) - 1

    @classmethod
    def encode(cls, rows: Sequence[Sequence[str]], vocab: Vocabulary) -> EncodedRows:
        indptr = [0]
        ids: list[int] = []
        counts: list[int] = []
        for terms in rows:
            counted = Counter(terms)
            ids.extend(vocab.ids(list(counted)))
            counts.extend(counted.values())
            indptr.append(len(ids))
        return cls(np.asarray(indptr, np.int64), np.asarray(ids, np.int32), np.asarray(counts, np.float32))

    @classmethod
    def concat(cls, parts: Sequence[EncodedRows]) -> EncodedRows:
        if not parts:
            return cls(np.zeros(1, np.int64), np.zeros(0, np.int32), np.zeros(0, np.float32))
        offsets = np.cumsum([0] + [int(p.indptr[-1]) for p in parts[:-1]])
        indptr = np.concatenate([np.zeros(1, np.int64)] + [p.indptr[1:] + o for p, o in zip(parts, offsets, strict=True)])
        return cls(indptr, np.concatenate([p.term_ids for p in parts]), np.concatenate([p.counts for p in parts]))


class SparseBM25:
    """BM25 scores of a fixed set of rows for queries given as terms."""

    def __init__(self, rows: EncodedRows, vocab: Vocabulary, *, k1: float = K1, b: float = B) -> None:
        self.vocab = vocab
        self.n = rows.n_rows
        width = max(len(vocab), int(rows.term_ids.max()) + 1 if rows.term_ids.size else 0)
        matrix = sparse.csr_matrix((rows.counts, rows.term_ids, rows.indptr), shape=(self.n, width))
        self._columns = matrix.tocsc()
        self.df = np.bincount(rows.term_ids, minlength=width).astype(np.float32)
        lengths = np.asarray(matrix.sum(axis=1)).ravel().astype(np.float32)
        average = float(lengths.mean()) if self.n else 1.0
        self._norm = (k1 * (1 - b + b * lengths / (average or 1.0))).astype(np.float32)
        self._idf = np.log(1 + (self.n - self.df + 0.5) / (self.df + 0.5)).astype(np.float32)

    def scores(self, terms: Sequence[str]) -> np.ndarray:
        """Score of every row (0 where no term occurs)."""
        out = np.zeros(self.n, dtype=np.float32)
        for term in terms:
            t = self.vocab.get(term)
            if t is None or t >= len(self.df) or self.df[t] == 0:
                continue
            start, end = self._columns.indptr[t], self._columns.indptr[t + 1]
            rows = self._columns.indices[start:end]
            tf = self._columns.data[start:end]
            out[rows] += self._idf[t] * tf / (tf + self._norm[rows])
        return out
