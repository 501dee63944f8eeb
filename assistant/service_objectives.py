"""The objective side of the application object: records, review, alignment, LLM proposals.

:class:`ObjectivesMixin` is part of :class:`assistant.service.Assistant` (kept in its own module so
each stays small); it uses the assistant's settings, stores, locks and documents. The reviewed
table (records plus review overlay) is cached by :mod:`assistant.objective_table`.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any

from assistant.objective_table import Entry, ObjectiveTable, ReviewedTableCache, TableStores, select
from assistant.settings import Settings
from assistant.store_errors import objectives_db
from ingest.document import ParsedDocument
from ingest.embeddings import Embedder
from ingest.errors import NotFound
from ingest.index import ChromaStore, IndexedDocument

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from assistant.alignment import Link
    from assistant.alignment_cache import AlignmentCache
    from assistant.extraction.llm import LlmExtraction
    from assistant.extraction.schema import Objective
    from assistant.objectives_store import ObjectiveStore
    from assistant.review import ReviewedObjective, ReviewEvent, ReviewStore

__all__ = ["ObjectiveTable", "ObjectivesMixin", "records_version"]


class ObjectivesMixin:
    """Objective records in step with the index, their review overlay and cross-plan alignment."""

    if TYPE_CHECKING:
        settings: Settings
        store: ChromaStore
        embedder: Embedder
        _init_lock: threading.Lock
        _write_lock: threading.RLock
        _objectives: ObjectiveStore | None
        _objectives_synced: bool
        _reviews: ReviewStore | None
        _alignments: AlignmentCache | None

        def document(self, doc_id: str) -> ParsedDocument: ...

        def documents(self) -> list[IndexedDocument]: ...

        def chat_model(self) -> BaseChatModel | None: ...

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
                    self._objectives = ObjectiveStore(self.settings.objectives_url, on_write=self._records_written)
            return self._objectives

    def _records_written(self, doc_id: str) -> None:
        """After an ingest or removal, the writer (not the next reader) merges the document's rows again;
        readers meanwhile are served the table as it was. Not during the start-up sync, which builds once."""
        if self.__dict__.get("_objective_table") is None or self.__dict__.get("_syncing") or not self._objectives_synced:
            return  # nobody read the table yet, or the start-up sync (to come, or under way) builds it once
        try:
            self._table()
        except Exception:  # noqa: BLE001 - the records are stored; the next read builds the table itself
            log.exception("objectives table not refreshed after writing %s", doc_id)

    def sync_objectives(self) -> None:
        """Bring the records in line with the index (documents indexed elsewhere, or removed).

        Runs at start-up (``warm_up``) under the write lock; ingest and remove keep the
        records in line afterwards, so reads never extract. Each document's records carry
        the extraction version they were made with (a document with no objective too).
        """
        from assistant.extraction.extractor import extract_objectives

        with self._write_lock:
            self.__dict__["_syncing"] = True  # the table is built once at the end, not once per document
            try:
                store = self.objective_store()
                with objectives_db(self.settings.objectives_url):
                    stored = store.versions()
                live = {d.meta.doc_id: d for d in self.documents()}
                for doc_id in set(stored) - set(live):
                    with objectives_db(self.settings.objectives_url):
                        store.remove_document(doc_id)
                for doc_id, doc in live.items():
                    if stored.get(doc_id) != records_version(doc.version):
                        records = extract_objectives(self.document(doc_id))
                        with objectives_db(self.settings.objectives_url):
                            store.replace_document(doc_id, records_version(doc.version), records)
            finally:
                self.__dict__["_syncing"] = False
            self._objectives_synced = True
        self._table()  # built here (start-up), so the first read of the table does not pay for it

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
        self._ensure_synced()
        store = self.objective_store()
        with objectives_db(self.settings.objectives_url):
            return store.list(ambito=ambito, period=period, doc_id=doc_id, include_previous=include_previous)

    def _ensure_synced(self) -> None:
        """A process that skipped ``warm_up`` (a CLI command) syncs once, unless a write is under way."""
        if not self._objectives_synced and self._write_lock.acquire(blocking=False):
            try:
                self.sync_objectives()
            finally:
                self._write_lock.release()

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

    def _table_stores(self) -> TableStores:
        return TableStores(self.objective_store(), self.review_store(), self.settings.objectives_url,
                           self._span_text)

    def _reviews_in_line(self) -> ReviewStore:
        """The overlay, its rows re-attached to (or flagged against) the current records."""
        stores = self._table_stores()
        stores.reconcile(stores.state())
        return stores.reviews

    def _table_memo(self) -> ReviewedTableCache:
        # kept in the instance dict: the assistant's constructor (service.py) need not know of it
        memo: ReviewedTableCache | None = self.__dict__.get("_objective_table")
        if memo is None:
            stores = self._table_stores()  # outside the init lock, which opening the stores takes
            with self._init_lock:
                memo = self.__dict__.setdefault("_objective_table", ReviewedTableCache(stores))
        return memo

    def _table(self, *, wait: bool = True) -> list[Entry]:
        """Every row of the reviewed table (see ``ReviewedTableCache.read``)."""
        self._ensure_synced()
        return self._table_memo().read(wait=wait)

    def reviewed_table(
        self,
        *,
        ambito: str | None = None,
        period: str | None = None,
        doc_id: str | None = None,
        include_previous: bool = False,
        include_candidates: bool = False,
        status: str | None = None,
        include_rejected: bool = False,
        limit: int | None = None,
        offset: int = 0,
        wait: bool = True,
    ) -> ObjectiveTable:
        """The objectives table as :meth:`reviewed_objectives` selects it, one page of it (``offset``,
        ``limit``; everything by default) and the number of rows matching the filters.

        ``wait=False``: while another thread merges newly written records, the table as it was.
        """
        return select(
            self._table(wait=wait), ambito=ambito, period=period, doc_id=doc_id, include_previous=include_previous,
            include_candidates=include_candidates, status=status, include_rejected=include_rejected,
            limit=limit, offset=offset,
        )

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
        The rows are shared with later reads: do not modify them.
        """
        return self.reviewed_table(
            ambito=ambito, period=period, doc_id=doc_id, include_previous=include_previous,
            include_candidates=include_candidates, status=status, include_rejected=include_rejected,
        ).rows

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


def _plan_docs(objectives: list[Objective]) -> dict[str, list[Objective]]:
    plans: dict[str, list[Objective]] = {}
    for o in objectives:
        plans.setdefault(o.doc_id, []).append(o)
    return plans


def _record_key(o: Objective) -> str:
    """A record's id and content: a reviewer's correction changes what alignment reads."""
    import hashlib

    return o.objective_id + ":" + hashlib.sha256(o.model_dump_json().encode()).hexdigest()[:12]


def records_version(doc_version: str) -> str:
    from assistant.extraction.extractor import EXTRACTOR_VERSION

    return f"{doc_version}:{EXTRACTOR_VERSION}"
