"""Through HTTP: an upload is searchable by its words at once, semantic after, in states the list shows.

Each test runs its own server over the mini corpus with the session's model behind a gate:
while gated, each phase-2 batch waits for a permit the test releases.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.app import create_app
from assistant.service import Assistant
from ingest import index
from tests.api.conftest import API_KEY, AUTH, LiveServer, mini_assistant, wait_job

PARAGRAPHS = [
    "Il servizio di assistenza domiciliare raggiunge gli anziani soli dei Comuni di Zafferanopoli e dintorni.",
    "Il centro diurno per persone con disabilità apre il sabato mattina con laboratori di ceramica e musica.",
    "Lo sportello per le famiglie offre consulenza educativa ai genitori di adolescenti in difficoltà scolastica.",
    "Il fondo per la morosità incolpevole sostiene gli inquilini che hanno perso il lavoro durante la crisi.",
    "La rete antiviolenza coordina consultori, pronto soccorso e forze dell'ordine con un protocollo comune.",
]


class GatedEmbedder:
    """The real model; while ``gated``, each ``embed_documents`` call waits for one released permit."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name = inner.name
        self.gated = False
        self.fail = False
        self.permits = threading.Semaphore(0)

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        if self.gated:
            assert self.permits.acquire(timeout=120), "phase 2 was never released"
        if self.fail:
            raise RuntimeError("motore di embedding guasto")
        return self.inner.embed_documents(texts)  # type: ignore[no-any-return]

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)  # type: ignore[no-any-return]


def plan(paragraphs: list[str]) -> bytes:
    return ("Piano di Zona 2021-2023 dell'Ambito di Prova\n\n" + "\n\n".join(paragraphs) + "\n").encode()


def upload(client: httpx.Client, body: bytes, name: str = "piano_gamma.txt") -> dict[str, Any]:
    r = client.post("/v1/documents", files={"file": (name, body, "text/plain")}, headers=AUTH)
    assert r.status_code == 202, r.text
    job = wait_job(client, r.json()["id"])
    assert job["status"] == "done", job
    return job


def listed(client: httpx.Client, doc_id: str) -> dict[str, Any]:
    r = client.get("/v1/documents", headers=AUTH)
    assert r.status_code == 200
    [doc] = [d for d in r.json() if d["doc_id"] == doc_id]
    return doc  # type: ignore[no-any-return]


def search(client: httpx.Client, query: str) -> list[dict[str, Any]]:
    r = client.post("/v1/search", json={"query": query, "k": 10}, headers=AUTH)
    assert r.status_code == 200, r.text
    return r.json()["results"]  # type: ignore[no-any-return]


def found(client: httpx.Client, doc_id: str, word: str) -> bool:
    """A search for ``word`` returns a passage of ``doc_id`` containing it."""
    return any(h["doc_id"] == doc_id and word in h["text"] for h in search(client, word))


