"""The review overlay: approvals, corrections, rejections and added records, kept apart from extraction.

The extracted records (``objectives_store``) are never modified. Each reviewed
record has one overlay row (``objective_reviews``: the decision, the corrected
field values, the extracted record it was made on and that record's source-span
text as anchor) and every change appends an event (``objective_review_events``:
who, when, what, before and after), the audit trail.

Record ids change when a document or the extractor changes, so an overlay row
is re-attached by text: after a re-extraction (the document's records version
differs from the one the row was attached to), it follows the new record whose
source span still reads like the anchor, or whose edited fields (and title) still
read as they did when edited. A row that matches no new record is flagged
``da_rivedere`` and kept, never dropped.

:func:`merge` turns extracted records plus overlay into reviewed rows.
"""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from rapidfuzz import fuzz
from sqlalchemy import JSON, Boolean, DateTime, Integer, String, Text, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from assistant.extraction.schema import LIST_FIELDS, SHOWN_CATEGORIES, TEXT_FIELDS, Objective
from ingest.document import ParsedDocument
from ingest.errors import InputError, NotFound

ReviewStatus = Literal["estratto", "approvato", "corretto", "aggiunto", "rifiutato", "da_rivedere"]
REVIEW_STATUSES: tuple[str, ...] = ("estratto", "approvato", "corretto", "aggiunto", "rifiutato", "da_rivedere")
Decision = Literal["approvato", "rifiutato"]
EDITABLE_FIELDS: tuple[str, ...] = TEXT_FIELDS + LIST_FIELDS + ("scope", "category")
"""Fields a reviewer may correct; ids, provenance (document, span, page) and extraction scores are not."""
HUMAN_STATUSES = ("approvato", "corretto", "aggiunto", "da_rivedere")
SYSTEM = "sistema"
ANCHOR_MATCH = 90.0
"""Minimum rapidfuzz ratio (0-100) for an anchor to still match a new record's text."""


class ReviewError(InputError):
    """A review request that cannot be applied (unknown field, empty title, bad status)."""

    code = "revisione_non_valida"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__("revisione", message, code=code)
        self.message = message


class ReviewedObjective(Objective):
    """An objective record as the review table shows it: the extracted record with the overlay applied."""

    review_status: ReviewStatus = "estratto"
    corrected_fields: list[str] = Field(default_factory=list)
    reviewed_by: str | None = None
    reviewed_at: datetime | None = None


class ReviewEvent(BaseModel):
    """One entry of the audit trail."""

    model_config = ConfigDict(extra="forbid")

    at: datetime
    author: str
    action: Literal["approvato", "corretto", "rifiutato", "aggiunto", "rimosso", "riattaccato", "da_rivedere"]
    objective_id: str
    doc_id: str
    changes: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="Campo corretto -> {prima, dopo}."
    )
    note: str = ""


class OverlayState(NamedTuple):
    """A document's overlay fingerprint: (records version, rows, last update) per version, and the last event id."""

    groups: tuple[tuple[str | None, int, Any], ...]
    last_event: int | None


class _Base(DeclarativeBase):
    pass


class _Review(_Base):
    __tablename__ = "objective_reviews"

    review_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    doc_id: Mapped[str] = mapped_column(String(200), index=True)
    objective_id: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[str | None] = mapped_column(String(64))
    added: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(20))  # approvato | corretto | rifiutato | aggiunto
    stale: Mapped[bool] = mapped_column(Boolean, default=False)
    changes: Mapped[dict[str, Any]] = mapped_column(JSON)
    base: Mapped[dict[str, Any]] = mapped_column(JSON)  # the extracted record (or the added one)
    anchor: Mapped[str] = mapped_column(Text, default="")  # source-span text of ``base``
    updated_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class _Event(_Base):
    __tablename__ = "objective_review_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    review_id: Mapped[str] = mapped_column(String(32), index=True)
    objective_id: Mapped[str] = mapped_column(String(64))
    doc_id: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    author: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(20))
    changes: Mapped[dict[str, Any]] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(Text, default="")


