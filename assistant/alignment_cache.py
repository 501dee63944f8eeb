"""Objective alignments computed once per pair of document versions and shared.

Aligning two plans embeds every objective of both and scores every pair: seconds of
CPU for the larger plans. The result depends only on the two documents' versions, the
extractor version and the alignment settings, so it is cached under that key: in
memory (bounded, least recently used first out) and, when a folder is given, on disk
as JSON, so a restart does not recompute. Concurrent requests for the same key share
one computation (single flight: one lock per key); different pairs run in parallel.
A new version of either document makes a new key; stale files are simply never read.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StoredLink:
    """A link by objective ids: what the cache keeps (the records themselves live in the objective store)."""

    source: str
    target: str
    score: float
    relation: str


def pair_key(*parts: str) -> str:
    """A file-name-safe key for one computation (document versions, extractor, settings)."""
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:40]


class AlignmentCache:
    """Memory (and optionally disk) cache of pairwise alignments with single-flight computation."""

    def __init__(self, directory: Path | None = None, *, max_entries: int = 256) -> None:
        self._dir = directory
        self._max = max_entries
        self._memory: OrderedDict[str, list[StoredLink]] = OrderedDict()
        self._lock = threading.Lock()
        self._flights: dict[str, threading.Lock] = {}
        self.computed = 0
        """How many computations ran (not served from a cache): for tests and logs."""

    def get(self, key: str, compute: Callable[[], Sequence[StoredLink]]) -> list[StoredLink]:
        """The links for ``key``: cached, or computed once while other callers of the same key wait."""
        cached = self._lookup(key)
        if cached is not None:
            return cached
        with self._lock:
            flight = self._flights.setdefault(key, threading.Lock())
        with flight:
            cached = self._lookup(key)  # computed by the caller we waited for
            if cached is not None:
                return cached
            try:
                links = list(compute())
                with self._lock:
                    self.computed += 1
                self._remember(key, links)
                self._write(key, links)
                return links
            finally:
                with self._lock:
                    self._flights.pop(key, None)

    def _lookup(self, key: str) -> list[StoredLink] | None:
        with self._lock:
            links = self._memory.get(key)
            if links is not None:
                self._memory.move_to_end(key)
                return links
        links = self._read(key)
        if links is not None:
            self._remember(key, links)
        return links

    def _remember(self, key: str, links: list[StoredLink]) -> None:
        with self._lock:
            self._memory[key] = links
            self._memory.move_to_end(key)
            while len(self._memory) > self._max:
                self._memory.popitem(last=False)

    def _path(self, key: str) -> Path | None:
        return self._dir / f"{key}.json" if self._dir is not None else None

    def _read(self, key: str) -> list[StoredLink] | None:
        path = self._path(key)
        if path is None or not path.is_file():
            return None
        try:
            rows = json.loads(path.read_text(encoding="utf-8"))
            return [StoredLink(str(r[0]), str(r[1]), float(r[2]), str(r[3])) for r in rows]
        except (OSError, ValueError, IndexError, TypeError):
            log.warning("unreadable alignment cache file %s: recomputing", path)
            return None

    def _write(self, key: str, links: list[StoredLink]) -> None:
        path = self._path(key)
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
            tmp.write_text(json.dumps([[x.source, x.target, x.score, x.relation] for x in links]), encoding="utf-8")
            os.replace(tmp, path)  # atomic: a reader never sees half a file
        except OSError:
            log.warning("cannot write the alignment cache in %s", path.parent, exc_info=True)
