"""A real uvicorn server on loopback serving the app over the tiny ingested corpus.

The server runs in a thread of the test process with an Assistant built from
``Settings(data_dir=tmp, api_key="segreta", ...)`` and the session's embedding model;
tests talk to it over real HTTP with httpx.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from api.app import create_app
from assistant.service import Assistant
from assistant.settings import Settings
from tests.chroma_server import free_port

API_KEY = "segreta"
AUTH = {"X-API-Key": API_KEY}
ORIGIN = "https://comune.example.it"
ROOT = Path(__file__).resolve().parents[2]
MINI = ROOT / "tests" / "fixtures" / "mini"


class LiveServer:
    """uvicorn in a thread; started when ``wait_for`` answers 200 (``/ready``: models warm, store reachable)."""

    def __init__(self, app: FastAPI, *, data_dir: Path, assistant: Assistant, wait_for: str = "/ready") -> None:
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.data_dir = data_dir
        self.assistant = assistant
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, name="uvicorn-test", daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}{wait_for}", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if not self.thread.is_alive():
                break
            time.sleep(0.1)
        raise RuntimeError("the API server did not become ready")

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


def mini_assistant(base: Path, embedder: Any, **overrides: Any) -> tuple[Settings, Assistant]:
    """Settings on ``base`` and an Assistant with the mini corpus (alfa, beta) ingested."""
    corpus = base / "mini"
    shutil.copytree(MINI, corpus)
    settings = Settings(data_dir=base / "data", corpus_dir=corpus, **overrides)
    assistant = Assistant(settings=settings, embedder=embedder)
    report = assistant.ingest([corpus])
    assert not report.failed and len(report.indexed) == 2
    return settings, assistant


@pytest.fixture(scope="session")
def live(tmp_path_factory: pytest.TempPathFactory, embedder: Any) -> Iterator[LiveServer]:
    settings, assistant = mini_assistant(
        tmp_path_factory.mktemp("api"), embedder, api_key=API_KEY, max_upload_mb=1, max_body_kb=64, cors_origins=[ORIGIN],
        # the session's many tests share one client address; the limits have their own servers (test_faults)
        rate_ask_per_minute=0, rate_expensive_per_minute=0, rate_upload_per_minute=0, rate_auth_failures_per_minute=0,
    )
    server = LiveServer(create_app(assistant=assistant), data_dir=settings.data_dir, assistant=assistant)
    yield server
    server.stop()


@pytest.fixture
def client(live: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live.url, timeout=120) as c:
        yield c


def wait_job(client: httpx.Client, job_id: str, timeout: float = 180) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/v1/jobs/{job_id}", headers=AUTH).json()
        if job["status"] in ("done", "failed"):
            return job  # type: ignore[no-any-return]
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish")


def wait_ready_document(client: httpx.Client, doc_id: str, timeout: float = 180) -> dict[str, Any]:
    """Wait until a document's embeddings are all computed (state ``pronto``) and return its entry."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        entry = next((d for d in client.get("/v1/documents", headers=AUTH).json() if d["doc_id"] == doc_id), None)
        if entry is not None and entry["state"] in ("pronto", "errore"):
            return entry
        time.sleep(0.1)
    raise AssertionError(f"document {doc_id} not ready")


def problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """Assert an RFC 9457 problem document with this status and code, and return it."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["code"] == code
    assert body["type"] == f"urn:pdz-assistant:errore:{code}" and body["title"] and body["detail"]
    return body


def uploads_left(live: LiveServer) -> list[str]:
    folder = live.data_dir / "uploads"
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) if folder.exists() else []


@pytest.fixture(scope="session")
def corpus_live(corpus_assistant: Assistant) -> Iterator[LiveServer]:
    """The API over the real corpus (the session's ``corpus_assistant``, indexed once): real answers."""
    server = LiveServer(
        create_app(assistant=corpus_assistant), data_dir=corpus_assistant.settings.data_dir, assistant=corpus_assistant
    )
    yield server
    server.stop()
