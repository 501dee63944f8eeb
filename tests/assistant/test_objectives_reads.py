"""Reading the reviewed objectives table repeats no work and never waits for a writer.

A read when nothing was committed runs no query; one after an unrelated commit three small
queries (records versions, overlay fingerprint, last events), and never a reconcile; any review write, also one made by another
process on the same database, is visible on the next read; concurrent readers share one
rebuild; a writer holding the SQLite write lock does not hold readers up (WAL).
"""

from __future__ import annotations

import shutil
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from assistant import export
from assistant.service import Assistant
from assistant.settings import Settings
from tests.helpers import MINI

TITLE = "Cartella Sociale Informatizzata per tutti i servizi"
PREMESSA = "Il Piano di Zona dell'ambito di Crema definisce le priorità sociali"


@pytest.fixture
def app(tmp_path: Path, embedder: Any) -> Assistant:
    corpus = tmp_path / "mini"
    shutil.copytree(MINI, corpus)
    assistant = Assistant(settings=Settings(data_dir=tmp_path / "data", corpus_dir=corpus), embedder=embedder)
    assert not assistant.ingest([corpus]).failed
    assistant.warm_up()
    return assistant


class Statements:
    """The SQL statements run on the objectives database, by any thread, while recording."""

    def __init__(self, app: Assistant) -> None:
        self.sql: list[str] = []
        self._engine = app.objective_store().engine
        event.listen(self._engine, "before_cursor_execute", self._record)

    def _record(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:  # noqa: ANN401
        self.sql.append(" ".join(statement.split()))

    def close(self) -> None:
        event.remove(self._engine, "before_cursor_execute", self._record)


@pytest.fixture
def statements(app: Assistant) -> Iterator[Statements]:
    recorder = Statements(app)
    yield recorder
    recorder.close()


def _commit_elsewhere(app: Assistant) -> None:
    """Another connection commits a write to a table the objectives table does not read."""
    with sqlite3.connect(app.settings.objectives_url.removeprefix("sqlite:///")) as other:
        other.execute("CREATE TABLE IF NOT EXISTS probe (n INTEGER)")
        other.execute("INSERT INTO probe VALUES (1)")


def _reads_records(sql: list[str]) -> list[str]:
    return [s for s in sql if "FROM objectives " in s + " " or "FROM objective_reviews WHERE" in s]


def test_an_unchanged_table_costs_no_query_and_no_reconcile(app: Assistant, statements: Statements) -> None:
    (record,) = app.reviewed_objectives()
    app.review_objective(record.objective_id, author="Ufficio di Piano", changes={"timing": "Entro il 2017."})
    first = app.reviewed_objectives()
    assert [(r.review_status, r.timing) for r in first] == [("corretto", "Entro il 2017.")]

    statements.sql.clear()
    assert app.reviewed_objectives() == first
    assert statements.sql == []  # nothing was committed: SQLite's data_version says so, no query at all

    _commit_elsewhere(app)  # a commit that changes nothing the table reads
    assert app.reviewed_objectives() == first
    assert len(statements.sql) == 3, statements.sql
    assert all(s.startswith("SELECT") for s in statements.sql), statements.sql
    assert _reads_records(statements.sql) == []  # neither the records nor the overlay rows: no reconcile, no merge
    # the JSON of the route is rendered once per row and is byte for byte what export writes
    table = app.reviewed_table()
    assert table.to_json() == export.to_json(table.rows) and table.total == 1


def test_a_changed_document_is_reconciled_once_then_reads_are_cheap_again(
    app: Assistant, statements: Statements
) -> None:
    (record,) = app.reviewed_objectives()
    app.review_objective(record.objective_id, author="Ufficio di Piano", status="approvato")
    alfa = Path(app.settings.corpus_dir) / "piano_alfa.md"
    text = alfa.read_text(encoding="utf-8")
    alfa.write_text(text.replace(PREMESSA, "Con una premessa più lunga, " + PREMESSA), encoding="utf-8")
    statements.sql.clear()
    assert [o.doc_id for o in app.ingest([alfa.parent]).indexed] == ["alfa"]
    # the ingestion itself re-attached the review and merged the table again, not the next reader
    assert sum(s.startswith("UPDATE objective_reviews") for s in statements.sql) == 1, statements.sql

    statements.sql.clear()
    (moved,) = app.reviewed_objectives()
    assert statements.sql == []
    assert moved.objective_id != record.objective_id  # a new version: new ids
    assert (moved.title, moved.review_status) == (TITLE, "approvato")  # the decision followed the record
    assert [e.action for e in app.objective_history(moved.objective_id)] == ["approvato", "riattaccato"]

    statements.sql.clear()
    _commit_elsewhere(app)
    assert app.reviewed_objectives() == [moved]
    assert len(statements.sql) == 3 and _reads_records(statements.sql) == [], statements.sql


def test_every_review_write_is_seen_by_the_next_read(app: Assistant, tmp_path: Path, embedder: Any) -> None:
    (record,) = app.reviewed_objectives()
    app.review_objective(record.objective_id, author="Ufficio di Piano", changes={"title": "Cartella sociale"})
    assert [(r.title, r.review_status) for r in app.reviewed_objectives()] == [("Cartella sociale", "corretto")]
    added = app.add_objective("beta", author="Ufficio di Piano", fields={"title": "Trasporto sociale"})
    assert [r.title for r in app.reviewed_objectives()] == ["Cartella sociale", "Trasporto sociale"]
    app.reject_objective(added.objective_id, author="Ufficio di Piano")
    assert [r.title for r in app.reviewed_objectives()] == ["Cartella sociale"]

    # another process on the same database (a `pdz` command beside the server): seen on the next read too
    other = Assistant(settings=app.settings, embedder=embedder)
    other.review_objective(record.objective_id, author="Altro ufficio", status="rifiutato")
    assert app.reviewed_objectives() == []
    assert [r.review_status for r in app.reviewed_objectives(include_rejected=True)] == ["rifiutato", "rifiutato"]

    app.remove("alfa")
    assert app.reviewed_objectives(include_rejected=True, doc_id="alfa") == []


def test_concurrent_readers_share_one_rebuild(app: Assistant, statements: Statements, embedder: Any) -> None:
    (record,) = app.reviewed_objectives()
    # written by another process, so that no read of ``app`` has rebuilt the table yet
    Assistant(settings=app.settings, embedder=embedder).review_objective(
        record.objective_id, author="Ufficio di Piano", status="approvato"
    )
    statements.sql.clear()
    start = threading.Barrier(8)
    results: list[Any] = []

    def read() -> None:
        start.wait()
        results.append([(r.objective_id, r.review_status) for r in app.reviewed_objectives()])

    readers = [threading.Thread(target=read) for _ in range(8)]
    for t in readers:
        t.start()
    for t in readers:
        t.join(30)
    assert results == [[(record.objective_id, "approvato")]] * 8
    assert len([s for s in statements.sql if "FROM objective_reviews WHERE" in s]) == 1, statements.sql


def test_a_list_read_during_a_rebuild_gets_the_table_as_it_was(app: Assistant, embedder: Any) -> None:
    (record,) = app.reviewed_objectives()
    Assistant(settings=app.settings, embedder=embedder).review_objective(
        record.objective_id, author="Ufficio di Piano", status="approvato"
    )
    memo = app._table_memo()
    assert memo.lock.acquire(timeout=5)  # as if another request were merging the new decision
    try:
        done = threading.Event()
        seen: list[Any] = []
        threading.Thread(target=lambda: (seen.append(app.reviewed_table(wait=False).rows), done.set()),
                         daemon=True).start()
        assert done.wait(3), "a list read waited for the rebuild"
        assert [r.review_status for r in seen[0]] == ["estratto"]
    finally:
        memo.lock.release()
    assert [r.review_status for r in app.reviewed_table(wait=False).rows] == ["approvato"]


def test_reads_do_not_wait_for_a_writer_holding_the_database(app: Assistant) -> None:
    expected = app.reviewed_objectives()
    app.review_store()  # opened before the writer takes the database
    writer = sqlite3.connect(app.settings.objectives_url.removeprefix("sqlite:///"), isolation_level=None)
    try:
        writer.execute("BEGIN EXCLUSIVE")  # an ingestion or a review committing its records
        writer.execute("UPDATE objective_versions SET version = version")
        done = threading.Event()
        seen: list[Any] = []

        def read() -> None:
            seen.append(app.reviewed_objectives())
            seen.append(app.objectives())
            done.set()

        threading.Thread(target=read, daemon=True).start()
        assert done.wait(3), "a read waited for the writer"
        assert seen[0] == expected and [o.objective_id for o in seen[1]] == [r.objective_id for r in expected]
    finally:
        writer.execute("ROLLBACK")
        writer.close()


def test_objectives_command_pages(pdz: Any, tmp_path: Path) -> None:  # noqa: ANN401
    folder = tmp_path / "mini"
    shutil.copytree(MINI, folder)
    assert pdz("ingest", str(folder))[0] == 0
    code, out, err = pdz("objectives", "--limit", "1", "--offset", "0")
    assert code == 0 and err.strip() == "Righe 1-1 di 1." and TITLE[:40] in out
    code, out, err = pdz("objectives", "--limit", "5", "--offset", "1", "--json")
    assert code == 0 and out.strip() == "[]" and err.strip() == "Nessuna riga dopo la 1ª (in tutto 1)."
    code, _, err = pdz("objectives", "--limit", "0")
    assert code == 2 and "--limit" in err
