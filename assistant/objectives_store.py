"""Objective records in SQL (SQLite by default, any SQLAlchemy URL such as PostgreSQL).

Each document also has a row in ``objective_versions`` with the records version it
was extracted at, also when it yielded no record, so a start-up sync can tell an
up-to-date document from one never extracted without re-extracting either.
The review overlay (``assistant.review``) keeps its tables on the same engine.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, Integer, String, create_engine, delete, func, select
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

    def __init__(self, url: str) -> None:
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        self._engine = create_engine(url, future=True)
        _Base.metadata.create_all(self._engine)
        self._lock = threading.Lock()

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

    def remove_document(self, doc_id: str) -> int:
        with self._lock, Session(self._engine) as session, session.begin():
            result: Any = session.execute(delete(_Row).where(_Row.doc_id == doc_id))
            session.execute(delete(_Version).where(_Version.doc_id == doc_id))
            return int(result.rowcount or 0)

    def versions(self) -> dict[str, str]:
        """Records version of every extracted document, including those with no record."""
        with Session(self._engine) as session:
            # databases written before the versions table: a document's records carry its version
            legacy = session.execute(select(_Row.doc_id, func.max(_Row.version)).group_by(_Row.doc_id)).all()
            explicit = session.execute(select(_Version.doc_id, _Version.version)).all()
            return dict(legacy) | dict(explicit)

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
        query = select(_Row.record)
        if ambito:
            query = query.where(func.lower(_Row.ambito) == ambito.lower())
        if period:
            query = query.where(_Row.period == period)
        if doc_id:
            query = query.where(_Row.doc_id == doc_id)
        if not include_previous:
            query = query.where(_Row.scope != "previous")
        query = query.order_by(_Row.doc_id, _Row.char_start)
        with Session(self._engine) as session:
            return [Objective.model_validate(r) for r in session.execute(query).scalars()]
