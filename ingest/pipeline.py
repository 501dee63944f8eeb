"""Ingestion pipeline: files -> parsed documents -> index, one document at a time.

Failures are isolated per file: a bad file is reported with its reason and the
others go on; nothing already indexed is touched by a failing file.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ingest.chunking import ChunkingConfig, chunk_document
from ingest.errors import InputError, PdzError
from ingest.index import ChromaStore
from ingest.loaders import SUPPORTED_SUFFIXES, load
from ingest.manifest import MANIFEST_NAME, detect_meta, manifest_for
from ingest.normalize import CanonicalText, normalize
from ingest.schemas import Chunk, LoadedText, Page, RawHeading, Section, SourceDocument
from ingest.structure import detect_structure

# Bump when normalisation/structure/chunking change the chunks of an unchanged file.
PIPELINE_VERSION = "3"


def build_canonical(text: str, pages: tuple[Page, ...] = (), headings: tuple[RawHeading, ...] = ()) -> CanonicalText:
    """Canonical text of a loaded document, with explicit headings turned into hints."""
    canonical = normalize(text, pages)
    for h in headings:
        canonical.heading_hints[canonical.canonical_offset(h.start)] = h.level
    return canonical


@dataclass(frozen=True)
class ParsedDocument:
    """Everything ingestion derives from one file."""

    source: SourceDocument
    canonical: CanonicalText
    sections: list[Section]
    chunks: list[Chunk]
    version: str


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

    def _version(self, sha256: str) -> str:
        signature = f"{sha256}:{PIPELINE_VERSION}:{self._chunking}:{self._store.embedder.name}"
        return hashlib.sha256(signature.encode()).hexdigest()[:32]

    def parse(self, path: Path) -> ParsedDocument:
        """Load and cut one file (no index access)."""
        if not path.exists():
            raise InputError(path.name, "il file non esiste", code="file_non_trovato")
        loaded: LoadedText = load(path, max_bytes=self._max_bytes)
        sha = hashlib.sha256(path.read_bytes()).hexdigest()
        meta = manifest_for(path).get(path.name) or detect_meta(path.name, loaded.text)
        source = SourceDocument(path=path, meta=meta, loaded=loaded, sha256=sha)
        canonical = build_canonical(loaded.text, loaded.pages, loaded.headings)
        sections = detect_structure(canonical.text, canonical.heading_hints)
        version = self._version(sha)
        chunks = chunk_document(canonical, sections, meta, version, loaded.pages, self._chunking)
        if not chunks:
            raise InputError(path.name, "il documento non contiene testo utilizzabile", code="documento_vuoto")
        return ParsedDocument(source, canonical, sections, chunks, version)

    def ingest_file(self, path: Path, progress: ChunkProgress | None = None, *, force: bool = False) -> FileOutcome:
        """Index one file unless its live version is identical."""
        try:
            parsed = self.parse(path)
        except PdzError as exc:
            return FileOutcome(path, "errore", error=exc)
        meta = parsed.source.meta
        current = self._store.document(meta.doc_id)
        if current is not None and current.version == parsed.version and not force:
            return FileOutcome(path, "invariato", meta.doc_id, current.chunks)
        self._store.replace_document(
            meta,
            parsed.version,
            parsed.source.loaded.text,
            parsed.chunks,
            pages=parsed.source.loaded.pages,
            headings=parsed.source.loaded.headings,
            progress=progress,
        )
        if self._on_indexed:
            self._on_indexed(parsed)
        return FileOutcome(path, "indicizzato", meta.doc_id, len(parsed.chunks))

    def run(
        self,
        paths: Iterable[Path],
        *,
        on_file: FileProgress | None = None,
        on_chunks: ChunkProgress | None = None,
        force: bool = False,
    ) -> IngestReport:
        """Ingest every file under ``paths``; per-file failures are reported, not raised."""
        started = time.perf_counter()
        report = IngestReport()
        for path in collect_files(paths):
            if on_file:
                on_file(path, "inizio")
            outcome = self.ingest_file(path, on_chunks, force=force)
            report.outcomes.append(outcome)
            if on_file:
                on_file(path, outcome.status)
        report.seconds = time.perf_counter() - started
        return report
