"""The application object shared by the CLI and the HTTP API.

``build_assistant(settings)`` wires the components; every command and route is
a thin adapter over one method of :class:`Assistant`. Heavy parts (models,
indexes, databases) load lazily, once, and are safe to share between threads.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.settings import Settings
from ingest.chunking import ChunkingConfig
from ingest.embeddings import Embedder, build_embedder
from ingest.errors import NotFound
from ingest.index import ChromaStore, IndexedDocument
from ingest.normalize import CanonicalText
from ingest.pipeline import (
    ChunkProgress,
    FileProgress,
    IngestionPipeline,
    IngestReport,
    ParsedDocument,
    build_canonical,
)
from ingest.schemas import Section
from ingest.structure import detect_structure

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from assistant.alignment import Link
    from assistant.answer import Answer
    from assistant.compare import Comparison
    from assistant.extraction.schema import Objective
    from assistant.objectives_store import ObjectiveStore
    from assistant.retrieval import HybridRetriever, SearchFilters, SearchResult


@dataclass(frozen=True)
class DocumentView:
    """A document as the source viewer shows it."""

    document: IndexedDocument
    canonical: CanonicalText
    sections: list[Section]


class Assistant:
    """Ingest, search, ask, extract objectives and compare plans."""

    def __init__(
        self, *, settings: Settings, embedder: Embedder | None = None, chat_model: BaseChatModel | None = None
    ) -> None:
        if settings.chunk_target_chars > settings.chunk_max_chars:
            raise ValueError("chunk_target_chars must not exceed chunk_max_chars")
        self.settings = settings
        self.embedder = embedder or build_embedder(settings.embedder)
        self.store = ChromaStore(
            embedder=self.embedder,
            path=None if settings.chroma_url else settings.chroma_path,
            url=settings.chroma_url,
            prefix=settings.collection_prefix,
        )
        self._chat_model = chat_model
        self._objectives: ObjectiveStore | None = None
        # writes (ingest, remove, re-extraction) are serialised; reads never wait for them
        self._write_lock = threading.RLock()
        # lazy construction of shared components, held only while building them
        self._init_lock = threading.Lock()
        self._retriever: HybridRetriever | None = None
        self._views: dict[tuple[str, str], DocumentView] = {}

    # -- ingestion --------------------------------------------------------
    def _pipeline(self) -> IngestionPipeline:
        return IngestionPipeline(
            store=self.store,
            chunking=ChunkingConfig(
                target_chars=self.settings.chunk_target_chars, max_chars=self.settings.chunk_max_chars
            ),
            max_bytes=self.settings.max_bytes,
            on_indexed=self._after_indexed,
        )

    def _after_indexed(self, parsed: ParsedDocument) -> None:
        """Derived data of a freshly indexed document: its objective records."""
        from assistant.extraction.extractor import ExtractionInput, extract_objectives

        doc = ExtractionInput.from_parsed(parsed)
        self.objective_store().replace_document(
            doc.meta.doc_id, _records_version(doc.version), extract_objectives(doc)
        )

    # -- comparisons ------------------------------------------------------
    def compare(self, topic: str, *, by: str = "plan", per_plan: int = 3) -> Comparison:
        """Evidence for ``topic`` grouped by plan (or ambito / period)."""
        from assistant.compare import CompareConfig, compare

        config = CompareConfig(per_plan=per_plan, min_similarity=self.settings.abstain_min_similarity)
        return compare(topic, self.retriever(), by=by, config=config)

    def align_objectives(self, *, source: str | None = None, target: str | None = None) -> list[Link]:
        """Links between objectives of two plans (doc ids), or of every pair of plans."""
        from assistant.alignment import align

        plans = _plan_docs(self.objectives())
        for doc_id in (source, target):
            if doc_id is not None and doc_id not in plans:
                raise NotFound(f"Nessun obiettivo per il piano «{doc_id}».")
        pairs = [(source, target)] if source and target else [
            (a, b) for i, a in enumerate(sorted(plans)) for b in sorted(plans)[i + 1 :]
            if (source is None or a == source or b == source)
        ]
        links: list[Link] = []
        for a, b in pairs:
            assert a is not None and b is not None
            links.extend(align(plans[a], plans[b], self.embedder))
        return links

    # -- objectives -------------------------------------------------------
    def objective_store(self) -> ObjectiveStore:
        with self._init_lock:
            if self._objectives is None:
                from assistant.objectives_store import ObjectiveStore

                self._objectives = ObjectiveStore(self.settings.objectives_url)
            return self._objectives

    def sync_objectives(self) -> None:
        """Bring the records in line with the index (documents indexed elsewhere, or removed)."""
        from assistant.extraction.extractor import ExtractionInput, extract_objectives

        store = self.objective_store()
        stored = store.versions()
        live = {d.meta.doc_id: d for d in self.documents()}
        for doc_id in set(stored) - set(live):
            store.remove_document(doc_id)
        for doc_id, doc in live.items():
            if stored.get(doc_id) != _records_version(doc.version):
                view = self.document(doc_id)
                raw = self.store.raw_text(doc_id) or ""
                source = ExtractionInput(view.canonical, view.sections, doc.version, doc.meta, raw, doc.pages)
                store.replace_document(doc_id, _records_version(doc.version), extract_objectives(source))

    def objectives(
        self,
        *,
        ambito: str | None = None,
        period: str | None = None,
        doc_id: str | None = None,
        include_previous: bool = False,
    ) -> list[Objective]:
        """Objective records of the indexed plans (re-extracted when a document changed)."""
        with self._write_lock:
            self.sync_objectives()
        return self.objective_store().list(
            ambito=ambito, period=period, doc_id=doc_id, include_previous=include_previous
        )

    def ingest(
        self,
        paths: Iterable[Path],
        *,
        on_file: FileProgress | None = None,
        on_chunks: ChunkProgress | None = None,
        force: bool = False,
    ) -> IngestReport:
        with self._write_lock:
            return self._pipeline().run(paths, on_file=on_file, on_chunks=on_chunks, force=force)

    def remove(self, doc_id: str) -> None:
        with self._write_lock:
            if not self.store.remove(doc_id):
                raise NotFound(f"Documento «{doc_id}» non presente nell'indice.")
            self.objective_store().remove_document(doc_id)

    # -- documents --------------------------------------------------------
    def documents(self) -> list[IndexedDocument]:
        return self.store.documents()

    def document(self, doc_id: str) -> DocumentView:
        """Metadata, sections and canonical text of an indexed document."""
        doc = self.store.document(doc_id)
        if doc is None:
            raise NotFound(f"Documento «{doc_id}» non presente nell'indice.")
        key = (doc_id, doc.version)
        view = self._views.get(key)
        if view is None:
            raw = self.store.raw_text(doc_id) or ""
            canonical = build_canonical(raw, doc.pages, doc.headings)
            view = DocumentView(doc, canonical, detect_structure(canonical.text, canonical.heading_hints))
            self._views = {k: v for k, v in self._views.items() if k[0] != doc_id}
            self._views[key] = view
        return view

    # -- retrieval and answers -------------------------------------------
    def retriever(self) -> HybridRetriever:
        if self._retriever is not None:
            return self._retriever
        with self._init_lock:
            if self._retriever is None:
                from assistant.retrieval import HybridRetriever

                self._retriever = HybridRetriever(store=self.store, cache_dir=self.settings.cache_dir)
            return self._retriever

    def search(self, query: str, *, k: int = 10, filters: SearchFilters | None = None) -> list[SearchResult]:
        return self.retriever().search(query, k=k, filters=filters)

    def ask(
        self, question: str, *, filters: SearchFilters | None = None, history: list[str] | None = None
    ) -> Answer:
        """Cited answer; ``history`` holds the user's earlier questions (oldest first)."""
        from assistant.answer import AnswerConfig, answer_question, with_history

        question = with_history(question, history or [])
        model = self.chat_model()
        config = AnswerConfig(min_similarity=self.settings.abstain_min_similarity)
        if model is None:
            return answer_question(question, self.retriever(), filters=filters, config=config)
        from assistant.llm import generate_answer

        results = self.search(question, k=config.passages, filters=filters)
        return generate_answer(question, results, model)

    def chat_model(self) -> BaseChatModel | None:
        """The generative backend when one is configured (``PDZ_LLM_MODEL``), else None."""
        if self._chat_model is not None or not self.settings.llm_model:
            return self._chat_model
        with self._init_lock:
            if self._chat_model is None:
                from assistant.llm import build_chat_model

                self._chat_model = build_chat_model(self.settings)
            return self._chat_model


def _plan_docs(objectives: list[Objective]) -> dict[str, list[Objective]]:
    plans: dict[str, list[Objective]] = {}
    for o in objectives:
        plans.setdefault(o.doc_id, []).append(o)
    return plans


def _records_version(doc_version: str) -> str:
    from assistant.extraction.extractor import EXTRACTOR_VERSION

    return f"{doc_version}:{EXTRACTOR_VERSION}"


def build_assistant(settings: Settings) -> Assistant:
    """The one way to build the application object."""
    return Assistant(settings=settings)
