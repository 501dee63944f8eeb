"""The docker-compose topology without Docker: a `chroma run` server and `pdz serve` as
processes, driven over HTTP."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.chroma_server import free_port
from tests.helpers import MINI as FIXTURES


@pytest.mark.integration
def test_api_process_against_chroma_server(chroma_server, tmp_path: Path) -> None:  # noqa: ANN001
    corpus = tmp_path / "mini"
    shutil.copytree(FIXTURES, corpus)
    pdz = str(Path(sys.executable).with_name("pdz"))
    env = {**os.environ, "PDZ_CHROMA_URL": chroma_server.url, "PDZ_COLLECTION_PREFIX": "topologia",
           "PDZ_DATA_DIR": str(tmp_path / "data"), "PDZ_CORPUS_DIR": str(corpus)}
    ingest = subprocess.run([pdz, "ingest"], env=env, capture_output=True, text=True, timeout=300)
    assert ingest.returncode == 0, ingest.stderr
    port = free_port()
    server = subprocess.Popen([pdz, "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/ready", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert server.poll() is None, server.stderr.read().decode() if server.stderr else ""
            time.sleep(0.3)
        assert httpx.get(f"{url}/ready").json()["documents"] == 2
        body = httpx.post(f"{url}/v1/ask", json={"question": "Cosa distribuisce il Banco alimentare?"}, timeout=60).json()
        assert body["abstained"] is False and body["citations"][0]["doc_id"] == "beta"
    finally:
        server.terminate()
        server.wait(timeout=20)