def _now() -> datetime:
    return datetime.now(UTC)


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def _value_text(value: Any) -> str:
    return "\n".join(value) if isinstance(value, list) else str(value or "")


def clean_changes(changes: Mapping[str, Any]) -> dict[str, Any]:
    """Validated corrections: known editable fields, trimmed text, a non-empty title."""
    out: dict[str, Any] = {}
    for name, value in changes.items():
        if name not in EDITABLE_FIELDS:
            raise ReviewError(f"Il campo «{name}» non esiste o non è modificabile.", code="campo_non_modificabile")
        if name in LIST_FIELDS:
            items = [value] if isinstance(value, str) else value
            if not isinstance(items, list) or not all(isinstance(x, str) for x in items):
                raise ReviewError(f"Il campo «{name}» deve essere un elenco di testi.")
            out[name] = [x.strip() for x in items if x.strip()]
        elif value is None or isinstance(value, str):
            out[name] = value.strip() or None if isinstance(value, str) else None
        else:
            raise ReviewError(f"Il campo «{name}» deve essere un testo.")
    if "title" in out and not out["title"]:
        raise ReviewError("Il titolo non può essere vuoto.", code="titolo_vuoto")
    return out


def _apply(base: Mapping[str, Any], changes: Mapping[str, Any]) -> Objective:
    try:
        return Objective.model_validate(dict(base) | dict(changes))
    except ValidationError as exc:
        fields = ", ".join(sorted({str(e["loc"][0]) for e in exc.errors() if e.get("loc")}))
        raise ReviewError(f"Valore non ammesso per: {fields}.") from exc


