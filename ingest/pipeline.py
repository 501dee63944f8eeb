"""Ingestion pipeline: files -> parsed documents -> index, one document at a time.

Failures are isolated per file: a bad file is reported with its reason and the
others go on; nothing already indexed is touched by a failing file.

Identity: a document is its ``doc_id``; its version hashes the doc id with the
file's bytes and the pipeline settings, so two documents never share a version
(nor, therefore, a chunk or objective id). A file whose bytes are those of a
document indexed under another id is refused (:class:`DuplicateDocument`)
before anything is written: indexing it again would only split the evidence of
one plan between two names.

Indexing is two-phase (see :mod:`ingest.index`): with ``embed=False`` a file is
only made searchable by its text (phase 1, seconds) and its embeddings are left
to :meth:`ChromaStore.embed_document`, run later (the API's background worker).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from ingest.chunking import ChunkingConfig, chunk_document
from ingest.document import ParsedDocument
from ingest.errors import DuplicateDocument, EmptyDocument, InputError, PdzError
from ingest.index import READY, ChromaStore
from ingest.loaders import SUPPORTED_SUFFIXES, load
from ingest.manifest import MANIFEST_NAME, detect_meta, manifest_for, slugify
from ingest.schemas import Chunk, DocumentMeta, LoadedText

log = logging.getLogger(__name__)

# Bump when normalisation/structure/chunking change the chunks of an unchanged file.
PIPELINE_VERSION = "6"


@dataclass(frozen=True)
class PreparedFile:
    """One file ready to index: its parsed document and the chunks cut from it."""

    path: Path
    sha256: str
    document: ParsedDocument
    chunks: list[Chunk]


@dataclass
class FileOutcome:
    path: Path
    status: str  # "indicizzato" | "invariato" | "errore"
    doc_id: str | None = None
    chunks: int = 0
    error: PdzError | None = None


@dataclass
class IngestReport:
    outcomes: list[FileOutcome] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failed(self) -> list[FileOutcome]:
        return [o for o in self.outcomes if o.status == "errore"]

    @property
    def indexed(self) -> list[FileOutcome]:
        return [o for o in self.outcomes if o.status == "indicizzato"]

    @property
    def chunks(self) -> int:
        return sum(o.chunks for o in self.outcomes if o.status != "errore")


def collect_files(paths: Iterable[Path]) -> list[Path]:
    """Files to ingest: explicit files as given, folders expanded to supported files."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                p
                for p in sorted(path.rglob("*"))
                if p.is_file()
                and p.suffix.lower() in SUPPORTED_SUFFIXES
                and p.name != MANIFEST_NAME
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
        else:
            files.append(path)
    return files


def doc_id_for(path: Path) -> str:
    """The doc id a file will be indexed under (manifest, else its name), without parsing it."""
    listed = manifest_for(path).get(path.name)
    return listed.doc_id if listed else slugify(path.stem)  # as detect_meta names it


FileProgress = Callable[[Path, str], None]
ChunkProgress = Callable[[int, int], None]
IndexedHook = Callable[[ParsedDocument], None]


