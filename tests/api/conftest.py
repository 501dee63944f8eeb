"""A real uvicorn server on loopback serving the app over a tiny ingested corpus."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from api.app import create_app
from assistant.service import Assistant
from assistant.settings import Settings
from tests.chroma_server import free_port
from tests.ingest.test_pipeline import FIXTURES

API_KEY = "segreta"


class LiveServer:
    def __init__(self, app, port: int) -> None:  # noqa: ANN001
        self.url = f"http://127.0.0.1:{port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/ready", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError("server not ready")

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, embedder) -> Iterator[LiveServer]:  # noqa: ANN001
    base = tmp_path_factory.mktemp("api")
    corpus = base / "mini"
    shutil.copytree(FIXTURES, corpus)
    settings = Settings(
        data_dir=base / "data", corpus_dir=corpus, api_key=API_KEY, max_upload_mb=1,
        cors_origins=["https://comune.example.it"],
    )
    assistant = Assistant(settings=settings, embedder=embedder)
    assert not assistant.ingest([corpus]).failed
    server = LiveServer(create_app(assistant=assistant), free_port())
    yield server
    server.stop()


@pytest.fixture
def client(live: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live.url, timeout=60) as c:
        yield c


def wait_job(client: httpx.Client, job_id: str, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/v1/jobs/{job_id}").json()
        if job["status"] in ("completato", "fallito"):
            return job
        time.sleep(0.2)
    raise AssertionError("job did not finish")


def problem(response: httpx.Response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status and body["code"] == code and body["detail"]
    return body


ROOT = Path(__file__).resolve().parents[2]
