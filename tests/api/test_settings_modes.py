"""How settings change the HTTP layer: writes without a key, protected reading, an unreachable store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from api.app import create_app
from api.problems import STORE_DOWN
from assistant.service import Assistant
from assistant.settings import Settings
from tests.api.conftest import API_KEY, LiveServer, problem
from tests.chroma_server import free_port


@pytest.fixture
def serve(live: LiveServer) -> Iterator[Any]:
    """Start extra servers over the live server's assistant, with other HTTP settings."""
    started: list[LiveServer] = []

    def start(settings: Settings, assistant: Assistant | None = None, wait_for: str = "/ready") -> httpx.Client:
        server = LiveServer(create_app(settings, assistant=assistant or live.assistant), data_dir=settings.data_dir,
                            assistant=assistant or live.assistant, wait_for=wait_for)
        started.append(server)
        return httpx.Client(base_url=server.url, timeout=60)

    yield start
    for server in started:
        server.stop()


def test_without_a_key_writes_are_disabled_and_reads_open(serve: Any, live: LiveServer) -> None:
    client = serve(Settings(data_dir=live.data_dir))
    files = {"file": ("gamma.txt", "Testo di prova sufficiente.", "text/plain")}
    body = problem(client.post("/v1/documents", files=files, headers={"X-API-Key": "qualsiasi"}), 403, "scrittura_disabilitata")
    assert "PDZ_API_KEY" in body["detail"]
    problem(client.delete("/v1/documents/alfa"), 403, "scrittura_disabilitata")
    assert [d["doc_id"] for d in client.get("/v1/documents").json()] == ["alfa", "beta"]
    # no CORS origins configured: no CORS headers at all
    assert "access-control-allow-origin" not in client.get("/v1/documents", headers={"Origin": "https://x.example"}).headers


def test_read_key_protects_reading_but_not_health(serve: Any, live: LiveServer) -> None:
    client = serve(Settings(data_dir=live.data_dir, api_key=API_KEY, api_read_key=True))
    problem(client.get("/v1/documents"), 401, "chiave_mancante")
    problem(client.post("/v1/search", json={"query": "voucher"}), 401, "chiave_mancante")
    problem(client.get("/v1/objectives", headers={"X-API-Key": "no"}), 403, "chiave_non_valida")
    assert client.get("/v1/documents", headers={"Authorization": f"Bearer {API_KEY}"}).status_code == 200
    assert client.get("/health").status_code == 200 and client.get("/ready").status_code == 200
    assert client.get("/").status_code == 200


def test_read_key_without_a_key_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="PDZ_API_READ_KEY richiede una chiave API"):
        Settings(data_dir=tmp_path, api_read_key=True)


def test_unreachable_store_not_ready_but_alive(serve: Any, tmp_path: Path, embedder: Any) -> None:
    dead = Settings(data_dir=tmp_path / "data", chroma_url=f"http://127.0.0.1:{free_port()}")
    client = serve(dead, assistant=Assistant(settings=dead, embedder=embedder), wait_for="/health")
    ready = client.get("/ready")
    body = problem(ready, 503, "non_pronto")
    assert ready.headers["retry-after"] == "5"
    body_search = client.post("/v1/search", json={"query": "voucher"})
    body = problem(body_search, 503, "archivio_non_raggiungibile")
    assert body["title"] == "Indice non disponibile" and body["detail"] == STORE_DOWN
    assert body_search.headers["retry-after"] == "5" and "127.0.0.1" not in body_search.text
    assert client.get("/health").json() == {"status": "ok"}


def test_writes_are_refused_before_a_job_when_the_store_is_down(serve: Any, tmp_path: Path, embedder: Any) -> None:
    dead = Settings(data_dir=tmp_path / "data", chroma_url=f"http://127.0.0.1:{free_port()}", api_key=API_KEY)
    client = serve(dead, assistant=Assistant(settings=dead, embedder=embedder), wait_for="/health")
    files = {"file": ("gamma.txt", "Relazione 2015-2017\n\nLa ludoteca apre il sabato.\n", "text/plain")}
    for response in (client.post("/v1/documents", files=files, headers={"X-API-Key": API_KEY}),
                     client.delete("/v1/documents/alfa", headers={"X-API-Key": API_KEY})):
        body = problem(response, 503, "archivio_non_raggiungibile")
        assert response.headers["retry-after"] == "5" and body["detail"] == STORE_DOWN
    assert not (tmp_path / "data" / "uploads").exists() or not any((tmp_path / "data" / "uploads").iterdir())
