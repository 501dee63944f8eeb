"""Two-phase indexing: text first (lexical search at once), embeddings after, never two versions mixed.

The session's real model sits behind a gate (:class:`GatedEmbedder`): each call that embeds
passages takes one permit, so a test decides exactly how far phase 2 has gone.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from assistant.service import Assistant
from assistant.settings import Settings
from ingest import index
from ingest.index import EMBED_FAILED_MESSAGE, IndexedDocument

PARAGRAPHS = [
    "Il servizio di assistenza domiciliare raggiunge gli anziani soli dei Comuni di Zafferanopoli e dintorni.",
    "Il centro diurno per persone con disabilità apre il sabato mattina con laboratori di ceramica e musica.",
    "Lo sportello per le famiglie offre consulenza educativa ai genitori di adolescenti in difficoltà scolastica.",
    "Il fondo per la morosità incolpevole sostiene gli inquilini che hanno perso il lavoro durante la crisi.",
    "La rete antiviolenza coordina consultori, pronto soccorso e forze dell'ordine con un protocollo comune.",
    "Il trasporto sociale accompagna alle terapie le persone non autosufficienti prive di rete familiare.",
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


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two chunks per phase-2 batch, so that progress has several steps on a small document."""
    monkeypatch.setattr(index, "_BATCH", 2)


def make_settings(tmp_path: Path) -> Settings:
    # small chunks: each paragraph is its own chunk
    return Settings(data_dir=tmp_path / "data", corpus_dir=tmp_path, chunk_target_chars=120, chunk_max_chars=200)


def write_plan(folder: Path, paragraphs: list[str], name: str = "piano_gamma.txt") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("Piano di Zona 2021-2023 dell'Ambito di Prova\n\n" + "\n\n".join(paragraphs) + "\n", encoding="utf-8")
    return path


