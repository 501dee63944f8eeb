"""The Chroma index: chunks with their embeddings, and a registry of documents.

Three collections live in the same Chroma (embedded or server):

- ``<prefix>_chunks``: one record per chunk, embedded with our embedder;
  metadata carries the provenance and the ``version`` (document sha256).
- ``<prefix>_documents``: one record per document (the registry); its
  ``version`` says which chunk version is live, and it keeps the raw text and
  page map so the canonical text can always be rebuilt;
- ``<prefix>_meta``: the registry's *generation*, a token rewritten after every
  registry write, so readers re-read the registry only when it changed.

Replacing a document is safe against crashes because the switch is a single
record write: new chunks are written first (invisible, their version is not
live), then the registry record flips to the new version, then stale chunks
are deleted.

Writing is two-phase, so that a document is searchable (lexically) within
seconds: :meth:`ChromaStore.write_text` stores the chunks with a placeholder
vector and ``embedded: false`` and flips the registry to the new version in
state ``testo_indicizzato``; :meth:`ChromaStore.embed_document` then embeds
the pending chunks in batches, marks them ``embedded: true``, counts them in
the registry record (state ``semantico``) and ends in ``pronto`` (or
``errore`` with the message). Dense search skips chunks not yet embedded; the
lexical index reads every live chunk. A document is therefore always wholly
one version, embedded or not; a killed phase 2 is resumed by calling
:meth:`ChromaStore.embed_document` again (the service does so for every
document not ``pronto``). Readers only ever see chunks of the live version, so a crash at
any point leaves the old or the new version visible, never a mix. Leftovers
(chunks of no live version, including those of a killed first ingestion of a
document that never got a registry record) are collected by
:meth:`ChromaStore.collect_garbage`, which the service runs at start-up and
before each ingestion. Versions include the doc id, so the version filter alone
never mixes two documents.

Every store call that fails because Chroma does not answer raises
:class:`~ingest.errors.StoreUnavailable` with a generic Italian message (the
URL or path goes to the log only) and drops the cached client, so the next
call reconnects once the store is back.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from ingest.chroma_guard import UNAVAILABLE_MESSAGE, store_call
from ingest.embeddings import Embedder
from ingest.errors import ConfigError, PdzError, StoreUnavailable
from ingest.live import LiveChunksMixin
from ingest.records import (
    EMBED_FAILED_MESSAGE,
    EMBEDDING,
    FAILED,
    READY,
    TEXT_INDEXED,
    IndexedDocument,
    chunk_from_record,
    chunk_metadata,
    embedding_text,
    get_all,
    meta_to_record,
    record_to_doc,
)
from ingest.schemas import Chunk, DocumentMeta, Page, RawHeading

log = logging.getLogger(__name__)

ProgressCallback = Callable[[int, int], None]
_REGISTRY_VECTOR = [1.0]
_BATCH = 64
_GENERATION = "registry-generation"
_TEXT_BATCH = 256  # phase-1 writes carry no embedding cost: larger batches, fewer round trips
# Per-document states (``in_coda`` is a queued upload, known only to the API's job runner).


class ChromaStore(LiveChunksMixin):
    """Chunks and document registry in one Chroma, embedded (``path``) or remote (``url``)."""

    def __init__(
        self,
        *,
        embedder: Embedder,
        path: Path | None = None,
        url: str | None = None,
        prefix: str = "pdz",
    ) -> None:
        if (path is None) == (url is None):
            raise ConfigError("Indicare o una cartella dati (Chroma locale) o un URL di un server Chroma.")
        if url is not None:
            parsed = urlparse(url)
            if parsed.scheme not in {"http", "https"} or not parsed.hostname:
                raise ConfigError(f"URL del server Chroma non valido: «{url}».")
        self._embedder = embedder
        self._path = path
        self._url = url
        self._prefix = prefix
        self._client: Any = None
        self._chunks: Any = None
        self._registry: Any = None
        self._meta: Any = None
        # the registry as last read, with the generation it was read at (see ``documents``)
        self._registry_snapshot: tuple[str, list[IndexedDocument]] | None = None
        # set on a connection failure: the next call builds a new client. The old
        # handles are replaced, never set to None, so calls in flight fail cleanly.
        self._stale = False
        self._connect_lock = threading.Lock()
        # Version flips and phase-2 progress writes: a batch of vectors is stored only if
        # its version is still live, so a superseded phase 2 cannot touch the new version.
        self._registry_lock = threading.RLock()
        self._dimension: int | None = None
        self._init_live()

    # -- connection -------------------------------------------------------
    @property
    def _where(self) -> str:
        return self._url or str(self._path)

    def _unreachable(self, exc: BaseException) -> None:
        log.warning("Chroma store at %s unreachable: %s: %s", self._where, type(exc).__name__, exc)
        self._stale = True

    def _connect(self) -> None:
        if self._client is not None and not self._stale:
            return
        with self._connect_lock:
            if self._client is not None and not self._stale:
                return
            self._open()
            self._stale = False

    def _open(self) -> None:
        import chromadb
        from chromadb.config import Settings

        settings = Settings(anonymized_telemetry=False)
        try:
            if self._url is not None:
                parsed = urlparse(self._url)
                client = chromadb.HttpClient(
                    host=parsed.hostname or "localhost",
                    port=parsed.port or (443 if parsed.scheme == "https" else 8000),
                    ssl=parsed.scheme == "https",
                    settings=settings,
                )
            else:
                assert self._path is not None
                self._path.mkdir(parents=True, exist_ok=True)
                client = chromadb.PersistentClient(path=str(self._path), settings=settings)
            chunks = client.get_or_create_collection(
                f"{self._prefix}_chunks",
                embedding_function=None,
                configuration={"hnsw": {"space": "cosine"}},
                metadata={"embedder": self._embedder.name},
            )
            registry = client.get_or_create_collection(f"{self._prefix}_documents", embedding_function=None)
            meta = client.get_or_create_collection(f"{self._prefix}_meta", embedding_function=None)
        except Exception as exc:  # noqa: BLE001 - chromadb raises many types for an unreachable store
            self._unreachable(exc)
            raise StoreUnavailable(UNAVAILABLE_MESSAGE) from exc
        indexed_with = (chunks.metadata or {}).get("embedder")
        if indexed_with and indexed_with != self._embedder.name:
            raise ConfigError(
                f"L'indice è stato costruito con il modello «{indexed_with}», ma è configurato "
                f"«{self._embedder.name}»: usare lo stesso modello o una nuova cartella dati."
            )
        self._client, self._chunks, self._registry, self._meta = client, chunks, registry, meta
        self._registry_snapshot = None

    def ping(self) -> bool:
        """True when the store answers."""
        try:
            self._heartbeat()
            return True
        except Exception:  # noqa: BLE001
            return False

    @store_call
    def _heartbeat(self) -> None:
        self._connect()
        self._client.heartbeat()

    @property
    def embedder(self) -> Embedder:
        return self._embedder

    # -- registry ---------------------------------------------------------
    @store_call
    def documents(self) -> list[IndexedDocument]:
        """The registry, sorted by doc id.

        Every registry write also writes a new *generation* token (after the write), so a read
        of that one record tells whether the registry changed since it was last read, by this
        process or another one sharing the store: the whole registry is read again only then.
        """
        self._connect()
        generation = self._generation()
        snapshot = self._registry_snapshot
        if snapshot is not None and generation and snapshot[0] == generation:
            return list(snapshot[1])
        got = get_all(self._registry, include=["metadatas"])
        docs = sorted((record_to_doc(md) for md in got["metadatas"] or []), key=lambda d: d.meta.doc_id)
        if generation:
            self._registry_snapshot = (generation, docs)
        return list(docs)

    def _generation(self) -> str:
        got = self._meta.get(ids=[_GENERATION], include=["metadatas"])
        mds = got["metadatas"] or []
        if not mds:  # a store written before generations were kept: start one
            self._bump_generation()
            return ""
        return str(mds[0].get("value", ""))

    def _bump_generation(self) -> None:
        """Record that the registry changed (call after the registry write)."""
        self._registry_snapshot = None
        self._meta.upsert(ids=[_GENERATION], embeddings=[_REGISTRY_VECTOR], metadatas=[{"value": uuid.uuid4().hex}])

    @store_call
    def document(self, doc_id: str) -> IndexedDocument | None:
        self._connect()
        got = self._registry.get(ids=[doc_id], include=["metadatas"])
        mds = got["metadatas"] or []
        return record_to_doc(mds[0]) if mds else None

    @store_call
    def raw_text(self, doc_id: str) -> str | None:
        self._connect()
        got = self._registry.get(ids=[doc_id], include=["documents"])
        texts = got["documents"] or []
        return texts[0] if texts else None

    def live_versions(self) -> dict[str, str]:
        return {d.meta.doc_id: d.version for d in self.documents()}

    @store_call
    def with_content(self, sha256: str, *, legacy_version: str | None = None) -> list[IndexedDocument]:
        """Registry entries of documents whose file had these bytes.

        Records written before the sha256 was kept are matched on ``legacy_version``
        (the content-only version older code gave them).
        """
        self._connect()
        where: dict[str, Any] = {"sha256": sha256}
        if legacy_version:
            where = {"$or": [where, {"version": legacy_version}]}
        got = get_all(self._registry, where=where, include=["metadatas"])
        return sorted((record_to_doc(md) for md in got["metadatas"] or []), key=lambda d: d.meta.doc_id)

    @store_call
    def stored_chunks(self) -> int:
        """Chunk records in the store, live or not (equal to the registry's total when nothing is left over)."""
        self._connect()
        return int(self._chunks.count())

    # -- writes -----------------------------------------------------------
    def replace_document(
        self,
        meta: DocumentMeta,
        version: str,
        raw_text: str,
        chunks: Sequence[Chunk],
        *,
        pages: tuple[Page, ...] = (),
        headings: tuple[RawHeading, ...] = (),
        sha256: str = "",
        progress: ProgressCallback | None = None,
        embed: bool = True,
    ) -> IndexedDocument:
        """Make ``chunks`` the live version of the document: phase 1, then (with ``embed``) phase 2."""
        record = self.write_text(meta, version, raw_text, chunks, pages=pages, headings=headings, sha256=sha256)
        if embed:
            return self.embed_document(meta.doc_id, progress=progress) or record
        return record

    def _placeholder(self) -> list[float]:
        """A constant unit vector of the collection's dimension (never returned by dense search)."""
        if self._dimension is None:
            got = self._chunks.get(limit=1, include=["embeddings"])
            vectors = got.get("embeddings")
            if vectors is not None and len(vectors):
                self._dimension = len(vectors[0])
            else:  # empty collection: ask the model once
                self._dimension = len(self._embedder.embed_query("dimensione"))
        return [1.0] + [0.0] * (self._dimension - 1)

    @store_call
    def write_text(
        self,
        meta: DocumentMeta,
        version: str,
        raw_text: str,
        chunks: Sequence[Chunk],
        *,
        pages: tuple[Page, ...] = (),
        headings: tuple[RawHeading, ...] = (),
        sha256: str = "",
    ) -> IndexedDocument:
        """Phase 1: store the chunks unembedded and flip the registry to ``version`` (``testo_indicizzato``).

        From the flip on the document is searchable lexically, and the old version's chunks are
        stale (deleted here, or by the next garbage collection after a crash).
        """
        self._connect()
        placeholder = self._placeholder()
        total = len(chunks)
        for i in range(0, total, _TEXT_BATCH):
            batch = list(chunks[i : i + _TEXT_BATCH])
            self._chunks.upsert(
                ids=[c.chunk_id for c in batch],
                embeddings=[placeholder] * len(batch),
                documents=[c.text for c in batch],
                metadatas=[chunk_metadata(c) for c in batch],
            )
        state = TEXT_INDEXED if total else READY
        record = IndexedDocument(meta, version, total, time.time(), pages, headings, sha256, state=state, embedded=0)
        with self._registry_lock:
            self._registry.upsert(
                ids=[meta.doc_id],
                embeddings=[_REGISTRY_VECTOR],
                documents=[raw_text],
                metadatas=[meta_to_record(record)],
            )
            self._bump_generation()
        self.collect_garbage(meta.doc_id)
        return record

    @store_call
    def embed_document(
        self,
        doc_id: str,
        *,
        progress: ProgressCallback | None = None,
        cancel: Callable[[], bool] | None = None,
    ) -> IndexedDocument | None:
        """Phase 2: embed the live version's pending chunks in batches, then mark it ``pronto``.

        Returns the final record, or the current one when the document was replaced or removed
        meanwhile (the superseded work stops at the next batch), or when ``cancel()`` said stop
        (the document stays as it is, to be resumed). A failure sets ``errore`` and is re-raised.
        """
        self._connect()
        record = self.document(doc_id)
        if record is None or record.state == READY:
            return record
        version, total = record.version, record.chunks
        got = self._chunks.get(
            where={"$and": [{"version": version}, {"embedded": False}]}, include=["documents", "metadatas"]
        )
        pending = sorted(
            (chunk_from_record(cid, text, md) for cid, text, md in zip(got["ids"], got["documents"], got["metadatas"], strict=True)),
            key=lambda c: c.ordinal,
        )
        done = total - len(pending)
        try:
            for i in range(0, len(pending), _BATCH):
                if cancel is not None and cancel():
                    return self.document(doc_id)
                batch = pending[i : i + _BATCH]
                vectors = self._embedder.embed_documents([embedding_text(c) for c in batch])
                with self._registry_lock:
                    if not self._is_live(doc_id, version):
                        return self.document(doc_id)
                    self._chunks.update(
                        ids=[c.chunk_id for c in batch], embeddings=vectors, metadatas=[{"embedded": True}] * len(batch)
                    )
                    done += len(batch)
                    self._set_state(doc_id, EMBEDDING if done < total else READY, done)
                if progress:
                    progress(done, total)
            with self._registry_lock:
                if self._is_live(doc_id, version):
                    self._set_state(doc_id, READY, total)
        except StoreUnavailable:
            raise
        except Exception as exc:
            message = exc.message if isinstance(exc, PdzError) else EMBED_FAILED_MESSAGE
            log.warning("embedding of %s failed: %s: %s", doc_id, type(exc).__name__, exc)
            try:
                with self._registry_lock:
                    if self._is_live(doc_id, version):
                        self._set_state(doc_id, FAILED, done, error=message)
            except Exception:  # noqa: BLE001 - the original failure is the one to report
                log.warning("could not record the failure of %s", doc_id)
            raise
        return self.document(doc_id)

    def _is_live(self, doc_id: str, version: str) -> bool:
        current = self.document(doc_id)
        return current is not None and current.version == version

    def _set_state(self, doc_id: str, state: str, embedded: int, *, error: str = "") -> None:
        # update() merges metadata: the rest of the record (and its raw text) stays as written
        self._registry.update(ids=[doc_id], metadatas=[{"state": state, "embedded": embedded, "error": error}])
        self._bump_generation()

    def pending_documents(self) -> list[IndexedDocument]:
        """Registry entries whose phase 2 has not completed (including failed ones)."""
        return [d for d in self.documents() if d.state != READY]

    @store_call
    def remove(self, doc_id: str) -> bool:
        """Delete a document and its chunks; False when it was not indexed."""
        self._connect()
        existed = self.document(doc_id) is not None
        with self._registry_lock:
            self._registry.delete(ids=[doc_id])  # first: its chunks become invisible at once
            self._bump_generation()
        self._chunks.delete(where={"doc_id": doc_id})
        return existed

    @store_call
    def collect_garbage(self, doc_id: str | None = None) -> int:
        """Delete chunks that belong to no live version (leftovers of interrupted writes)."""
        self._connect()
        live = self.live_versions()
        where = {"doc_id": doc_id} if doc_id else None
        got = get_all(self._chunks, where=where, include=["metadatas"])
        stale = [
            cid
            for cid, md in zip(got["ids"], got["metadatas"] or [], strict=True)
            if live.get(str(md["doc_id"])) != md["version"]
        ]
        for i in range(0, len(stale), 500):
            self._chunks.delete(ids=stale[i : i + 500])
        return len(stale)

    # -- reads (chunks(), live_chunks() and query() are in ingest.live) ----
    @staticmethod
    def _live_filter(live: dict[str, str]) -> dict[str, Any]:
        """Chunks of the live versions. A version names one document (it hashes the doc id), so
        one ``$in`` clause suffices: (doc_id, version) pairs would cost an ``$or`` per document."""
        return {"version": {"$in": sorted(set(live.values()))}}


# The live-chunk reads get the same connection handling as every other store call.
ChromaStore.query = store_call(ChromaStore.query)  # type: ignore[method-assign]
ChromaStore.live_chunks = store_call(ChromaStore.live_chunks)  # type: ignore[method-assign]
ChromaStore.chunks = store_call(ChromaStore.chunks)  # type: ignore[method-assign]
