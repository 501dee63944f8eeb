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
from typing import TYPE_CHECKING, Any

from assistant.settings import Settings
from assistant.store_errors import objectives_db
from ingest.chunking import ChunkingConfig
from ingest.document import ParsedDocument
from ingest.embeddings import Embedder, build_embedder
from ingest.errors import NotFound
from ingest.index import ChromaStore, IndexedDocument
from ingest.pipeline import ChunkProgress, FileProgress, IngestionPipeline, IngestReport

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from assistant.alignment import Link
    from assistant.alignment_cache import AlignmentCache
    from assistant.answer import Answer
    from assistant.answer_stream import StreamEvent
    from assistant.compare import Comparison
    from assistant.extraction.llm import LlmExtraction
    from assistant.extraction.schema import Objective
    from assistant.lc_adapters import PdzRetriever
    from assistant.objectives_store import ObjectiveStore
    from assistant.retrieval import HybridRetriever, SearchFilters, SearchResult
    from assistant.review import ReviewedObjective, ReviewEvent, ReviewStore


class Assistant:
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

        records = extract_objectives(doc)
        store = self.objective_store()
        with objectives_db(self.settings.objectives_url):
            store.replace_document(doc.doc_id, _records_version(doc.version), records)

    # -- comparisons ------------------------------------------------------
    def compare(self, topic: str, *, by: str = "plan", per_plan: int = 3) -> Comparison:
        """Evidence for ``topic`` grouped by plan (or ambito / period)."""
        from assistant.compare import CompareConfig, compare

        config = CompareConfig(per_plan=per_plan, min_similarity=self.settings.abstain_min_similarity)
        return compare(topic, self.retriever(), by=by, config=config)

    def alignment_cache(self) -> AlignmentCache:
        with self._init_lock:
            if self._alignments is None:
                from assistant.alignment_cache import AlignmentCache

                folder = self.settings.cache_dir / "alignment" if self.settings.alignment_cache else None
                self._alignments = AlignmentCache(folder)
            return self._alignments

    def _aligned(self, a: str, left: list[Objective], b: str, right: list[Objective], versions: dict[str, str]) -> list[Link]:
        """One pair's links, computed once per pair of versions and shared by concurrent callers."""
        from assistant.alignment import AlignConfig, Link, align
        from assistant.alignment_cache import StoredLink, pair_key
        from assistant.extraction.extractor import EXTRACTOR_VERSION

        config = AlignConfig()
        key = pair_key(
            a, versions.get(a, ""), b, versions.get(b, ""), EXTRACTOR_VERSION, self.embedder.name, repr(config),
            *(_record_key(o) for o in left), "|", *(_record_key(o) for o in right),
        )
        stored = self.alignment_cache().get(key, lambda: [
            StoredLink(x.source.objective_id, x.target.objective_id, x.score, x.relation)
            for x in align(left, right, self.embedder, config)
        ])
        by_id = {o.objective_id: o for o in left} | {o.objective_id: o for o in right}
        return [Link(by_id[x.source], by_id[x.target], x.score, x.relation) for x in stored
                if x.source in by_id and x.target in by_id]

    def align_objectives(self, *, source: str | None = None, target: str | None = None) -> list[Link]:
        """Links between objectives of two plans (doc ids), or of every pair of plans (cached per version pair)."""
        plans = _plan_docs(list(self.reviewed_objectives()))  # the table as reviewed: no rejected rows
        for doc_id in (source, target):
            if doc_id is not None and doc_id not in plans:
                raise NotFound(f"Nessun obiettivo per il piano «{doc_id}».")
        pairs = [(source, target)] if source and target else [
            (a, b) for i, a in enumerate(sorted(plans)) for b in sorted(plans)[i + 1 :]
            if (source is None or a == source or b == source)
        ]
        versions = self.store.live_versions()
        links: list[Link] = []
        for a, b in pairs:
            assert a is not None and b is not None
            links.extend(self._aligned(a, plans[a], b, plans[b], versions))
        return links

    # -- objectives -------------------------------------------------------
    def objective_store(self) -> ObjectiveStore:
        with self._init_lock:
            if self._objectives is None:
                from assistant.objectives_store import ObjectiveStore

                with objectives_db(self.settings.objectives_url):
                    self._objectives = ObjectiveStore(self.settings.objectives_url)
            return self._objectives

    def sync_objectives(self) -> None:
        """Bring the records in line with the index (documents indexed elsewhere, or removed).

        Runs at start-up (``warm_up``) under the write lock; ingest and remove keep the
        records in line afterwards, so reads never extract. Each document's records carry
        the extraction version they were made with (a document with no objective too).
        """
        from assistant.extraction.extractor import extract_objectives

        with self._write_lock:
            store = self.objective_store()
            with objectives_db(self.settings.objectives_url):
                stored = store.versions()
            live = {d.meta.doc_id: d for d in self.documents()}
            for doc_id in set(stored) - set(live):
                with objectives_db(self.settings.objectives_url):
                    store.remove_document(doc_id)
            for doc_id, doc in live.items():
                if stored.get(doc_id) != _records_version(doc.version):
                    records = extract_objectives(self.document(doc_id))
                    with objectives_db(self.settings.objectives_url):
                        store.replace_document(doc_id, _records_version(doc.version), records)
            self._objectives_synced = True

    def objectives(
        self,
        *,
        ambito: str | None = None,
        period: str | None = None,
        doc_id: str | None = None,
        include_previous: bool = False,
    ) -> list[Objective]:
        """Objective records of the indexed plans, as stored: never waits for a write.

        The records are synchronised at ingest/remove and at start-up; a process that
        skipped ``warm_up`` (a CLI command) synchronises once here, unless a write is
        under way (then the stored records are served as they are).
        """
        if not self._objectives_synced and self._write_lock.acquire(blocking=False):
            try:
                self.sync_objectives()
            finally:
                self._write_lock.release()
        store = self.objective_store()
        with objectives_db(self.settings.objectives_url):
            return store.list(ambito=ambito, period=period, doc_id=doc_id, include_previous=include_previous)

    # -- review (approve, correct, reject, add; see assistant/review.py) ----
    def review_store(self) -> ReviewStore:
        store = self.objective_store()
        with self._init_lock:
            if self._reviews is None:
                from assistant.review import ReviewStore

                with objectives_db(self.settings.objectives_url):
                    self._reviews = ReviewStore(store.engine)
            return self._reviews

    def _span_text(self, o: Objective) -> str:
        return self.document(o.doc_id).text[o.char_start : o.char_end]

    def _reviews_in_line(self) -> ReviewStore:
        """The overlay, its rows re-attached to (or flagged against) the current records."""
        store, reviews = self.objective_store(), self.review_store()
        with objectives_db(self.settings.objectives_url):
            reviews.reconcile(
                store.versions(), lambda d: store.list(doc_id=d, include_previous=True), self._span_text
            )
        return reviews

    def reviewed_objectives(
        self,
        *,
        ambito: str | None = None,
        period: str | None = None,
        doc_id: str | None = None,
        include_previous: bool = False,
        include_candidates: bool = False,
        status: str | None = None,
        include_rejected: bool = False,
    ) -> list[ReviewedObjective]:
        """The objectives table: extracted records with reviewers' decisions, corrections and additions.

        By default the selected objectives and guidelines plus whatever a person approved, corrected or
        added; ``include_candidates`` adds lower-scored candidates; ``status`` keeps one review status.
        """
        from assistant import review
        from assistant.extraction.selection import is_shown

        filters = {"ambito": ambito, "period": period, "doc_id": doc_id, "include_previous": include_previous}
        records = self.objectives(**filters)  # type: ignore[arg-type]
        reviews = self._reviews_in_line()
        with objectives_db(self.settings.objectives_url):
            live = set(self.objective_store().versions())
            overlay = reviews.overlay(live)
        rows = review.merge(
            records, overlay, keep=lambda o: review.matches(o, **filters),  # type: ignore[arg-type]
            include_rejected=include_rejected or status == "rifiutato",
        )
        if not include_candidates:
            rows = [r for r in rows if review.is_shown_reviewed(r, is_shown)]
        return [r for r in rows if status is None or r.review_status == status]

    def reviewed_objective(self, objective_id: str) -> ReviewedObjective:
        """One row of the review table, whatever its status."""
        doc_id = self._review_doc(objective_id)
        for row in self.reviewed_objectives(doc_id=doc_id, include_previous=True, include_candidates=True,
                                            include_rejected=True):
            if row.objective_id == objective_id:
                return row
        raise NotFound(f"Obiettivo «{objective_id}» non trovato.")

    def _review_doc(self, objective_id: str) -> str:
        record = self.objective_store().get(objective_id)
        if record is not None:
            return record.doc_id
        for o in self.review_store().overlay():
            if o["objective_id"] == objective_id:
                return str(o["doc_id"])
        raise NotFound(f"Obiettivo «{objective_id}» non trovato.")

    def review_objective(
        self, objective_id: str, *, author: str, changes: dict[str, Any] | None = None, status: str | None = None
    ) -> ReviewedObjective:
        """Correct fields of a record and/or approve or reject it (status ``approvato`` / ``rifiutato``)."""
        reviews = self._reviews_in_line()
        with objectives_db(self.settings.objectives_url):
            store = self.objective_store()
            record = store.get(objective_id)
            version = store.versions().get(record.doc_id) if record else None
            anchor = self._span_text(record) if record else ""
            reviews.review(record, objective_id, author=author, version=version, anchor=anchor, changes=changes,
                           status=status)  # type: ignore[arg-type]
        return self.reviewed_objective(objective_id)

    def add_objective(
        self, doc_id: str, *, author: str, fields: dict[str, Any], span: tuple[int, int] | None = None
    ) -> ReviewedObjective:
        """A record the extraction missed, written by a reviewer (status ``aggiunto``)."""
        from assistant.review import new_record

        record = new_record(self.document(doc_id), fields, span)
        reviews = self.review_store()
        with objectives_db(self.settings.objectives_url):
            reviews.add(record, author=author, version=self.objective_store().versions().get(doc_id))
        return self.reviewed_objective(record.objective_id)

    def reject_objective(self, objective_id: str, *, author: str) -> ReviewedObjective:
        """Reject an extracted record; withdraw one added in review (or flagged ``da_rivedere``)."""
        reviews = self._reviews_in_line()
        with objectives_db(self.settings.objectives_url):
            if reviews.remove_added(objective_id, author=author):
                return self.reviewed_objective(objective_id)
        return self.review_objective(objective_id, author=author, status="rifiutato")

    def objective_history(self, objective_id: str) -> list[ReviewEvent]:
        """The audit trail of a record's review (empty for a record nobody reviewed)."""
        self._review_doc(objective_id)  # NotFound for an unknown id
        reviews = self._reviews_in_line()
        with objectives_db(self.settings.objectives_url):
            return reviews.history(objective_id) or []

    def extract_objectives_llm(self, doc_id: str) -> LlmExtraction:
        """Objectives of one document proposed by the configured chat model, grounded in its text.

        A review aid (``pdz objectives llm``): values the text does not contain are dropped and
        reported; nothing is stored.
        """
        from assistant.errors import LLMNotConfigured
        from assistant.extraction.llm import extract_with_llm

        model = self.chat_model()
        if model is None:
            raise LLMNotConfigured("Nessun modello LLM configurato (PDZ_LLM_MODEL).")
        return extract_with_llm(self.document(doc_id), model)

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

    def check_upload(self, path: Path) -> None:
        """Refuse, before any work is queued, a file already indexed under another id (DuplicateDocument)."""
        self._pipeline().check_file(path)

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
            self._parsed = {k: v for k, v in self._parsed.items() if k[0] != doc_id} | {key: parsed}
        return parsed

    # -- health -----------------------------------------------------------
    def ready(self) -> bool:
        """True when the index store answers (the API's readiness)."""
        return self.store.ping()

    def warm_up(self) -> None:
        """Start-up work: collect leftovers of killed ingestions, bring the objective records
        in line with the index, load the models and the lexical index."""
        with self._write_lock:
            self.store.collect_garbage()
        self.sync_objectives()
        self.retriever().warm_up()

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
        """Canonical text of ``doc_id`` when ``version`` is its live version (the retriever's text provider)."""
        try:
            doc = self.document(doc_id)
        except NotFound:
            return None
        return doc.text if doc.version == version else None

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
        config = AnswerConfig(min_similarity=self.settings.abstain_min_similarity)
        if model is None:
            return answer_question(
                question, self.retriever(), filters=filters, config=config,
                objectives=lambda doc_id: self.objective_store().list(doc_id=doc_id),
            )
        from assistant.llm import generate_answer

        results = self.search(question, k=config.passages, filters=filters)
        return generate_answer(question, results, model)

    def ask_stream(
        self, question: str, *, filters: SearchFilters | None = None, history: list[str] | None = None
    ) -> Generator[StreamEvent, None, None]:
        """The answer as events: each ``sentence`` as soon as it exists, then the final ``answer``."""
        from assistant.answer_stream import answer_lines, stream_generated

        model = self.chat_model()
        if model is None:
            yield from answer_lines(self.ask(question, filters=filters, history=history))
            return
        from assistant.answer import AnswerConfig, with_history

        question = with_history(question, history or [])
        results = self.search(question, k=AnswerConfig().passages, filters=filters)
        yield from stream_generated(question, results, model)

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


def _record_key(o: Objective) -> str:
    """A record's id and content: a reviewer's correction changes what alignment reads."""
    import hashlib

    return o.objective_id + ":" + hashlib.sha256(o.model_dump_json().encode()).hexdigest()[:12]


def _records_version(doc_version: str) -> str:
    from assistant.extraction.extractor import EXTRACTOR_VERSION

    return f"{doc_version}:{EXTRACTOR_VERSION}"


def build_assistant(settings: Settings) -> Assistant:
    """The one way to build the application object."""
    return Assistant(settings=settings)
