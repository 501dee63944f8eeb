"""Reads never wait for writes: while an ingestion holds the write lock, objectives, documents,
search and ask answer at once; objective reads never re-extract (documents with no objective
included), because records are kept in sync at ingest/remove and once at start-up."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from assistant.service import Assistant
from tests.helpers import MINI as FIXTURES


class BlockingEmbedder:
    """Embeds passages only once ``release`` is set, so an ingestion stays in progress."""

    def __init__(self, inner: Any) -> None:  # noqa: ANN401
        self._inner = inner
        self.name = inner.name
        self.release = threading.Event()
        self.blocked = threading.Event()

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        self.blocked.set()
        assert self.release.wait(120)
        return self._inner.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        return self._inner.embed_query(text)


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    folder = tmp_path / "mini"
    shutil.copytree(FIXTURES, folder)
    return folder


def _finishes(call: Callable[[], object], seconds: float = 20.0) -> bool:
    done = threading.Event()

    def run() -> None:
        call()
        done.set()

    threading.Thread(target=run, daemon=True).start()
    return done.wait(seconds)


def test_reads_answer_during_an_ingestion_and_never_extract(
    settings, embedder, mini: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch  # noqa: ANN001
) -> None:
    blocking = BlockingEmbedder(embedder)
    blocking.release.set()
    app = Assistant(settings=settings, embedder=blocking)
    app.ingest([mini])
    app.warm_up()
    expected = app.objectives(include_previous=True)
    # beta has no objective: its (empty) records still carry a version, so it is in sync too
    assert {o.doc_id for o in expected} == {"alfa"}

    import assistant.extraction.extractor as extractor

    calls: list[str] = []  # extractions made by reads
    ingested: list[str] = []  # extractions made by the ingestion itself
    real = extractor.extract_objectives

    def counting(doc: Any) -> Any:  # noqa: ANN401
        (ingested if threading.current_thread().name == "writer" else calls).append(doc.doc_id)
        return real(doc)

    monkeypatch.setattr(extractor, "extract_objectives", counting)

    new = tmp_path / "nuovo" / "piano_gamma.txt"
    new.parent.mkdir()
    new.write_text(
        "Piano Gamma per il triennio 2018-2020\n\nObiettivo 1: ridurre le liste di attesa dei servizi "
        "domiciliari entro il 2020.\n",
        encoding="utf-8",
    )
    blocking.release.clear()
    writer = threading.Thread(target=lambda: app.ingest([new]), daemon=True, name="writer")
    writer.start()
    assert blocking.blocked.wait(60)  # the ingestion now holds the write lock, mid-document

    for name, call in {
        "objectives": lambda: app.objectives(include_previous=True),
        "documents": app.documents,
        "search": lambda: app.search("voucher domiciliarità"),
        "ask": lambda: app.ask("Quali servizi per la domiciliarità?"),
    }.items():
        assert _finishes(call), f"{name} waited for the ingestion"
    assert app.objectives(include_previous=True) == expected
    assert calls == []  # reads never extract

    blocking.release.set()
    writer.join(120)
    assert calls == [] and ingested == ["piano-gamma"]  # only the ingestion extracted, its own document
    assert app.objectives(include_previous=True, doc_id="alfa") == expected
