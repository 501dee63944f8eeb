"""BM25 over Italian-analysed chunks and their small units, assembled per document version.

Chroma (local mode) has no sparse index, so lexical search is ours. Each live
document version is analysed once (tokens of its chunks and of its units:
paragraphs, list items, table rows) and the analysis is kept on disk under the
version cache (:mod:`assistant.version_cache`), keyed by the version (which hashes the
document id and bytes) and :data:`ANALYSIS_VERSION`. The live index is the concatenation of the analysed
versions (see :mod:`assistant.bm25`): when one document changes only that
document is analysed, and the index is re-assembled from integer arrays.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import shutil
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from assistant.analysis import tokenize
from assistant.bm25 import EncodedRows, SparseBM25, Vocabulary
from assistant.version_cache import VersionCache
from ingest.schemas import Chunk
from ingest.units import Unit, document_units

log = logging.getLogger(__name__)

ANALYSIS_VERSION = "5"
"""Bump when tokenisation or unit splitting changes: cached analyses are then redone."""
_CACHE_NAME = f"lexical-a{ANALYSIS_VERSION}.pkl"


def fingerprint(live: dict[str, str]) -> str:
    payload = json.dumps(sorted(live.items()), separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()[:24]


def unit_index_text(unit: Unit) -> str:
    """What a unit is indexed by: its rendered text with the last two headings of its path as context."""
    context = " ".join(unit.path[-2:])
    return f"{context}\n{unit.rendered}" if context else unit.rendered


def _head(chunk: Chunk) -> str:
    return " · ".join(x for x in (chunk.title, chunk.section) if x)


@dataclass(frozen=True)
class AnalysedVersion:
    """The index terms of one document version: per chunk and per (non-heading) unit."""

    version: str
    chunk_ids: tuple[str, ...]
    chunk_terms: list[list[str]]
    """Terms of the embedded text (title and section as context, then the passage)."""
    text_terms: list[list[str]]
    """Distinct terms of the passage alone (what answers weigh question terms by)."""
    units: list[Unit]
    unit_owner: list[int]
    """Position of each unit's chunk in ``chunk_ids``."""
    unit_terms: list[list[str]]

    @classmethod
    def analyse(cls, version: str, chunks: Sequence[Chunk]) -> AnalysedVersion:
        heads: dict[str, list[str]] = {}
        chunk_terms, text_terms = [], []
        for c in chunks:
            head = _head(c)
            if head not in heads:
                heads[head] = tokenize(head) if head else []
            own = tokenize(c.text)
            chunk_terms.append((heads[head] + own) or ["_"])
            text_terms.append(sorted(set(own)))
        units: list[Unit] = []
        owner: list[int] = []
        for i, chunk_units in enumerate(document_units(chunks)):
            for u in chunk_units:
                if u.kind != "heading":
                    units.append(u)
                    owner.append(i)
        unit_terms = [tokenize(unit_index_text(u)) or ["_"] for u in units]
        return cls(version, tuple(c.chunk_id for c in chunks), chunk_terms, text_terms, units, owner, unit_terms)


@dataclass(frozen=True)
class EncodedVersion:
    """An analysed version encoded against the analyser's vocabularies."""

    analysed: AnalysedVersion
    chunks: EncodedRows
    texts: EncodedRows
    units: EncodedRows


class Analyser:
    """Analyses of document versions: in memory, in the version cache, or computed (in that order)."""

    def __init__(self, cache_dir: Path) -> None:
        self.cache = VersionCache(cache_dir)
        self.terms = Vocabulary()
        self.unit_terms = Vocabulary()
        self._memory: dict[str, EncodedVersion] = {}
        self._lock = threading.Lock()
        for old in cache_dir.glob("lexical-*"):  # whole-corpus caches of earlier releases
            shutil.rmtree(old, ignore_errors=True)

    def encoded(self, version: str, chunks: Sequence[Chunk]) -> EncodedVersion:
        ids = tuple(c.chunk_id for c in chunks)
        got = self._memory.get(version)
        if got is not None and got.analysed.chunk_ids == ids:
            return got
        analysed = self.cache.load(version, _CACHE_NAME)
        if not isinstance(analysed, AnalysedVersion) or analysed.chunk_ids != ids:
            analysed = AnalysedVersion.analyse(version, chunks)
            self.cache.save(version, _CACHE_NAME, analysed)
        encoded = EncodedVersion(
            analysed,
            EncodedRows.encode(analysed.chunk_terms, self.terms),
            EncodedRows.encode(analysed.text_terms, self.terms),
            EncodedRows.encode(analysed.unit_terms, self.unit_terms),
        )
        with self._lock:
            self._memory[version] = encoded
        return encoded

    def forget_except(self, live_versions: set[str]) -> None:
        """Drop what was derived from versions that are no longer live (memory and disk)."""
        with self._lock:
            self._memory = {v: e for v, e in self._memory.items() if v in live_versions}
        self.cache.forget_except(live_versions)