class ReviewStore:
    """The overlay tables, on the engine of the objectives database."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        _Base.metadata.create_all(engine)
        self._lock = threading.Lock()

    # -- reading -----------------------------------------------------------------------
    def _rows(self, session: Session, doc_ids: Iterable[str] | None = None) -> list[_Review]:
        query = select(_Review)
        if doc_ids is not None:
            query = query.where(_Review.doc_id.in_(list(doc_ids)))
        return list(session.execute(query.order_by(_Review.updated_at)).scalars())

    def _by_objective(self, session: Session, objective_id: str) -> _Review | None:
        return session.execute(select(_Review).where(_Review.objective_id == objective_id)).scalars().first()

    def history(self, objective_id: str) -> list[ReviewEvent] | None:
        """The audit trail of the overlay row now holding ``objective_id`` (None: no review yet)."""
        with Session(self._engine) as session:
            row = self._by_objective(session, objective_id)
            if row is None:
                return None
            events = session.execute(
                select(_Event).where(_Event.review_id == row.review_id).order_by(_Event.id)
            ).scalars()
            return [
                ReviewEvent(at=_aware(e.at), author=e.author, action=e.action,  # type: ignore[arg-type]
                            objective_id=e.objective_id, doc_id=e.doc_id, changes=e.changes, note=e.note)
                for e in events
            ]

    def overlay(self, doc_ids: Iterable[str] | None = None) -> list[dict[str, Any]]:
        """The overlay rows (plain dicts), optionally of some documents only."""
        with Session(self._engine) as session:
            return [
                {"review_id": r.review_id, "doc_id": r.doc_id, "objective_id": r.objective_id, "added": r.added,
                 "status": r.status, "stale": r.stale, "changes": dict(r.changes), "base": dict(r.base),
                 "updated_by": r.updated_by, "updated_at": _aware(r.updated_at)}
                for r in self._rows(session, doc_ids)
            ]

    def state(self) -> dict[str, OverlayState]:
        """Per document, a fingerprint of its overlay (two grouped queries, no row read).

        Any review write or re-attachment changes it: a row added, updated (``updated_at``),
        re-attached or flagged (a new event), or attached to another records version.
        """
        with Session(self._engine) as session:
            groups = list(session.execute(
                select(_Review.doc_id, _Review.version, func.count(), func.max(_Review.updated_at))
                .group_by(_Review.doc_id, _Review.version)
            ))
            events = {d: last for d, last in session.execute(
                select(_Event.doc_id, func.max(_Event.id)).group_by(_Event.doc_id)
            )}
        rows: dict[str, list[tuple[str | None, int, Any]]] = {}
        for doc_id, version, count, updated in groups:
            rows.setdefault(doc_id, []).append((version, count, updated))
        return {
            d: OverlayState(tuple(sorted(rows.get(d, []), key=lambda g: g[0] or "")), events.get(d))
            for d in set(rows) | set(events)
        }

    @staticmethod
    def pending(state: Mapping[str, OverlayState], versions: Mapping[str, str]) -> bool:
        """Whether :meth:`reconcile` has work: a row attached to another records version than its document's."""
        return any(
            version != versions[d] for d, s in state.items() if d in versions for version, _, _ in s.groups
        )

    # -- writing -----------------------------------------------------------------------
    def review(
        self,
        record: Objective | None,
        objective_id: str,
        *,
        author: str,
        version: str | None,
        anchor: str = "",
        changes: Mapping[str, Any] | None = None,
        status: Decision | None = None,
    ) -> None:
        """Correct and/or decide on a record: the extracted ``record`` or an overlay-only one (``None``)."""
        author = _author(author)
        fixes = clean_changes(changes or {})
        if status not in (None, "approvato", "rifiutato"):
            raise ReviewError(f"Stato «{status}» non ammesso: usare approvato o rifiutato.", code="stato_non_valido")
        if not fixes and status is None:
            raise ReviewError("Nessuna modifica: indicare i campi da correggere o lo stato.", code="nessuna_modifica")
        with self._lock, Session(self._engine) as session, session.begin():
            row = self._by_objective(session, objective_id)
            if row is None:
                if record is None:
                    raise NotFound(f"Obiettivo «{objective_id}» non trovato.")
                row = _Review(
                    review_id=uuid.uuid4().hex, doc_id=record.doc_id, objective_id=objective_id, version=version,
                    added=False, status="corretto", stale=False, changes={}, base=record.model_dump(mode="json"),
                    anchor=anchor, updated_by=author, updated_at=_now(),
                )
                session.add(row)
            before = _apply(row.base, row.changes)
            _apply(row.base, dict(row.changes) | fixes)  # validate the merged record before writing
            diff = {k: {"prima": getattr(before, k), "dopo": v} for k, v in fixes.items() if getattr(before, k) != v}
            if diff:
                row.changes = dict(row.changes) | {k: fixes[k] for k in diff}
            new_status = status or ("aggiunto" if row.added and row.status == "aggiunto" else "corretto")
            if not diff and status is None:
                return  # the same values again: nothing to record
            if row.stale and status == "approvato":
                row.added, row.stale = True, False  # confirmed by a person: kept as a manual record
            row.status, row.updated_by, row.updated_at = new_status, author, _now()
            action = status or "corretto"
            session.add(_Event(review_id=row.review_id, objective_id=row.objective_id, doc_id=row.doc_id, at=_now(),
                               author=author, action=action, changes=diff, note=""))

    def add(self, record: Objective, *, author: str, version: str | None) -> None:
        """Store a record written by a reviewer (status ``aggiunto``)."""
        author = _author(author)
        if not record.title.strip():
            raise ReviewError("Il titolo non può essere vuoto.", code="titolo_vuoto")
        with self._lock, Session(self._engine) as session, session.begin():
            row = _Review(
                review_id=uuid.uuid4().hex, doc_id=record.doc_id, objective_id=record.objective_id, version=version,
                added=True, status="aggiunto", stale=False, changes={}, base=record.model_dump(mode="json"),
                anchor="", updated_by=author, updated_at=_now(),
            )
            session.add(row)
            session.add(_Event(review_id=row.review_id, objective_id=row.objective_id, doc_id=row.doc_id, at=_now(),
                               author=author, action="aggiunto", changes={}, note=record.title))

    def remove_added(self, objective_id: str, *, author: str) -> bool:
        """Withdraw a record added by a reviewer (or a flagged one); False if ``objective_id`` is not such a record."""
        author = _author(author)
        with self._lock, Session(self._engine) as session, session.begin():
            row = self._by_objective(session, objective_id)
            if row is None or not (row.added or row.stale):
                return False
            # the row stays with its audit trail; it is hidden as rejected
            row.status, row.stale, row.added, row.updated_by, row.updated_at = "rifiutato", False, True, author, _now()
            session.add(_Event(review_id=row.review_id, objective_id=row.objective_id, doc_id=row.doc_id, at=_now(),
                               author=author, action="rimosso", changes={}, note=""))
            return True

    def reconcile(
        self, versions: Mapping[str, str], records_of: Callable[[str], Sequence[Objective]],
        span_text: Callable[[Objective], str],
    ) -> None:
        """Re-attach overlay rows made on an older records version of their document, or flag them."""
        with self._lock, Session(self._engine) as session, session.begin():
            pending: dict[str, list[_Review]] = {}
            for row in self._rows(session, list(versions)):
                if row.version != versions[row.doc_id]:
                    pending.setdefault(row.doc_id, []).append(row)
            for doc_id, rows in pending.items():
                version = versions[doc_id]
                records = list(records_of(doc_id))
                claimed = {r.objective_id for r in self._rows(session, [doc_id]) if r.version == version and not r.added}
                for row in rows:
                    row.version = version
                    if row.added:
                        continue  # a reviewer's own record does not depend on extraction
                    free = [r for r in records if r.objective_id not in claimed]
                    match = best_match(row.base, row.anchor, list(row.changes), free, span_text)
                    if match is None:
                        if not row.stale:
                            row.stale = True
                            session.add(_Event(
                                review_id=row.review_id, objective_id=row.objective_id, doc_id=doc_id, at=_now(),
                                author=SYSTEM, action="da_rivedere", changes={},
                                note="Il testo del record non si ritrova più nel documento ri-estratto.",
                            ))
                        continue
                    record, score = match
                    claimed.add(record.objective_id)
                    session.add(_Event(
                        review_id=row.review_id, objective_id=record.objective_id, doc_id=doc_id, at=_now(),
                        author=SYSTEM, action="riattaccato", changes={},
                        note=f"Revisione riattaccata al record ri-estratto (somiglianza {score:.0f}/100).",
                    ))
                    row.objective_id, row.base, row.anchor = record.objective_id, record.model_dump(mode="json"), span_text(record)
                    row.stale = False


