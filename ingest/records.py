"""Registry and chunk records as Chroma stores them: document states, (de)serialisation, paged reads.

``ingest.index.ChromaStore`` writes and reads these records; everything here is
a plain function of one record, so the storage format lives in one place.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ingest.schemas import Chunk, DocumentMeta, Page, RawHeading

QUEUED = "in_coda"
TEXT_INDEXED = "testo_indicizzato"
EMBEDDING = "semantico"
READY = "pronto"
FAILED = "errore"
EMBED_FAILED_MESSAGE = "Il calcolo degli embedding non è riuscito: il documento è cercabile solo per parole."


def state_label(state: str, embedded: int, chunks: int) -> str:
    """The state as shown to people: ``semantico 40 %`` while embedding, else the state's name."""
    if state == EMBEDDING:
        return f"semantico {int(100 * embedded / chunks) if chunks else 0} %"
    return state.replace("_", " ")


@dataclass(frozen=True)
class IndexedDocument:
    """A registry entry."""

    meta: DocumentMeta
    version: str
    chunks: int
    ingested_at: float
    pages: tuple[Page, ...] = ()
    headings: tuple[RawHeading, ...] = ()
    sha256: str = ""  # of the file's bytes; empty in records written before it was kept
    state: str = READY  # records written before two-phase indexing are complete
    embedded: int = -1  # chunks with their real vector; -1: all of them
    error: str = ""  # Italian message of a failed phase 2

    @property
    def embedded_chunks(self) -> int:
        return self.chunks if self.embedded < 0 else self.embedded

    @property
    def progress(self) -> float:
        """Share of the chunks embedded (1.0 when ``pronto``)."""
        if self.state == READY or not self.chunks:
            return 1.0
        return self.embedded_chunks / self.chunks

    @property
    def state_label(self) -> str:
        return state_label(self.state, self.embedded_chunks, self.chunks)

    @property
    def searchable_densely(self) -> bool:
        return self.state == READY


def meta_to_record(doc: IndexedDocument) -> dict[str, Any]:
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
        "aliases": json.dumps(list(m.aliases)),
        "version": doc.version,
        "chunks": doc.chunks,
        "ingested_at": doc.ingested_at,
        "pages": json.dumps([[p.number, p.start, p.end, p.ocr, p.confidence] for p in doc.pages]),
        "headings": json.dumps([[h.start, h.end, h.level] for h in doc.headings]),
        "sha256": doc.sha256,
        "state": doc.state,
        "embedded": doc.embedded,
        "error": doc.error,
    }


def record_to_doc(md: dict[str, Any]) -> IndexedDocument:
    meta = DocumentMeta(
        doc_id=str(md["doc_id"]),
        source=str(md["source"]),
        title=str(md["title"]),
        ambito=str(md["ambito"]) or None,
        period=str(md["period"]) or None,
        kind=str(md["kind"]),
        date=str(md.get("date") or "") or None,
        detected=bool(md.get("detected", False)),
        aliases=tuple(json.loads(str(md.get("aliases") or "[]"))),
    )
    return IndexedDocument(
        meta=meta,
        version=str(md["version"]),
        chunks=int(md["chunks"]),
        ingested_at=float(md["ingested_at"]),
        # Rows are [number, start, end, ocr, confidence]; registries written before OCR hold the first three.
        pages=tuple(Page(*p) for p in json.loads(str(md.get("pages") or "[]"))),
        headings=tuple(RawHeading(*h) for h in json.loads(str(md.get("headings") or "[]"))),
        sha256=str(md.get("sha256") or ""),
        state=str(md.get("state") or READY),
        embedded=int(md.get("embedded", -1)),
        error=str(md.get("error") or ""),
    )


def chunk_metadata(chunk: Chunk) -> dict[str, Any]:
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
        "ocr": chunk.ocr,
        "embedded": False,  # set by phase 2 with the real vector
    }



_PAGE = 5000  # embedded Chroma (SQLite) refuses reads of more than ~32k records at once


def get_all(collection: Any, **kwargs: Any) -> dict[str, Any]:
    """``collection.get(**kwargs)`` read page by page, so any corpus size can be read."""
    out: dict[str, Any] = {"ids": []}
    offset = 0
    while True:
        page = collection.get(limit=_PAGE, offset=offset, **kwargs)
        ids = page["ids"]
        out["ids"].extend(ids)
        for key in ("documents", "metadatas", "embeddings"):
            values = page.get(key)
            if values is not None:
                out.setdefault(key, []).extend(list(values))
        if len(ids) < _PAGE:
            return out
        offset += _PAGE


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
        ocr=bool(md.get("ocr", False)),
    )


def embedding_text(chunk: Chunk) -> str:
    """What gets embedded: the passage with its document and section as context."""
    head = " · ".join(x for x in (chunk.title, chunk.section) if x)
    return f"{head}\n{chunk.text}" if head else chunk.text