def wait_for(check: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError("condition not reached")


def dense_docs(a: Assistant, query: str) -> list[str]:
    """Doc ids of the dense hits (all of them) for ``query``."""
    hits = a.store.query(a.embedder.embed_query(query), 1000, live=a.store.live_versions())
    return [c.doc_id for c, _ in hits]


def test_text_is_searchable_before_embeddings_then_dense(tmp_path: Path, embedder: Any, small_batches: None) -> None:
    gated = GatedEmbedder(embedder)
    a = Assistant(settings=make_settings(tmp_path), embedder=gated)
    gated.gated = True
    report = a.ingest([write_plan(tmp_path / "in", PARAGRAPHS)], embed_later=True)
    doc_id = report.indexed[0].doc_id
    assert doc_id is not None
    doc = a.indexed(doc_id)
    assert (doc.state, doc.embedded, doc.state_label) == ("testo_indicizzato", 0, "testo indicizzato")
    total = doc.chunks
    assert total >= 6

    hits = a.search("Zafferanopoli")  # a word only this plan has: found by its text alone
    assert hits and hits[0].chunk.doc_id == doc_id and "Zafferanopoli" in hits[0].chunk.text
    assert dense_docs(a, "assistenza domiciliare anziani") == []  # nothing dense yet

    worker = threading.Thread(target=a.embed_pending)
    worker.start()
    gated.permits.release()  # one batch of two chunks
    wait_for(lambda: a.indexed(doc_id).embedded == 2)
    doc = a.indexed(doc_id)
    assert doc.state == "semantico" and doc.state_label == f"semantico {int(100 * 2 / total)} %"
    assert dense_docs(a, "assistenza domiciliare anziani") == [doc_id, doc_id]  # exactly the embedded chunks

    for _ in range(total):
        gated.permits.release()
    worker.join(timeout=120)
    doc = a.indexed(doc_id)
    assert (doc.state, doc.embedded, doc.progress, doc.error) == ("pronto", total, 1.0, "")
    assert len(dense_docs(a, "assistenza domiciliare anziani")) == total


def test_new_version_is_never_mixed_with_the_old(tmp_path: Path, embedder: Any, small_batches: None) -> None:
    gated = GatedEmbedder(embedder)
    a = Assistant(settings=make_settings(tmp_path), embedder=gated)
    old_path = write_plan(tmp_path / "v1", PARAGRAPHS)
    doc_id = a.ingest([old_path]).indexed[0].doc_id
    assert doc_id is not None and a.indexed(doc_id).state == "pronto"
    old_version = a.indexed(doc_id).version

    # version 2: every paragraph says "Melogranio" where version 1 said "Zafferanopoli" or nothing
    new = [p.replace("Zafferanopoli", "Melogranio") + " Novità Melogranio." for p in PARAGRAPHS]
    gated.gated = True
    a.ingest([write_plan(tmp_path / "v2", new)], embed_later=True)
    new_version = a.indexed(doc_id).version
    assert new_version != old_version

    worker = threading.Thread(target=a.embed_pending)
    worker.start()
    total = a.indexed(doc_id).chunks
    for step in range(total // 2 + 1):
        for query in ("Zafferanopoli", "Melogranio", "assistenza domiciliare anziani", "centro diurno disabilità"):
            results = [r for r in a.search(query) if r.chunk.doc_id == doc_id]
            assert results or query == "Zafferanopoli", (step, query)  # version 1's own word finds nothing
            assert all(r.chunk.version == new_version and "Zafferanopoli" not in r.chunk.text for r in results)
        assert set(dense_docs(a, "assistenza domiciliare")) <= {doc_id}
        gated.permits.release()
        wait_for(lambda s=step: a.indexed(doc_id).embedded >= min(2 * (s + 1), total) or not worker.is_alive())
    worker.join(timeout=120)
    assert a.indexed(doc_id).state == "pronto"
    assert a.store.stored_chunks() == total  # the old version's chunks are gone


def test_version_replaced_during_embedding_stops_the_old_work(tmp_path: Path, embedder: Any, small_batches: None) -> None:
    gated = GatedEmbedder(embedder)
    a = Assistant(settings=make_settings(tmp_path), embedder=gated)
    gated.gated = True
    doc_id = a.ingest([write_plan(tmp_path / "v1", PARAGRAPHS)], embed_later=True).indexed[0].doc_id
    assert doc_id is not None
    worker = threading.Thread(target=a.embed_pending)
    worker.start()
    time.sleep(0.2)  # the worker waits inside its first batch of version 1
    new = [p + " Aggiornato nel 2022." for p in PARAGRAPHS]
    a.ingest([write_plan(tmp_path / "v2", new)], embed_later=True)  # flips while version 1 is being embedded
    gated.permits.release()
    worker.join(timeout=120)
    doc = a.indexed(doc_id)
    # version 1's batch was dropped: nothing of version 2 is embedded yet, nothing of version 1 is left
    assert (doc.state, doc.embedded) == ("testo_indicizzato", 0)
    assert a.store.stored_chunks() == doc.chunks
    gated.gated = False
    [done] = a.embed_pending()
    assert (done.state, done.embedded, done.version) == ("pronto", doc.chunks, doc.version)
    assert all("Aggiornato" in c.text for c in a.store.chunks(doc_id) if c.ordinal > 0)


def test_phase_two_failure_is_recorded_and_a_restart_resumes(tmp_path: Path, embedder: Any) -> None:
    settings = make_settings(tmp_path)
    broken = GatedEmbedder(embedder)
    broken.fail = True
    a = Assistant(settings=settings, embedder=broken)
    path = write_plan(tmp_path / "in", PARAGRAPHS)
    doc_id = a.ingest([path], embed_later=True).indexed[0].doc_id
    assert doc_id is not None
    [doc] = a.embed_pending()  # the failure is recorded on the document, not raised
    assert (doc.state, doc.embedded, doc.error, doc.state_label) == ("errore", 0, EMBED_FAILED_MESSAGE, "errore")
    assert a.search("Zafferanopoli")[0].chunk.doc_id == doc_id  # still searchable by its words

    # a new process (or the next `pdz ingest`) resumes what is not `pronto`; the unchanged file is not re-written
    restarted = Assistant(settings=settings, embedder=embedder)
    report = restarted.ingest([path])
    assert [o.status for o in report.outcomes] == ["invariato"]
    doc = restarted.indexed(doc_id)
    assert (doc.state, doc.embedded, doc.error) == ("pronto", doc.chunks, "")


def test_killed_embedding_leaves_text_indexed_and_is_resumed(tmp_path: Path, embedder: Any, small_batches: None) -> None:
    settings = make_settings(tmp_path)
    gated = GatedEmbedder(embedder)
    a = Assistant(settings=settings, embedder=gated)
    doc_id = a.ingest([write_plan(tmp_path / "in", PARAGRAPHS)], embed_later=True).indexed[0].doc_id
    assert doc_id is not None
    stop = threading.Event()
    gated.gated = True
    worker = threading.Thread(target=lambda: a.embed_pending(cancel=stop.is_set))
    worker.start()
    gated.permits.release()
    wait_for(lambda: a.indexed(doc_id).embedded == 2)
    stop.set()  # the process stops: the batch under way ends, the next is not started
    gated.permits.release()
    worker.join(timeout=120)
    left: IndexedDocument = a.indexed(doc_id)
    assert left.state == "semantico" and 2 <= left.embedded < left.chunks

    restarted = Assistant(settings=settings, embedder=embedder)
    [doc] = restarted.embed_pending()
    assert (doc.state, doc.embedded) == ("pronto", doc.chunks)
    assert len(dense_docs(restarted, "assistenza domiciliare anziani")) == doc.chunks