@dataclass
class LexicalIndex:
    """BM25 over the live chunks (in document order) and over their units."""

    key: str
    chunks: list[Chunk]
    doc_ids: list[str]
    """The live documents, in the order their chunks appear."""
    chunk_doc: np.ndarray
    """Position in ``doc_ids`` of each chunk's document."""
    bm25: SparseBM25
    units: UnitIndex
    _text_df: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0))
    _idf: dict[str, float] | None = field(default=None, repr=False)
    _spans: dict[str, tuple[int, int]] | None = field(default=None, repr=False)

    @classmethod
    def assemble(cls, key: str, documents: Sequence[tuple[list[Chunk], EncodedVersion]], analyser: Analyser) -> LexicalIndex:
        """The index of ``documents`` (each: its chunks in order and their encoded analysis)."""
        chunks = [c for doc_chunks, _ in documents for c in doc_chunks]
        doc_ids = [doc_chunks[0].doc_id for doc_chunks, _ in documents if doc_chunks]
        chunk_doc = np.repeat(np.arange(len(doc_ids)), [len(d) for d, _ in documents if d]).astype(np.int32)
        bm25 = SparseBM25(EncodedRows.concat([e.chunks for _, e in documents]), analyser.terms)
        texts = EncodedRows.concat([e.texts for _, e in documents])
        text_df = np.bincount(texts.term_ids, minlength=len(analyser.terms))
        offsets = np.cumsum([0] + [len(d) for d, _ in documents[:-1]]).tolist() if documents else []
        owner = np.concatenate(
            [np.zeros(0, np.int64)]
            + [np.asarray(e.analysed.unit_owner, np.int64) + o for (_, e), o in zip(documents, offsets, strict=True)]
        )
        units = UnitIndex(
            [u for _, e in documents for u in e.analysed.units],
            owner,
            SparseBM25(EncodedRows.concat([e.units for _, e in documents]), analyser.unit_terms),
        )
        return cls(key, chunks, doc_ids, chunk_doc, bm25, units, text_df)

    def scores(self, tokens: list[str]) -> np.ndarray:
        """BM25 score of every chunk for the analysed query ``tokens``."""
        return self.bm25.scores(tokens)

    def document_chunks(self, doc_id: str) -> list[Chunk]:
        """The live chunks of one document, in order (they are contiguous in ``chunks``)."""
        if self._spans is None:
            bounds = np.searchsorted(self.chunk_doc, np.arange(len(self.doc_ids) + 1))
            self._spans = {d: (int(bounds[i]), int(bounds[i + 1])) for i, d in enumerate(self.doc_ids)}
        start, end = self._spans.get(doc_id, (0, 0))
        return self.chunks[start:end]

    def mask(self, allowed: set[str]) -> np.ndarray:
        """True for the chunks of the ``allowed`` documents."""
        keep = np.array([d in allowed for d in self.doc_ids], dtype=bool)
        return keep[self.chunk_doc] if keep.size else np.zeros(0, dtype=bool)

    @property
    def idf(self) -> dict[str, float]:
        """IDF of every term of the chunks' text (what answers weigh question terms by)."""
        if self._idf is None:
            n = max(len(self.chunks), 1)
            df = self._text_df
            self._idf = {
                t: math.log(1 + (n - float(df[i]) + 0.5) / (float(df[i]) + 0.5))
                for t, i in self.bm25.vocab.items()
                if i < len(df) and df[i] > 0
            }
        return self._idf


@dataclass
class UnitIndex:
    """BM25 over units (paragraphs, list items, table rows); headings are context, not units."""

    units: list[Unit]
    owner: np.ndarray
    """Index of each unit's chunk in the owning :class:`LexicalIndex`."""
    bm25: SparseBM25

    def scores(self, tokens: list[str]) -> np.ndarray:
        return self.bm25.scores(tokens)

    def chunk_scores(self, tokens: list[str], n_chunks: int, *, second: float = 0.5) -> np.ndarray:
        """Per chunk: its best unit's score plus ``second`` times the next best."""
        scores = self.scores(tokens)
        best = np.zeros(n_chunks, dtype=np.float32)
        runner_up = np.zeros(n_chunks, dtype=np.float32)
        hit = np.flatnonzero(scores > 0)
        if hit.size:
            owners, values = self.owner[hit], scores[hit]
            order = np.lexsort((-values, owners))  # by chunk, best first
            owners, values = owners[order], values[order]
            first = np.r_[True, owners[1:] != owners[:-1]]
            following = np.r_[False, first[:-1]] & ~first
            best[owners[first]] = values[first]
            runner_up[owners[following]] = values[following]
        return best + second * runner_up
