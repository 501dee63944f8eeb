"""Reads that scale: the registry is re-read only when it changed (by any process sharing the
store), and the live chunks are re-read per document version, only for versions that changed."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from assistant.service import Assistant
from ingest import index, live
from ingest.index import ChromaStore

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "mini"


@pytest.fixture
def app(settings, embedder, tmp_path: Path) -> Assistant:  # noqa: ANN001
    shutil.copytree(FIXTURES, tmp_path / "mini")
    assistant = Assistant(settings=settings, embedder=embedder)
    assistant.ingest([tmp_path / "mini"])
    return assistant


@pytest.fixture
def other(app: Assistant) -> ChromaStore:
    """A second store over the same Chroma, as another process would have."""
    return ChromaStore(embedder=app.embedder, path=app.settings.chroma_path, prefix=app.settings.collection_prefix)


def _recording(monkeypatch: pytest.MonkeyPatch, module: Any) -> list[Any]:
    calls: list[Any] = []
    real = module.get_all

    def get_all(collection: Any, **kwargs: Any) -> dict[str, Any]:
        calls.append((collection.name, kwargs.get("where")))
        return real(collection, **kwargs)

    monkeypatch.setattr(module, "get_all", get_all)
    return calls


def test_registry_is_read_again_only_after_a_write(app: Assistant, other: ChromaStore, monkeypatch: pytest.MonkeyPatch) -> None:
    assert [d.meta.doc_id for d in other.documents()] == ["alfa", "beta"]
    reads = _recording(monkeypatch, index)
    assert [d.meta.doc_id for d in other.documents()] == ["alfa", "beta"]
    assert [d.meta.doc_id for d in other.documents()] == ["alfa", "beta"]
    assert reads == []  # unchanged: served from the snapshot
    app.remove("beta")  # a write through the other store
    assert [d.meta.doc_id for d in other.documents()] == ["alfa"]
    assert len(reads) == 1


def test_only_the_changed_version_is_read_again(app: Assistant, other: ChromaStore, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    before = {c.doc_id: c.version for c in other.chunks()}
    expected = [c.chunk_id for c in app.store.chunks()]
    reads = _recording(monkeypatch, live)
    assert [c.chunk_id for c in other.chunks()] == expected
    assert reads == []
    changed = tmp_path / "mini" / "piano_alfa.md"
    changed.write_text(changed.read_text(encoding="utf-8") + "\n\nNuovo paragrafo sul trasporto sociale.\n",
                       encoding="utf-8")
    app.ingest([changed])
    after = {c.doc_id: c.version for c in other.chunks()}
    assert after["beta"] == before["beta"] and after["alfa"] != before["alfa"]
    assert reads == [(f"{app.settings.collection_prefix}_chunks", {"version": after["alfa"]})]
    assert any("trasporto sociale" in c.text for c in other.chunks("alfa"))