def best_match(
    base: Mapping[str, Any], anchor: str, edited: Sequence[str], records: Sequence[Objective],
    span_text: Callable[[Objective], str],
) -> tuple[Objective, float] | None:
    """The new record an edit still applies to, with its similarity (0-100), or None.

    It matches when its source span reads like the old one (``anchor``), or when the title and
    every edited field still read as they did in the record the edit was made on.
    """
    fields = ["title", *[f for f in edited if f != "title"]]
    best: tuple[float, Objective] | None = None
    for r in records:
        span = fuzz.ratio(_norm(anchor), _norm(span_text(r))) if anchor else 0.0
        evidence = min(
            (fuzz.ratio(_norm(_value_text(base.get(f))), _norm(_value_text(getattr(r, f)))) for f in fields),
            default=0.0,
        )
        score = max(span, evidence)
        if score >= ANCHOR_MATCH and (best is None or score > best[0]):
            best = (score, r)
    return None if best is None else (best[1], best[0])


class Merged(NamedTuple):
    """One reviewed row, the record the list filters apply to, and whether it exists only in the overlay."""

    base: Objective
    row: ReviewedObjective
    overlay_only: bool


def merge_rows(records: Sequence[Objective], overlay: Sequence[Mapping[str, Any]]) -> list[Merged]:
    """Every row of :func:`merge` (rejected ones included, nothing filtered), in document order."""
    by_id = {o["objective_id"]: o for o in overlay if not o["added"] and not o["stale"]}
    rows: list[Merged] = []
    for r in records:
        o = by_id.get(r.objective_id)
        rows.append(Merged(r, _reviewed(r.model_dump(mode="json"), o) if o else ReviewedObjective(**r.model_dump()),
                           False))
    for o in overlay:
        if o["added"] or o["stale"]:
            rows.append(Merged(Objective.model_validate(o["base"]), _reviewed(o["base"], o), True))
    # in document order; records added without a span come after the document's others
    return sorted(rows, key=lambda m: (m.row.doc_id, m.row.char_end == 0, m.row.char_start, m.row.char_end))


