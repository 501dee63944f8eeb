"""Store outages after start-up: every call says StoreUnavailable in Italian, without the
internal address, and the same live Assistant recovers once the store is back."""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.service import Assistant
from assistant.settings import Settings
from ingest.errors import StoreUnavailable

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "mini"
CHROMA_DOWN = "L'archivio dei documenti non è raggiungibile: riprova tra poco."
OBJECTIVES_DOWN = "L'archivio degli obiettivi non è raggiungibile: riprova tra poco."


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    folder = tmp_path / "mini"
    shutil.copytree(FIXTURES, folder)
    return folder


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[Any]:
    """A Chroma server of this test only (the shared one must not be killed)."""
    from tests.chroma_server import ChromaServer

    (tmp_path / "chroma").mkdir()
    server = ChromaServer(tmp_path / "chroma")
    yield server
    server.stop()


def _kill(server: Any) -> None:
    server.proc.kill()
    server.proc.wait(timeout=30)


def _restart(server: Any, path: Path) -> None:
    """Same port, same data: what an operator's `docker compose restart chroma` does."""
    exe = shutil.which("chroma") or str(Path(sys.executable).with_name("chroma"))
    server.proc = subprocess.Popen(
        [exe, "run", "--path", str(path / "db"), "--host", "127.0.0.1", "--port", str(server.port)],
        stdout=server.log,
        stderr=subprocess.STDOUT,
    )
    server._wait()


@pytest.mark.integration
def test_chroma_killed_under_a_live_assistant_then_restarted(
    own_server: Any, tmp_path: Path, mini: Path, embedder, caplog: pytest.LogCaptureFixture  # noqa: ANN001
) -> None:
    settings = Settings(data_dir=tmp_path / "data", chroma_url=own_server.url)
    app = Assistant(settings=settings, embedder=embedder)
    assert not app.ingest([mini]).failed
    app.warm_up()
    assert app.ask("Quali servizi per la domiciliarità prevede il piano Alfa?").citations

    _kill(own_server)
    calls: dict[str, Callable[[], object]] = {
        "documents": app.documents,
        "indexed": lambda: app.indexed("alfa"),
        "search": lambda: app.search("voucher"),
        "ask": lambda: app.ask("Quali servizi per la domiciliarità?"),
        "compare": lambda: app.compare("domiciliarità"),
        "remove": lambda: app.remove("beta"),
        "ingest": lambda: app.ingest([mini], force=True),
        "check_duplicate": lambda: app.check_duplicate(mini / "piano_alfa.md"),
        "chunks": app.store.chunks,
        "collect_garbage": app.store.collect_garbage,
    }
    with caplog.at_level(logging.WARNING, logger="ingest.index"):
        for name, call in calls.items():
            with pytest.raises(StoreUnavailable) as info:
                call()
            assert info.value.message == CHROMA_DOWN, name
            assert str(own_server.port) not in str(info.value) and "127.0.0.1" not in str(info.value), name
    assert app.ready() is False
    # the address is for the operator: in the log
    assert any(own_server.url in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)

    _restart(own_server, tmp_path / "chroma")
    assert app.ready() is True
    assert [d.meta.doc_id for d in app.documents()] == ["alfa", "beta"]
    assert app.search("voucher", k=3)
    assert app.ask("Quali servizi per la domiciliarità prevede il piano Alfa?").citations
    app.remove("beta")
    assert [d.meta.doc_id for d in app.documents()] == ["alfa"]


def test_objectives_database_unreachable_then_back(
    tmp_path: Path, mini: Path, embedder, monkeypatch: pytest.MonkeyPatch  # noqa: ANN001
) -> None:
    # a database "file" that is a directory cannot be opened: SQLAlchemy OperationalError
    database = tmp_path / "db" / "objectives.sqlite3"
    database.mkdir(parents=True)
    settings = Settings(data_dir=tmp_path / "data", database_url=f"sqlite:///{database}")
    app = Assistant(settings=settings, embedder=embedder)
    with pytest.raises(StoreUnavailable) as info:
        app.ingest([mini])
    assert info.value.message == OBJECTIVES_DOWN and str(tmp_path) not in str(info.value)
    with pytest.raises(StoreUnavailable) as info:
        app.objectives()
    assert info.value.message == OBJECTIVES_DOWN

    database.rmdir()  # the database is back: no restart needed
    app.sync_objectives()  # what start-up does: records of the documents indexed meanwhile
    synced = app.objectives(include_previous=True)
    # alfa was indexed before its records failed to be written (and the failure stopped the batch)
    assert synced and {o.doc_id for o in synced} == {"alfa"}
    assert not app.ingest([mini], force=True).failed
    assert app.objectives(include_previous=True, doc_id="alfa") == synced
