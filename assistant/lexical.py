"""BM25 over Italian-analysed chunks, kept as a derived, persisted cache.

Chroma (local mode) has no sparse index, so the lexical index is rebuilt from
the live chunks stored in Chroma whenever the set of live document versions
changes, and saved under the cache folder keyed by that set (a fingerprint).
Any ingest or removal, from this process or another one sharing a Chroma
server, changes the fingerprint, so the cache cannot go stale.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import bm25s
import numpy as np

from assistant.analysis import tokenize
from ingest.index import embedding_text
from ingest.schemas import Chunk
from ingest.units import Unit, document_units

log = logging.getLogger(__name__)
logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs every index build at DEBUG


def fingerprint(live: dict[str, str]) -> str:
    payload = json.dumps(sorted(live.items()), separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()[:24]


@dataclass
class LexicalIndex:
    """BM25 scores for a fixed list of chunks."""

    key: str
    chunks: list[Chunk]
    bm25: bm25s.BM25 | None
    _idf: dict[str, float] | None = field(default=None, repr=False)
    _units: UnitIndex | None = field(default=None, repr=False)

    @property
    def units(self) -> UnitIndex:
        """BM25 over the chunks' small units (built on first use from the chunks)."""
        if self._units is None:
            self._units = UnitIndex.build(self.chunks)
        return self._units

    @property
    def idf(self) -> dict[str, float]:
        """IDF of every term of the chunks' text (what answers weigh question terms by)."""
        if self._idf is None:
            df: dict[str, int] = {}
            for c in self.chunks:
                for t in set(tokenize(c.text)):
                    df[t] = df.get(t, 0) + 1
            n = max(len(self.chunks), 1)
            self._idf = {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}
        return self._idf

    @classmethod
    def build(cls, key: str, chunks: list[Chunk]) -> LexicalIndex:
        if not chunks:
            return cls(key, [], None)
        bm25 = bm25s.BM25(k1=1.2, b=0.75)
        bm25.index([tokenize(embedding_text(c)) or ["_"] for c in chunks], show_progress=False)
        return cls(key, chunks, bm25)

    def scores(self, tokens: list[str]) -> np.ndarray:
        """BM25 score of every chunk for the analysed query ``tokens``."""
        if self.bm25 is None or not tokens:
            return np.zeros(len(self.chunks), dtype=np.float32)
        vocab = self.bm25.vocab_dict
        known = [t for t in tokens if t in vocab]
        if not known:
            return np.zeros(len(self.chunks), dtype=np.float32)
        return np.asarray(self.bm25.get_scores(known), dtype=np.float32)

    # -- persistence ------------------------------------------------------
    def save(self, folder: Path) -> None:
        tmp = folder.with_name(folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        if self.bm25 is not None:
            self.bm25.save(str(tmp / "bm25"), show_progress=False)
        rows = [c.__dict__ for c in self.chunks]
        (tmp / "chunks.json").write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
        shutil.rmtree(folder, ignore_errors=True)
        tmp.rename(folder)  # the cache appears whole or not at all

    @classmethod
    def load(cls, key: str, folder: Path) -> LexicalIndex | None:
        try:
            rows = json.loads((folder / "chunks.json").read_text(encoding="utf-8"))
            chunks = [Chunk(**r) for r in rows]
            bm25 = bm25s.BM25.load(str(folder / "bm25"), show_progress=False) if chunks else None
        except (OSError, ValueError, TypeError, KeyError) as exc:
            log.info("lexical cache %s unusable (%s); rebuilding", folder, exc)
            return None
        return cls(key, chunks, bm25)


def unit_index_text(unit: Unit) -> str:
    """What a unit is indexed by: its rendered text with the last two headings of its path as context."""
    context = " ".join(unit.path[-2:])
    return f"{context}\n{unit.rendered}" if context else unit.rendered


@dataclass
class UnitIndex:
    """BM25 over units (paragraphs, list items, table rows); headings are context, not units."""

    units: list[Unit]
    owner: np.ndarray
    """Index of each unit's chunk in the owning :class:`LexicalIndex`."""
    bm25: bm25s.BM25 | None

    @classmethod
    def build(cls, chunks: list[Chunk]) -> UnitIndex:
        units: list[Unit] = []
        owner: list[int] = []
        for i, chunk_units in enumerate(document_units(chunks)):
            for u in chunk_units:
                if u.kind != "heading":
                    units.append(u)
                    owner.append(i)
        if not units:
            return cls([], np.zeros(0, dtype=np.int64), None)
        bm25 = bm25s.BM25(k1=1.2, b=0.75)
        bm25.index([tokenize(unit_index_text(u)) or ["_"] for u in units], show_progress=False)
        return cls(units, np.asarray(owner, dtype=np.int64), bm25)

    def scores(self, tokens: list[str]) -> np.ndarray:
        if self.bm25 is None or not tokens:
            return np.zeros(len(self.units), dtype=np.float32)
        known = [t for t in tokens if t in self.bm25.vocab_dict]
        if not known:
            return np.zeros(len(self.units), dtype=np.float32)
        return np.asarray(self.bm25.get_scores(known), dtype=np.float32)

    def chunk_scores(self, tokens: list[str], n_chunks: int, *, second: float = 0.5) -> np.ndarray:
        """Per chunk: its best unit's score plus ``second`` times the next best."""
        scores = self.scores(tokens)
        best = np.zeros(n_chunks, dtype=np.float32)
        runner_up = np.zeros(n_chunks, dtype=np.float32)
        for i in np.argsort(-scores):
            s = scores[i]
            if s <= 0:
                break
            c = self.owner[i]
            if best[c] == 0:
                best[c] = s
            elif runner_up[c] == 0:
                runner_up[c] = s
        return best + second * runner_up


def load_or_build(key: str, cache_dir: Path, fetch: Callable[[], list[Chunk]]) -> LexicalIndex:
    """The index for ``key``: from the cache folder, else built from ``fetch()`` and saved."""
    folder = cache_dir / f"lexical-{key}"
    index = LexicalIndex.load(key, folder) if folder.exists() else None
    if index is not None:
        return index
    index = LexicalIndex.build(key, fetch())
    try:
        index.save(folder)
        for old in cache_dir.glob("lexical-*"):
            if old != folder:
                shutil.rmtree(old, ignore_errors=True)
    except OSError as exc:  # a read-only cache only costs a rebuild next time
        log.warning("cannot save lexical cache in %s: %s", folder, exc)
    return index