def wait_for(check: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError("condition not reached")


def dense_hits(assistant: Assistant, doc_id: str, query: str) -> int:
    """Dense hits of ``doc_id`` (the server runs in this process: its store is read directly)."""
    store = assistant.store
    hits = store.query(assistant.embedder.embed_query(query), 1000, live=store.live_versions())
    return sum(1 for c, _ in hits if c.doc_id == doc_id)


@pytest.fixture
def gated_server(tmp_path: Path, embedder: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[LiveServer, GatedEmbedder]]:
    monkeypatch.setattr(index, "_BATCH", 2)  # several phase-2 steps on a small plan
    gated = GatedEmbedder(embedder)
    settings, assistant = mini_assistant(tmp_path, gated, api_key=API_KEY, chunk_target_chars=120, chunk_max_chars=200)
    server = LiveServer(create_app(assistant=assistant), data_dir=settings.data_dir, assistant=assistant)
    yield server, gated
    gated.gated = False
    for _ in range(100):
        gated.permits.release()
    server.stop()


def test_upload_is_lexical_at_once_then_semantic(gated_server: tuple[LiveServer, GatedEmbedder]) -> None:
    live, gated = gated_server
    with httpx.Client(base_url=live.url, timeout=60) as client:
        gated.gated = True
        job = upload(client, plan(PARAGRAPHS))
        doc_id = job["outcomes"][0]["doc_id"]
        doc = listed(client, doc_id)
        # the text is live; the background embedding may already have started (no vector written yet)
        assert (doc["state"], doc["embedded"], doc["error"]) in {("testo_indicizzato", 0, None), ("semantico", 0, None)}
        assert doc["state_label"] in ("testo indicizzato", "semantico 0 %")
        total = doc["chunks"]
        assert total >= 5
        # its rare word finds it while nothing of it is embedded
        assert found(client, doc_id, "Zafferanopoli")
        assert dense_hits(live.assistant, doc_id, "assistenza domiciliare anziani") == 0

        gated.permits.release()
        wait_for(lambda: listed(client, doc_id)["embedded"] == 2)
        doc = listed(client, doc_id)
        assert (doc["state"], doc["state_label"]) == ("semantico", f"semantico {int(200 / total)} %")
        assert dense_hits(live.assistant, doc_id, "assistenza domiciliare anziani") == 2

        for _ in range(total):
            gated.permits.release()
        wait_for(lambda: listed(client, doc_id)["state"] == "pronto")
        assert listed(client, doc_id)["embedded"] == total
        assert dense_hits(live.assistant, doc_id, "assistenza domiciliare anziani") == total
        assert {d["state"] for d in client.get("/v1/documents", headers=AUTH).json()} == {"pronto"}

        # a new version: every search during its embedding sees the new text only
        new = [p.replace("Zafferanopoli", "Melogranio") + " Novità Melogranio." for p in PARAGRAPHS]
        while gated.permits.acquire(blocking=False):  # the permits the first version did not use
            pass
        upload(client, plan(new))
        assert listed(client, doc_id)["state"] in ("testo_indicizzato", "semantico")  # live at once, not yet pronto
        for step in range(total // 2 + 1):
            assert not found(client, doc_id, "Zafferanopoli")  # the old version's word: gone at once
            for query in ("Zafferanopoli", "Melogranio", "assistenza domiciliare anziani", "centro diurno disabilità"):
                results = [h for h in search(client, query) if h["doc_id"] == doc_id]
                assert results or query == "Zafferanopoli", (step, query)
                assert all("Zafferanopoli" not in h["text"] for h in results)
            gated.permits.release()
            wait_for(lambda s=step: listed(client, doc_id)["embedded"] >= min(2 * (s + 1), total))
        wait_for(lambda: listed(client, doc_id)["state"] == "pronto")


def test_queued_upload_is_listed_as_in_coda(gated_server: tuple[LiveServer, GatedEmbedder]) -> None:
    live, gated = gated_server
    runner = live.server.config.app.state.jobs  # type: ignore[attr-defined]
    hold = threading.Event()
    original = runner._ingest
    runner._ingest = lambda path: (hold.wait(60), original(path))[1]  # the job waits: the upload stays queued
    try:
        with httpx.Client(base_url=live.url, timeout=60) as client:
            r = client.post("/v1/documents", files={"file": ("piano_delta.txt", plan(PARAGRAPHS), "text/plain")}, headers=AUTH)
            assert r.status_code == 202
            doc = listed(client, "piano-delta")
            assert (doc["state"], doc["state_label"], doc["source"], doc["chunks"]) == ("in_coda", "in coda", "piano_delta.txt", 0)
            hold.set()
            wait_job(client, r.json()["id"])
            wait_for(lambda: listed(client, "piano-delta")["state"] == "pronto")
    finally:
        hold.set()
        runner._ingest = original


def test_embedding_failure_is_errore_and_a_restart_resumes(tmp_path: Path, embedder: Any) -> None:
    broken = GatedEmbedder(embedder)
    settings, assistant = mini_assistant(tmp_path, broken, api_key=API_KEY)
    broken.fail = True
    live = LiveServer(create_app(assistant=assistant), data_dir=settings.data_dir, assistant=assistant)
    try:
        with httpx.Client(base_url=live.url, timeout=60) as client:
            doc_id = upload(client, plan(PARAGRAPHS))["outcomes"][0]["doc_id"]
            wait_for(lambda: listed(client, doc_id)["state"] == "errore")
            doc = listed(client, doc_id)
            assert doc["error"] == index.EMBED_FAILED_MESSAGE and doc["state_label"] == "errore"
            assert found(client, doc_id, "Zafferanopoli")  # still found by its words
    finally:
        live.stop()

    # the next start of the service resumes the documents that are not `pronto`
    restarted = Assistant(settings=settings, embedder=embedder)
    live = LiveServer(create_app(assistant=restarted), data_dir=settings.data_dir, assistant=restarted)
    try:
        with httpx.Client(base_url=live.url, timeout=60) as client:
            wait_for(lambda: listed(client, doc_id)["state"] == "pronto")
            doc = listed(client, doc_id)
            assert (doc["embedded"], doc["error"]) == (doc["chunks"], None)
    finally:
        live.stop()
