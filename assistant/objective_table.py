"""The reviewed objectives table (records plus review overlay), merged once and kept per document.

Reading it never waits and repeats no work: the merged rows are kept per document under a key
of the document's records version and a fingerprint of its overlay (``ReviewStore.state``). A
read when nothing was committed costs one statement (SQLite's ``data_version``); otherwise three
small queries check those keys and only documents whose key changed are merged again, once,
under a lock that concurrent readers share. The overlay is re-attached (``reconcile``, which may
parse documents) only when a review row is attached to another records version than its
document's.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from assistant.store_errors import objectives_db

if TYPE_CHECKING:
    from assistant.extraction.schema import Objective
    from assistant.objectives_store import ObjectiveStore
    from assistant.review import OverlayState, ReviewedObjective, ReviewStore


@dataclass
class Entry:
    """One row of the reviewed table, with what the list filters read and its JSON once rendered."""

    base: Objective  # the extracted record, or the overlay row's own: the filters apply to it
    row: ReviewedObjective
    shown: bool  # in the default table (not only with ``include_candidates``)
    rendered: str | None = None

    def json(self) -> str:
        """The row as one element of ``export.to_json`` (same bytes), rendered once."""
        if self.rendered is None:
            text = json.dumps(self.row.model_dump(mode="json"), ensure_ascii=False, indent=2)
            self.rendered = "  " + text.replace("\n", "\n  ")
        return self.rendered


@dataclass(frozen=True)
class ObjectiveTable:
    """A page of the reviewed objectives table: its rows, how many rows match the filters, where it starts."""

    entries: list[Entry]
    total: int
    offset: int = 0

    @property
    def rows(self) -> list[ReviewedObjective]:
        """The rows (shared with later reads: do not modify them)."""
        return [e.row for e in self.entries]

    def to_json(self) -> str:
        """The rows as ``export.to_json`` writes them, from each row's cached rendering."""
        if not self.entries:
            return "[]"
        return "[\n" + ",\n".join(e.json() for e in self.entries) + "\n]"


# records versions, overlay fingerprints, this process's own record writes (per document)
State = tuple[dict[str, str], dict[str, "OverlayState"], dict[str, int]]
_Docs = dict[str, tuple[tuple[Any, ...], list[Entry]]]


@dataclass(frozen=True)
class TableStores:
    """The stores the reviewed table is read from, their errors mapped as every objectives read maps them."""

    records: ObjectiveStore
    reviews: ReviewStore
    url: str  # the objectives database, for ``objectives_db``
    span_text: Callable[[Objective], str]  # a record's text in its document (re-attaching reads it)

    def state(self) -> State:
        """What the table depends on: records versions, overlay fingerprints (three small queries)
        and this process's own record writes (a forced re-ingest rewrites a version)."""
        with objectives_db(self.url):
            return self.records.versions(), self.reviews.state(), self.records.writes()

    def reconcile(self, state: State) -> bool:
        """Re-attach overlay rows made on older records versions; False (and no work) when there are none."""
        versions, overlay_state, _ = state
        if not self.reviews.pending(overlay_state, versions):
            return False
        with objectives_db(self.url):
            self.reviews.reconcile(
                versions, lambda d: self.records.list(doc_id=d, include_previous=True), self.span_text
            )
        return True

    def merged(self, versions: dict[str, str], doc_ids: list[str], keys: dict[str, tuple[Any, ...]]) -> _Docs:
        """The rows of these documents, records and overlay merged, under their keys."""
        from assistant import review
        from assistant.extraction.selection import is_shown

        with objectives_db(self.url):
            records = self.records.records(versions, doc_ids)
            overlay = self.reviews.overlay(doc_ids)
        by_doc: dict[str, list[dict[str, Any]]] = {}
        for o in overlay:
            by_doc.setdefault(str(o["doc_id"]), []).append(o)
        return {
            d: (keys[d], [Entry(m.base, m.row, review.is_shown_reviewed(m.row, is_shown))
                          for m in review.merge_rows(records.get(d, []), by_doc.get(d, []))])
            for d in doc_ids
        }


class ReviewedTableCache:
    """The whole reviewed table (rejected rows and candidates included), per document, with its keys."""

    def __init__(self, stores: TableStores) -> None:
        self.stores = stores
        self.lock = threading.Lock()  # held by the one rebuild under way
        self.state: State | None = None
        self.token: int | None = None  # the database's data_version when ``state`` was read
        self.docs: _Docs = {}
        self.entries: list[Entry] = []

    def read(self, *, wait: bool = True) -> list[Entry]:
        """Every row of the reviewed table, rebuilt only for documents whose records or overlay changed.

        While another thread rebuilds it, ``wait=False`` returns the table as it was instead of waiting.
        """
        stores = self.stores
        # nothing committed since the table was checked: not even the three queries (SQLite)
        token = stores.records.data_version()
        if token is not None and token == self.token:
            return self.entries
        state = stores.state()
        if self.state == state:
            self.token = token  # read before the state: the table is at least as new
            return self.entries
        # one rebuild, shared by the readers that arrive meanwhile (or served the table as it was)
        if not self.lock.acquire(blocking=wait or self.state is None):
            return self.entries
        try:
            token = stores.records.data_version()
            state = stores.state()
            if self.state == state:
                self.token = token
                return self.entries
            if stores.reconcile(state):  # it commits: read both again, the token first
                token, state = stores.records.data_version(), stores.state()
            versions, overlay_state, writes = state
            keys = {d: (versions[d], writes.get(d, 0), overlay_state.get(d)) for d in sorted(versions)}
            changed = [d for d, key in keys.items() if d not in self.docs or self.docs[d][0] != key]
            docs = {d: self.docs[d] for d in keys if d not in changed}
            if changed:
                docs |= stores.merged(versions, changed, keys)
            self.docs = docs
            self.entries = [e for d in keys for e in docs[d][1]]
            self.state, self.token = state, token
            return self.entries
        finally:
            self.lock.release()


def select(
    entries: list[Entry],
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
) -> ObjectiveTable:
    """The rows the filters keep (see ``Assistant.reviewed_table``), one page of them and their number."""
    from assistant import review

    rejected = include_rejected or status == "rifiutato"
    picked = [
        e for e in entries
        if (include_candidates or e.shown)
        and (rejected or e.row.review_status != "rifiutato")
        and (status is None or e.row.review_status == status)
        and review.matches(e.base, ambito=ambito, period=period, doc_id=doc_id, include_previous=include_previous)
    ]
    end = None if limit is None else offset + limit
    return ObjectiveTable(picked[offset:end], total=len(picked), offset=offset)
