"""The application object shared by the CLI and the HTTP API.

``build_assistant(settings)`` wires the components; every command and route is
a thin adapter over one method of :class:`Assistant`. Heavy parts (models,
indexes, databases) load lazily, once, and are safe to share between threads.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Generator, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.service_objectives import ObjectivesMixin, records_version
from assistant.settings import Settings
from assistant.store_errors import objectives_db
from assistant.version_cache import VersionCache
from ingest.chunking import ChunkingConfig
from ingest.document import ParsedDocument
from ingest.embeddings import Embedder, build_embedder
from ingest.errors import NotFound
from ingest.index import ChromaStore, IndexedDocument
from ingest.pipeline import ChunkProgress, FileProgress, IngestionPipeline, IngestReport

log = logging.getLogger(__name__)
_CANONICAL = "canonical.txt"
_PARSED_KEPT = 32

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from assistant.alignment_cache import AlignmentCache
    from assistant.answer import Answer
    from assistant.answer_stream import StreamEvent
    from assistant.compare import Comparison
    from assistant.lc_adapters import PdzRetriever
    from assistant.objectives_store import ObjectiveStore
    from assistant.retrieval import HybridRetriever, SearchFilters, SearchResult
    from assistant.review import ReviewStore


class Assistant(ObjectivesMixin):
    """Ingest, search, ask, extract objectives and compare plans."""

    def __init__(
        self, *, settings: Settings, embedder: Embedder | None = None, chat_model: BaseChatModel | None = None
    ) -> None:
        self.settings = settings
        cache = settings.cache_dir / "embeddings.sqlite3" if settings.embedding_cache else None
        self.embedder = embedder or build_embedder(settings.embedder, cache_path=cache)
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
        # phase 2 (embedding) runs one document at a time, beside the writes
        self._embed_lock = threading.Lock()
        # lazy construction of shared components, held only while building them
        self._init_lock = threading.Lock()
        self._retriever: HybridRetriever | None = None
        self._parsed: dict[tuple[str, str], ParsedDocument] = {}
        self._objectives_synced = False
        self._alignments: AlignmentCache | None = None
        self._reviews: ReviewStore | None = None
        self._versions = VersionCache(settings.cache_dir)

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

    def _after_indexed(self, doc: ParsedDocument) -> None:
        """Derived data of a freshly indexed document: its objective records."""
        from assistant.extraction.extractor import extract_objectives

        self._versions.write_text(doc.version, _CANONICAL, doc.text)
        records = extract_objectives(doc)
        store = self.objective_store()
        with objectives_db(self.settings.objectives_url):
            store.replace_document(doc.doc_id, records_version(doc.version), records)

    # -- comparisons ------------------------------------------------------
    def compare(self, topic: str, *, by: str = "plan", per_plan: int = 3) -> Comparison:
        """Evidence for ``topic`` grouped by plan (or ambito / period)."""
        from assistant.compare import CompareConfig, compare

        config = CompareConfig(per_plan=per_plan, min_similarity=self.settings.abstain_min_similarity)
        return compare(topic, self.retriever(), by=by, config=config)


    def ingest(
        self,
        paths: Iterable[Path],
        *,
        on_file: FileProgress | None = None,
        on_chunks: ChunkProgress | None = None,
        force: bool = False,
        background: bool = False,
        embed_later: bool = False,
    ) -> IngestReport:
        """Index files; ``background`` runs the work at low CPU priority so answers keep their pace.

        ``embed_later`` stops each file after phase 1 (searchable by its text within seconds):
        :meth:`embed_pending` computes the embeddings. Without it, both phases run here, and
        documents left unembedded by an earlier run are resumed at the end.
        """

        def work() -> IngestReport:
            with self._write_lock:
                self.store.collect_garbage()  # leftovers of a killed ingestion
                report = self._pipeline().run(
                    paths, on_file=on_file, on_chunks=on_chunks, force=force, embed=not embed_later
                )
            if not embed_later:
                self.embed_pending()
            return report

        if background:
            from assistant.priority import run_in_background

            return run_in_background(work, name="pdz-ingest")
        return work()

    def embed_pending(
        self, *, on_chunks: ChunkProgress | None = None, cancel: Callable[[], bool] | None = None
    ) -> list[IndexedDocument]:
        """Phase 2 for every document not ``pronto`` (including failed ones): embed, then ``pronto``.

        Never holds the write lock, so uploads and removals go on meanwhile (a document replaced
        or removed during its embedding is left alone). One failure is recorded on its document
        (``errore``) and the others go on. Returns the entries as they ended.
        """
        with self._embed_lock:
            out: list[IndexedDocument] = []
            for doc in self.store.pending_documents():
                if cancel is not None and cancel():
                    break
                try:
                    done = self.store.embed_document(doc.meta.doc_id, progress=on_chunks, cancel=cancel)
                except Exception:  # noqa: BLE001 - recorded on the document as ``errore``
                    log.exception("embedding of %s failed", doc.meta.doc_id)
                    done = self.store.document(doc.meta.doc_id)
                if done is not None:
                    out.append(done)
            return out

    def remove(self, doc_id: str) -> None:
        with self._write_lock:
            if not self.store.remove(doc_id):
                raise NotFound(f"Documento «{doc_id}» non presente nell'indice.")
            store = self.objective_store()
            with objectives_db(self.settings.objectives_url):
                store.remove_document(doc_id)

    def check_duplicate(self, path: Path) -> None:
        """Refuse (``DuplicateDocument``) a file with the same bytes as an indexed document of another id."""
        self._pipeline().check_file(path)

    # -- documents --------------------------------------------------------
    def documents(self) -> list[IndexedDocument]:
        return self.store.documents()

    def indexed(self, doc_id: str) -> IndexedDocument:
        """The registry entry of an indexed document."""
        doc = self.store.document(doc_id)
        if doc is None:
            raise NotFound(f"Documento «{doc_id}» non presente nell'indice.")
        return doc

    def document(self, doc_id: str) -> ParsedDocument:
        """The parsed document (canonical text, sections, pages) of an indexed document, cached per version."""
        doc = self.indexed(doc_id)
        key = (doc_id, doc.version)
        parsed = self._parsed.get(key)
        if parsed is None:
            raw = self.store.raw_text(doc_id) or ""
            parsed = ParsedDocument.from_raw(raw, doc.meta, doc.version, pages=doc.pages, headings=doc.headings)
            kept = [(k, v) for k, v in self._parsed.items() if k[0] != doc_id][-(_PARSED_KEPT - 1) :]
            self._parsed = dict(kept) | {key: parsed}  # the most recent few; a version's text is in the cache
        return parsed

    # -- health -----------------------------------------------------------
    def ready(self) -> bool:
        """True when the index store answers (the API's readiness)."""
        return self.store.ping()

    def warm_up(self) -> None:
        """Start-up work: collect leftovers of killed ingestions, bring the objective records
        in line with the index, load the models, the lexical index and the canonical texts."""
        with self._write_lock:
            self.store.collect_garbage()
        self.sync_objectives()
        self.retriever().warm_up()
        self._cache_canonical_texts()

    def _cache_canonical_texts(self) -> None:
        """Parse, once per version, the documents whose canonical text is not in the version cache yet."""
        for doc in self.documents():
            if not self._versions.has(doc.version, _CANONICAL):
                raw = self.store.raw_text(doc.meta.doc_id) or ""
                parsed = ParsedDocument.from_raw(raw, doc.meta, doc.version, pages=doc.pages, headings=doc.headings)
                self._versions.write_text(doc.version, _CANONICAL, parsed.text)

    # -- retrieval and answers -------------------------------------------
    def retriever(self) -> HybridRetriever:
        if self._retriever is not None:
            return self._retriever
        with self._init_lock:
            if self._retriever is None:
                from assistant.retrieval import HybridRetriever

                self._retriever = HybridRetriever(
                    store=self.store, cache_dir=self.settings.cache_dir, text_of=self._canonical_text
                )
            return self._retriever

    def _canonical_text(self, doc_id: str, version: str) -> str | None:
        """Canonical text of ``doc_id`` at ``version`` (the retriever's text provider).

        A version's text never changes: it is kept in the version cache, so a document is
        parsed once per version, not once per process.
        """
        parsed = self._parsed.get((doc_id, version))
        if parsed is not None:
            return parsed.text
        text = self._versions.read_text(version, _CANONICAL)
        if text is not None:
            return text
        try:
            doc = self.document(doc_id)
        except NotFound:
            return None
        if doc.version != version:
            return None
        self._versions.write_text(version, _CANONICAL, doc.text)
        return doc.text

    def search(self, query: str, *, k: int = 10, filters: SearchFilters | None = None) -> list[SearchResult]:
        return self.retriever().search(query, k=k, filters=filters)

    def langchain_retriever(self, *, k: int = 5, filters: SearchFilters | None = None) -> PdzRetriever:
        """The hybrid search as a LangChain ``BaseRetriever``, for use in LangChain chains."""
        from assistant.lc_adapters import PdzRetriever

        return PdzRetriever(retriever=self.retriever(), k=k, filters=filters)

    def ask(
        self, question: str, *, filters: SearchFilters | None = None, history: list[str] | None = None
    ) -> Answer:
        """Cited answer; ``history`` holds the user's earlier questions (oldest first)."""
        from assistant.answer import AnswerConfig, answer_question, with_history

        question = with_history(question, history or [])
        model = self.chat_model()
        config = AnswerConfig()
        if model is None:
            return answer_question(
                question, self.retriever(), filters=filters, config=config,
                objectives=lambda doc_id: self.objective_store().list(doc_id=doc_id),
            )
        from assistant.answer import missing_plans_of, with_missing_plans
        from assistant.llm import generate_answer

        results = self.search(question, k=config.passages, filters=filters)
        return with_missing_plans(generate_answer(question, results, model), *missing_plans_of(question, self.retriever()))

    def ask_stream(
        self, question: str, *, filters: SearchFilters | None = None, history: list[str] | None = None
    ) -> Generator[StreamEvent, None, None]:
        """The answer as events: each ``sentence`` as soon as it exists, then the final ``answer``."""
        from assistant.answer_stream import StreamEvent, answer_lines, stream_generated

        model = self.chat_model()
        if model is None:
            yield from answer_lines(self.ask(question, filters=filters, history=history))
            return
        from assistant.answer import (
            AnswerConfig,
            missing_plans_line,
            missing_plans_of,
            with_history,
            with_missing_plans,
        )

        question = with_history(question, history or [])
        results = self.search(question, k=AnswerConfig().passages, filters=filters)
        missing = missing_plans_of(question, self.retriever())
        line = missing_plans_line(*missing)
        if line is not None:  # said first, as the composed answer says it
            yield StreamEvent("sentence", line)
        for event in stream_generated(question, results, model):
            if event.answer is not None:
                event = StreamEvent("answer", answer=with_missing_plans(event.answer, *missing))
            yield event

    def chat_model(self) -> BaseChatModel | None:
        """The generative backend when one is configured (``PDZ_LLM_MODEL``), else None."""
        if self._chat_model is not None or not self.settings.llm_model:
            return self._chat_model
        with self._init_lock:
            if self._chat_model is None:
                from assistant.llm import build_chat_model

                self._chat_model = build_chat_model(self.settings)
            return self._chat_model


def build_assistant(settings: Settings) -> Assistant:
    """The one way to build the application object."""
    return Assistant(settings=settings)
