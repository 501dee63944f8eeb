"""Objective records in SQL (SQLite by default, any SQLAlchemy URL such as PostgreSQL).

Each document also has a row in ``objective_versions`` with the records version it
was extracted at, also when it yielded no record, so a start-up sync can tell an
up-to-date document from one never extracted without re-extracting either.
The review overlay (``assistant.review``) keeps its tables on the same engine.

Reads are cheap and never wait for a writer: the parsed records of each document are
kept in memory under their records version (one small query on ``objective_versions``
tells which are current), so listing re-reads only documents written since, and SQLite
runs in WAL mode, where readers do not block on a writer's transaction.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, Integer, String, create_engine, delete, event, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from assistant.extraction.schema import Objective


class _Base(DeclarativeBase):
    pass


class _Row(_Base):
    __tablename__ = "objectives"

    objective_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    doc_id: Mapped[str] = mapped_column(String(200), index=True)
    version: Mapped[str] = mapped_column(String(64))
    ambito: Mapped[str | None] = mapped_column(String(100), index=True)
    period: Mapped[str | None] = mapped_column(String(20), index=True)
    scope: Mapped[str] = mapped_column(String(20))
    char_start: Mapped[int] = mapped_column(Integer)
    record: Mapped[dict[str, Any]] = mapped_column(JSON)


class _Version(_Base):
    __tablename__ = "objective_versions"

    doc_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    version: Mapped[str] = mapped_column(String(64))


class ObjectiveStore:
    """Replace, remove and list the objective records of each document, transactionally."""

    def __init__(self, url: str, *, on_write: Callable[[str], None] | None = None) -> None:
        """``on_write(doc_id)`` runs after each committed replace or removal (the service refreshes what it derives)."""
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        self._engine = create_engine(url, future=True)
        if url.startswith("sqlite"):
            event.listen(self._engine, "connect", _sqlite_wal)
        _Base.metadata.create_all(self._engine)
        self._lock = threading.Lock()
        self._on_write = on_write
        # doc_id -> (records version, its records in document order); shared, never mutated in place
        self._records: dict[str, tuple[str, list[Objective]]] = {}
        self._writes: dict[str, int] = {}  # writes per document by this process (a version can be rewritten)
        self._cache_lock = threading.Lock()  # not the writers' lock: reads never wait for a write
        # a connection that never writes: its PRAGMA data_version changes whenever anyone commits
        self._watch_path = url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else None
        self._watch: sqlite3.Connection | None = None
        self._watch_lock = threading.Lock()
        self._migrate_versions()

    def _migrate_versions(self) -> None:
        """Databases written before ``objective_versions``: each document's records carry its version."""
        with self._lock, Session(self._engine) as session, session.begin():
            known = set(session.execute(select(_Version.doc_id)).scalars())
            legacy = session.execute(select(_Row.doc_id, func.max(_Row.version)).group_by(_Row.doc_id)).all()
            session.add_all(_Version(doc_id=d, version=v) for d, v in legacy if d not in known)

    @property
    def engine(self) -> Engine:
        return self._engine

    def replace_document(self, doc_id: str, version: str, objectives: list[Objective]) -> None:
        """The document's records become ``objectives``, in one transaction."""
        with self._lock, Session(self._engine) as session, session.begin():
            session.execute(delete(_Row).where(_Row.doc_id == doc_id))
            session.merge(_Version(doc_id=doc_id, version=version))
            session.add_all(
                _Row(
                    objective_id=o.objective_id, doc_id=doc_id, version=version, ambito=o.ambito, period=o.period,
                    scope=o.scope, char_start=o.char_start, record=o.model_dump(mode="json"),
                )
                for o in objectives
            )
        self._forget(doc_id)  # the same version may have been rewritten (a forced re-ingest)

    def remove_document(self, doc_id: str) -> int:
        with self._lock, Session(self._engine) as session, session.begin():
            result: Any = session.execute(delete(_Row).where(_Row.doc_id == doc_id))
            session.execute(delete(_Version).where(_Version.doc_id == doc_id))
        self._forget(doc_id)
        return int(result.rowcount or 0)

    def _forget(self, doc_id: str) -> None:
        with self._cache_lock:
            self._writes[doc_id] = self._writes.get(doc_id, 0) + 1
            self._records = {d: v for d, v in self._records.items() if d != doc_id}
        if self._on_write is not None:
            self._on_write(doc_id)

    def writes(self) -> dict[str, int]:
        """How many times this process wrote each document's records (a version can be written again)."""
        return dict(self._writes)

    def data_version(self) -> int | None:
        """A number that changes whenever any connection, of any process, commits to the database.

        One statement, for the readers' "did anything change?" (SQLite only; None elsewhere).
        """
        if self._watch_path is None:
            return None
        with self._watch_lock:
            if self._watch is None:
                self._watch = sqlite3.connect(self._watch_path, check_same_thread=False)
            return int(self._watch.execute("PRAGMA data_version").fetchone()[0])

    def versions(self) -> dict[str, str]:
        """Records version of every extracted document, including those with no record (one small query)."""
        with Session(self._engine) as session:
            return {d: v for d, v in session.execute(select(_Version.doc_id, _Version.version))}

    def records(self, versions: dict[str, str], doc_ids: list[str]) -> dict[str, list[Objective]]:
        """The records of ``doc_ids`` at ``versions``, from memory when already read at that version.

        The returned lists are shared: callers must not modify them.
        """
        cached = self._records
        stale = [d for d in doc_ids if d in versions and cached.get(d, ("",))[0] != versions[d]]
        if stale:
            before = dict(self._writes)
            loaded: dict[str, list[Objective]] = {d: [] for d in stale}
            tags = {d: versions[d] for d in stale}
            query = select(_Row.doc_id, _Row.version, _Row.record).where(_Row.doc_id.in_(stale))
            with Session(self._engine) as session:
                for doc_id, version, record in session.execute(query.order_by(_Row.doc_id, _Row.char_start)):
                    loaded[doc_id].append(Objective.model_validate(record))
                    # the rows are the truth if a write landed between the two queries; a wrong tag
                    # only means the next read loads the document again
                    tags[doc_id] = version
            with self._cache_lock:  # kept unless this process rewrote the document meanwhile
                fresh = {d: (tags[d], loaded[d]) for d in stale if self._writes.get(d) == before.get(d)}
                self._records = self._records | fresh
            cached = cached | {d: (tags[d], loaded[d]) for d in stale}
        return {d: cached[d][1] for d in doc_ids if d in versions}

    def get(self, objective_id: str) -> Objective | None:
        with Session(self._engine) as session:
            record = session.execute(select(_Row.record).where(_Row.objective_id == objective_id)).scalar()
            return None if record is None else Objective.model_validate(record)

    def list(
        self,
        *,
        ambito: str | None = None,
        period: str | None = None,
        doc_id: str | None = None,
        include_previous: bool = False,
    ) -> list[Objective]:
        """Records in document order (by ``doc_id``, then position), filtered; never modify them (shared)."""
        versions = self.versions()
        docs = [doc_id] if doc_id else sorted(versions)
        by_doc = self.records(versions, docs)
        wanted = ambito.lower() if ambito else None
        return [
            o for d in docs for o in by_doc.get(d, [])
            if (wanted is None or (o.ambito or "").lower() == wanted)
            and (not period or o.period == period)
            and (include_previous or o.scope != "previous")
        ]


def _sqlite_wal(connection: Any, _record: Any) -> None:
    """Readers never wait for a writer's transaction (write-ahead log instead of a rollback journal)."""
    cursor = connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
    finally:
        cursor.close()