def merge(
    records: Sequence[Objective],
    overlay: Sequence[Mapping[str, Any]],
    *,
    keep: Callable[[Objective], bool] = lambda _: True,
    include_rejected: bool = False,
) -> list[ReviewedObjective]:
    """Extracted records with the overlay applied, plus added and flagged records, in document order.

    ``keep`` filters overlay-only rows the way the store filtered ``records`` (ambito, period, doc).
    Rejected rows are left out unless ``include_rejected``.
    """
    return [
        m.row for m in merge_rows(records, overlay)
        if (not m.overlay_only or keep(m.base)) and (include_rejected or m.row.review_status != "rifiutato")
    ]


def _reviewed(base: Mapping[str, Any], o: Mapping[str, Any]) -> ReviewedObjective:
    status: ReviewStatus = "da_rivedere" if o["stale"] and o["status"] != "rifiutato" else o["status"]
    return ReviewedObjective(
        **(dict(base) | o["changes"]), review_status=status, corrected_fields=sorted(o["changes"]),
        reviewed_by=o["updated_by"], reviewed_at=o["updated_at"],
    )


def is_shown_reviewed(row: ReviewedObjective, is_shown: Callable[[Objective], bool]) -> bool:
    """The default table: what the extractor selects, plus what a person approved, corrected or added."""
    if row.review_status in HUMAN_STATUSES:
        return row.category in SHOWN_CATEGORIES and row.scope != "previous"
    return is_shown(row)


def matches(
    o: Objective, *, ambito: str | None, period: str | None, doc_id: str | None, include_previous: bool
) -> bool:
    """The store's list filters, for overlay-only rows (added or flagged records)."""
    return (
        (not ambito or (o.ambito or "").lower() == ambito.lower())
        and (not period or o.period == period)
        and (not doc_id or o.doc_id == doc_id)
        and (include_previous or o.scope != "previous")
    )


def new_record(doc: ParsedDocument, fields: Mapping[str, Any], span: tuple[int, int] | None = None) -> Objective:
    """A record written by a reviewer for ``doc``: its fields, optionally grounded in a span of the text."""
    values = clean_changes(fields)
    if not values.get("title"):
        raise ReviewError("Il titolo non può essere vuoto.", code="titolo_vuoto")
    start, end = span or (0, 0)
    if span is not None and not 0 <= start < end <= len(doc.text):
        raise ReviewError(f"Intervallo di caratteri {start}-{end} fuori dal documento.", code="intervallo_non_valido")
    section = doc.section_at(start) if span else None
    meta = doc.meta
    base = {
        "objective_id": "agg-" + uuid.uuid4().hex[:20], "doc_id": meta.doc_id, "source": meta.source,
        "ambito": meta.ambito, "period": meta.period, "page": doc.page_at(start) if span else None,
        "section": section.path_text if section else "", "char_start": start, "char_end": end,
        "score": 1.0, "reason": "aggiunto in revisione",
    }
    return _apply(base, values)


def _author(author: str) -> str:
    author = (author or "").strip()
    if not author:
        raise ReviewError("Indicare l'autore della revisione.", code="autore_mancante")
    return author[:200]


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)  # SQLite drops the zone
