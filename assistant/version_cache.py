"""Derived data of a document version, kept on disk under ``<cache>/versions/<version>/``.

A version hashes the document id, its bytes, the catalogue entry and the
pipeline, so whatever is derived from it (the canonical text, the lexical
analysis) never changes and needs no invalidation: folders of versions that are
no longer live are simply removed. Files appear whole or not at all; a cache that
cannot be written only costs a recomputation.
"""

from __future__ import annotations

import logging
import pickle
import shutil
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


class VersionCache:
    def __init__(self, cache_dir: Path) -> None:
        self.folder = cache_dir / "versions"

    def _path(self, version: str, name: str) -> Path:
        return self.folder / version / name

    def has(self, version: str, name: str) -> bool:
        return self._path(version, name).is_file()

    def read_text(self, version: str, name: str) -> str | None:
        try:
            return self._path(version, name).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None

    def write_text(self, version: str, name: str, text: str) -> None:
        self._write(version, name, text.encode("utf-8"))

    def load(self, version: str, name: str) -> Any | None:
        """A pickled object written by :meth:`save` (our own cache folder), or None."""
        path = self._path(version, name)
        if not path.is_file():
            return None
        try:
            with path.open("rb") as fh:
                return pickle.load(fh)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, TypeError, ImportError) as exc:
            log.info("cache file %s unusable (%s); computing again", path, exc)
            return None

    def save(self, version: str, name: str, value: Any) -> None:
        self._write(version, name, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))

    def _write(self, version: str, name: str, data: bytes) -> None:
        path = self._path(version, name)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(path.name + ".tmp")
            tmp.write_bytes(data)
            tmp.replace(path)
        except OSError as exc:
            log.warning("cannot write the cache file %s: %s", path, exc)

    def versions(self) -> set[str]:
        return {p.name for p in self.folder.iterdir() if p.is_dir()} if self.folder.is_dir() else set()

    def forget_except(self, live_versions: set[str]) -> None:
        """Remove the folders of versions that are no longer live."""
        for version in self.versions() - live_versions:
            shutil.rmtree(self.folder / version, ignore_errors=True)