class IngestionPipeline:
    """Load, normalise, structure, chunk and index documents."""

    def __init__(
        self,
        *,
        store: ChromaStore,
        chunking: ChunkingConfig | None = None,
        max_bytes: int = 50 * 1024 * 1024,
        on_indexed: IndexedHook | None = None,
    ) -> None:
        if max_bytes <= 0:
            raise ValueError("max_bytes must be positive")
        self._store = store
        self._chunking = chunking or ChunkingConfig()
        self._max_bytes = max_bytes
        self._on_indexed = on_indexed

    def _version(self, meta: DocumentMeta, sha256: str) -> str:
        # the catalogue entry counts too: a changed title or alias (manifest edit) re-indexes the document,
        # which costs no embedding when the text is unchanged (embedding cache)
        catalogue = json.dumps(dataclasses.asdict(meta), sort_keys=True, ensure_ascii=False)
        signature = f"{meta.doc_id}\x00{sha256}:{PIPELINE_VERSION}:{self._chunking}:{self._store.embedder.name}:{catalogue}"
        return hashlib.sha256(signature.encode()).hexdigest()[:32]

    def _legacy_version(self, sha256: str) -> str:
        """The content-only version of registry records written before the sha256 was kept."""
        signature = f"{sha256}:{PIPELINE_VERSION}:{self._chunking}:{self._store.embedder.name}"
        return hashlib.sha256(signature.encode()).hexdigest()[:32]

    def _check_duplicate(self, name: str, doc_id: str, sha256: str) -> None:
        same = self._store.with_content(sha256, legacy_version=self._legacy_version(sha256))
        others = [d.meta.doc_id for d in same if d.meta.doc_id != doc_id]
        if others:
            raise DuplicateDocument(name, others[0])

    def check_file(self, path: Path) -> None:
        """Refuse early (no parsing) a file whose bytes are indexed under another doc id.

        For callers that want to answer before queueing work (an upload); ingestion
        repeats the check itself. Raises :class:`DuplicateDocument`.
        """
        self._check_duplicate(path.name, doc_id_for(path), hashlib.sha256(path.read_bytes()).hexdigest())

    def parse(self, path: Path) -> PreparedFile:
        """Load and cut one file (no index access)."""
        if not path.exists():
            raise InputError(path.name, "il file non esiste", code="file_non_trovato")
        loaded: LoadedText = load(path, max_bytes=self._max_bytes)
        sha = hashlib.sha256(path.read_bytes()).hexdigest()
        meta = manifest_for(path).get(path.name) or detect_meta(path.name, loaded.text)
        document = ParsedDocument.from_raw(
            loaded.text, meta, self._version(meta, sha), pages=loaded.pages, headings=loaded.headings
        )
        chunks = chunk_document(document.canonical, document.sections, meta, document.version, loaded.pages, self._chunking)
        chunks = [replace(c, ocr=True) if document.page_is_ocr(c.page) else c for c in chunks]
        if not chunks:
            raise EmptyDocument(path.name, "il documento non contiene testo utilizzabile")
        return PreparedFile(path, sha, document, chunks)

    def ingest_file(
        self, path: Path, progress: ChunkProgress | None = None, *, force: bool = False, embed: bool = True
    ) -> FileOutcome:
        """Index one file unless its live version is identical; ``embed=False`` stops after phase 1.

        An unchanged file whose embedding was interrupted (or failed) gets it resumed.
        """
        try:
            prepared = self.parse(path)
        except PdzError as exc:
            return FileOutcome(path, "errore", error=exc)
        doc = prepared.document
        current = self._store.document(doc.doc_id)
        if current is not None and current.version == doc.version and not force:
            if embed and current.state != READY:
                self._store.embed_document(doc.doc_id, progress=progress)
            return FileOutcome(path, "invariato", doc.doc_id, current.chunks)
        try:
            self._check_duplicate(path.name, doc.doc_id, prepared.sha256)
        except DuplicateDocument as exc:
            return FileOutcome(path, "errore", doc.doc_id, error=exc)
        self._store.replace_document(
            doc.meta, doc.version, doc.raw, prepared.chunks,
            pages=doc.pages, headings=doc.headings, sha256=prepared.sha256, progress=progress, embed=False,
        )
        if self._on_indexed:  # derived data needs only the text: it is ready with phase 1
            try:
                self._on_indexed(doc)
            except PdzError:
                raise  # a store that does not answer is the user's to know (the text stays live)
            except Exception:  # noqa: BLE001 - a bug in derived data must not undo an indexed document
                # the text is live; derived records are brought in line by the next start-up sync
                log.exception("derived data of %s failed; the document stays indexed", doc.doc_id)
        if embed:
            self._store.embed_document(doc.doc_id, progress=progress)
        return FileOutcome(path, "indicizzato", doc.doc_id, len(prepared.chunks))

    def run(
        self,
        paths: Iterable[Path],
        *,
        on_file: FileProgress | None = None,
        on_chunks: ChunkProgress | None = None,
        force: bool = False,
        embed: bool = True,
    ) -> IngestReport:
        """Ingest every file under ``paths``; per-file failures are reported, not raised.

        ``embed=False``: phase 1 only (the documents are left ``testo_indicizzato``)."""
        started = time.perf_counter()
        report = IngestReport()
        for path in collect_files(paths):
            if on_file:
                on_file(path, "inizio")
            outcome = self.ingest_file(path, on_chunks, force=force, embed=embed)
            report.outcomes.append(outcome)
            if on_file:
                on_file(path, outcome.status)
        report.seconds = time.perf_counter() - started
        return report
