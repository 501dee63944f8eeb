"""The Chroma index: chunks with their embeddings, and a registry of documents.

Two collections live in the same Chroma (embedded or server):

- ``<prefix>_chunks``: one record per chunk, embedded with our embedder;
  metadata carries the provenance and the ``version`` (document sha256).
- ``<prefix>_documents``: one record per document (the registry); its
  ``version`` says which chunk version is live, and it keeps the raw text and
  page map so the canonical text can always be rebuilt.

Replacing a document is safe against crashes because the switch is a single
record write: new chunks are written first (invisible, their version is not
live), then the registry record flips to the new version, then stale chunks
are deleted. Readers only ever see chunks of the live version, so a crash at
any point leaves the old or the new version visible, never a mix; leftovers
are collected by the next write.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from ingest.embeddings import Embedder
from ingest.errors import ConfigError, StoreUnavailable
from ingest.schemas import Chunk, DocumentMeta, Page, RawHeading

ProgressCallback = Callable[[int, int], None]
_REGISTRY_VECTOR = [1.0]
_BATCH = 64


@dataclass(frozen=True)
class IndexedDocument:
    """A registry entry."""

    meta: DocumentMeta
    version: str
    chunks: int
    ingested_at: float
    pages: tuple[Page, ...] = ()
    headings: tuple[RawHeading, ...] = ()


def _meta_to_record(doc: IndexedDocument) -> dict[str, Any]:
    m = doc.meta
    return {
        "doc_id": m.doc_id,
        "source": m.source,
        "title": m.title,
        "ambito": m.ambito or "",
        "period": m.period or "",
        "kind": m.kind,
        "date": m.date or "",
        "detected": m.detected,
        "version": doc.version,
        "chunks": doc.chunks,
        "ingested_at": doc.ingested_at,
        "pages": json.dumps([[p.number, p.start, p.end] for p in doc.pages]),
        "headings": json.dumps([[h.start, h.end, h.level] for h in doc.headings]),
    }


def _record_to_doc(md: dict[str, Any]) -> IndexedDocument:
    meta = DocumentMeta(
        doc_id=str(md["doc_id"]),
        source=str(md["source"]),
        title=str(md["title"]),
        ambito=str(md["ambito"]) or None,
        period=str(md["period"]) or None,
        kind=str(md["kind"]),
        date=str(md.get("date") or "") or None,
        detected=bool(md.get("detected", False)),
    )
    return IndexedDocument(
        meta=meta,
        version=str(md["version"]),
        chunks=int(md["chunks"]),
        ingested_at=float(md["ingested_at"]),
        pages=tuple(Page(*p) for p in json.loads(str(md.get("pages") or "[]"))),
        headings=tuple(RawHeading(*h) for h in json.loads(str(md.get("headings") or "[]"))),
    )


def _chunk_metadata(chunk: Chunk) -> dict[str, Any]:
    return {
        "doc_id": chunk.doc_id,
        "source": chunk.source,
        "title": chunk.title,
        "ambito": chunk.ambito or "",
        "period": chunk.period or "",
        "kind": chunk.kind,
        "section": chunk.section,
        "page": chunk.page if chunk.page is not None else -1,
        "char_start": chunk.char_start,
        "char_end": chunk.char_end,
        "ordinal": chunk.ordinal,
        "version": chunk.version,
    }


def chunk_from_record(chunk_id: str, text: str, md: dict[str, Any]) -> Chunk:
    page = int(md.get("page", -1))
    return Chunk(
        chunk_id=chunk_id,
        doc_id=str(md["doc_id"]),
        source=str(md["source"]),
        title=str(md["title"]),
        ambito=str(md["ambito"]) or None,
        period=str(md["period"]) or None,
        kind=str(md["kind"]),
        section=str(md["section"]),
        page=page if page >= 0 else None,
        char_start=int(md["char_start"]),
        char_end=int(md["char_end"]),
        text=text,
        ordinal=int(md["ordinal"]),
        version=str(md["version"]),
    )


def embedding_text(chunk: Chunk) -> str:
    """What gets embedded: the passage with its document and section as context."""
    head = " · ".join(x for x in (chunk.title, chunk.section) if x)
    return f"{head}\n{chunk.text}" if head else chunk.text


class ChromaStore:
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

    # -- connection -------------------------------------------------------
    def _connect(self) -> None:
        if self._client is not None:
            return
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
        except Exception as exc:  # noqa: BLE001 - chromadb raises many types for an unreachable store
            where = self._url or str(self._path)
            raise StoreUnavailable(f"Archivio Chroma non raggiungibile ({where}): {exc}") from exc
        indexed_with = (chunks.metadata or {}).get("embedder")
        if indexed_with and indexed_with != self._embedder.name:
            raise ConfigError(
                f"L'indice è stato costruito con il modello «{indexed_with}», ma è configurato "
                f"«{self._embedder.name}»: usare lo stesso modello o una nuova cartella dati."
            )
        self._client, self._chunks, self._registry = client, chunks, registry

    def ping(self) -> bool:
        """True when the store answers."""
        try:
            self._connect()
            self._client.heartbeat()
            return True
        except Exception:  # noqa: BLE001
            return False

    @property
    def embedder(self) -> Embedder:
        return self._embedder

    # -- registry ---------------------------------------------------------
    def documents(self) -> list[IndexedDocument]:
        self._connect()
        got = self._registry.get(include=["metadatas"])
        docs = [_record_to_doc(md) for md in got["metadatas"] or []]
        return sorted(docs, key=lambda d: d.meta.doc_id)

    def document(self, doc_id: str) -> IndexedDocument | None:
        self._connect()
        got = self._registry.get(ids=[doc_id], include=["metadatas"])
        mds = got["metadatas"] or []
        return _record_to_doc(mds[0]) if mds else None

    def raw_text(self, doc_id: str) -> str | None:
        self._connect()
        got = self._registry.get(ids=[doc_id], include=["documents"])
        texts = got["documents"] or []
        return texts[0] if texts else None

    def live_versions(self) -> dict[str, str]:
        return {d.meta.doc_id: d.version for d in self.documents()}

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
        progress: ProgressCallback | None = None,
    ) -> None:
        """Make ``chunks`` the live version of the document (see the module docstring)."""
        self._connect()
        total = len(chunks)
        for i in range(0, total, _BATCH):
            batch = list(chunks[i : i + _BATCH])
            vectors = self._embedder.embed_documents([embedding_text(c) for c in batch])
            self._chunks.upsert(
                ids=[c.chunk_id for c in batch],
                embeddings=vectors,
                documents=[c.text for c in batch],
                metadatas=[_chunk_metadata(c) for c in batch],
            )
            if progress:
                progress(min(i + _BATCH, total), total)
        record = IndexedDocument(meta, version, total, time.time(), pages, headings)
        self._registry.upsert(
            ids=[meta.doc_id],
            embeddings=[_REGISTRY_VECTOR],
            documents=[raw_text],
            metadatas=[_meta_to_record(record)],
        )
        self.collect_garbage(meta.doc_id)

    def remove(self, doc_id: str) -> bool:
        """Delete a document and its chunks; False when it was not indexed."""
        self._connect()
        existed = self.document(doc_id) is not None
        self._registry.delete(ids=[doc_id])  # first: its chunks become invisible at once
        self._chunks.delete(where={"doc_id": doc_id})
        return existed

    def collect_garbage(self, doc_id: str | None = None) -> int:
        """Delete chunks that belong to no live version (leftovers of interrupted writes)."""
        self._connect()
        live = self.live_versions()
        where = {"doc_id": doc_id} if doc_id else None
        got = self._chunks.get(where=where, include=["metadatas"])
        stale = [
            cid
            for cid, md in zip(got["ids"], got["metadatas"] or [], strict=True)
            if live.get(str(md["doc_id"])) != md["version"]
        ]
        for i in range(0, len(stale), 500):
            self._chunks.delete(ids=stale[i : i + 500])
        return len(stale)

    # -- reads ------------------------------------------------------------
    def chunks(self, doc_id: str | None = None) -> list[Chunk]:
        """Live chunks (of one document or all), in document order."""
        self._connect()
        live = self.live_versions()
        if doc_id is not None:
            live = {doc_id: live[doc_id]} if doc_id in live else {}
        if not live:
            return []
        got = self._chunks.get(where=self._live_filter(live), include=["documents", "metadatas"])
        out = [
            chunk_from_record(cid, text, md)
            for cid, text, md in zip(got["ids"], got["documents"], got["metadatas"], strict=True)
        ]
        return sorted(out, key=lambda c: (c.doc_id, c.ordinal))

    @staticmethod
    def _live_filter(live: dict[str, str]) -> dict[str, Any]:
        return {"version": {"$in": sorted(set(live.values()))}}

    def query(
        self,
        vector: list[float],
        k: int,
        *,
        live: dict[str, str],
        where: dict[str, Any] | None = None,
    ) -> list[tuple[Chunk, float]]:
        """Nearest live chunks to ``vector`` with their cosine similarity."""
        self._connect()
        if not live:
            return []
        clauses = [self._live_filter(live)] + ([where] if where else [])
        flt = clauses[0] if len(clauses) == 1 else {"$and": clauses}
        got = self._chunks.query(
            query_embeddings=[vector], n_results=k, where=flt, include=["documents", "metadatas", "distances"]
        )
        return [
            (chunk_from_record(cid, text, md), 1.0 - float(dist))
            for cid, text, md, dist in zip(
                got["ids"][0], got["documents"][0], got["metadatas"][0], got["distances"][0], strict=True
            )
        ]
