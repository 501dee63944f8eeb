"""A document is replaced as a unit even when the ingesting process is killed half-way
(``kill -9`` of a child process that ingests with a slow, batch-reporting embedder, i.e. during
phase 2, after the text of the new version went live): never a mix of versions; a killed
first ingestion, a killed new version and a duplicate upload all leave a consistent index
(registry chunk counts == store counts, no orphans after start-up), search keeps working and
re-running ``pdz ingest`` exits cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.retrieval import SearchFilters
from assistant.service import Assistant
from assistant.settings import Settings

CHILD = Path(__file__).with_name("slow_ingest_child.py")
REPO = Path(__file__).resolve().parents[2]


def _document(version: str, paragraphs_count: int = 300) -> str:
    paragraphs = [
        f"Paragrafo {i} della versione {version}: il servizio di assistenza domiciliare del distretto "
        f"raggiunge le famiglie della zona {i} con interventi educativi e di sostegno."
        for i in range(paragraphs_count)
    ]
    return "Piano di prova per il triennio 2015-2017\n\n" + "\n\n".join(paragraphs) + "\n"


@pytest.mark.slow
def test_killed_while_embedding_a_new_version_never_mixes_versions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, embedder  # noqa: ANN001
) -> None:
    env = _env(monkeypatch)
    doc = tmp_path / "docs" / "piano.txt"
    doc.parent.mkdir()
    doc.write_text(_document("vecchia"), encoding="utf-8")
    assert not _run_child(doc, env)[0]

    # phase 1 (text) switches the registry to the new version; the kill lands in phase 2 (embeddings)
    doc.write_text(_document("nuova"), encoding="utf-8")
    assert _run_child(doc, env, kill_after_batches=2)[0]

    app = Assistant(settings=Settings(), embedder=embedder)
    (registry,) = app.documents()
    assert registry.state != "pronto"
    chunks = app.store.chunks("piano")
    assert len(chunks) == registry.chunks > 100
    assert all("versione nuova" in c.text or "versione" not in c.text for c in chunks)  # wholly the new version
    results = app.search("versione vecchia assistenza domiciliare zona 7", k=20)
    assert results and all("versione vecchia" not in r.chunk.text for r in results)

    # the next start-up resumes the embeddings; nothing stale is left
    app.embed_pending()
    assert app.indexed("piano").state == "pronto"
    _assert_consistent(app)
    assert app.store.collect_garbage() == 0


def _env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.setenv("PDZ_CHUNK_TARGET_CHARS", "200")
    monkeypatch.setenv("PDZ_CHUNK_MAX_CHARS", "300")
    return {**os.environ, "PYTHONPATH": str(REPO)}


def _run_child(path: Path, env: dict[str, str], *, kill_after_batches: int | None = None) -> tuple[bool, str]:
    """Run the slow child on ``path``; SIGKILL it once it reported that many batches. (killed, output)."""
    child = subprocess.Popen([sys.executable, str(CHILD), str(path)], env=env, stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    lines: list[str] = []
    for line in child.stdout:
        lines.append(line)
        if kill_after_batches is not None and sum(x.startswith("BATCH") for x in lines) == kill_after_batches:
            child.send_signal(signal.SIGKILL)
            break
    child.wait(timeout=600)
    killed = child.returncode == -signal.SIGKILL
    assert killed or child.returncode == 0, "".join(lines)
    return killed, "".join(lines)


def _assert_consistent(app: Assistant) -> None:
    """Registry chunk counts equal the live chunks in the store, and the store holds nothing else."""
    docs = app.documents()
    for doc in docs:
        assert len(app.store.chunks(doc.meta.doc_id)) == doc.chunks > 0, doc.meta.doc_id
    assert app.store.stored_chunks() == sum(d.chunks for d in docs)


def _other_document() -> str:
    return (
        "Piano del distretto vicino per il triennio 2018-2020\n\n"
        "Il trasporto sociale accompagna gli anziani soli alle visite mediche programmate.\n\n"
        "Lo sportello unico orienta le famiglie verso i servizi del territorio.\n"
    )


@pytest.mark.slow
def test_killed_first_ingest_of_a_new_document_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, embedder, pdz  # noqa: ANN001
) -> None:
    env = _env(monkeypatch)
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "altro.txt").write_text(_other_document(), encoding="utf-8")  # indexed first, one batch
    (docs / "piano.txt").write_text(_document("prima", 150), encoding="utf-8")

    killed, _ = _run_child(docs, env, kill_after_batches=3)  # altro whole, two batches of piano's embeddings
    assert killed

    app = Assistant(settings=Settings(), embedder=embedder)
    # piano's text was indexed (phase 1) before the kill: searchable by its words, embeddings pending
    assert [(d.meta.doc_id, d.state == "pronto") for d in app.documents()] == [("altro", True), ("piano", False)]
    app.warm_up()  # start-up collects orphans of any interrupted write
    _assert_consistent(app)
    results = app.search("trasporto sociale anziani visite mediche", k=3)
    assert results and results[0].chunk.doc_id == "altro"

    code, out, err = pdz("ingest", str(docs))
    assert (code, "Traceback" in out + err) == (0, False), out + err
    app = Assistant(settings=Settings(), embedder=embedder)
    assert [d.meta.doc_id for d in app.documents()] == ["altro", "piano"]
    _assert_consistent(app)


@pytest.mark.slow
def test_killed_new_version_then_reingest_is_consistent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, embedder, pdz  # noqa: ANN001
) -> None:
    env = _env(monkeypatch)
    doc = tmp_path / "docs" / "piano.txt"
    doc.parent.mkdir()
    doc.write_text(_document("vecchia", 150), encoding="utf-8")
    assert not _run_child(doc, env)[0]
    doc.write_text(_document("nuova", 150), encoding="utf-8")
    assert _run_child(doc, env, kill_after_batches=2)[0]

    app = Assistant(settings=Settings(), embedder=embedder)
    app.warm_up()
    _assert_consistent(app)
    assert all("versione vecchia" not in c.text for c in app.store.chunks("piano"))  # never a mix

    code, out, err = pdz("ingest", str(doc))  # the unchanged file: its pending embeddings are resumed
    assert (code, "Traceback" in out + err) == (0, False), out + err
    app = Assistant(settings=Settings(), embedder=embedder)
    _assert_consistent(app)
    assert app.indexed("piano").state == "pronto"
    assert all("versione vecchia" not in c.text for c in app.store.chunks("piano"))


@pytest.mark.slow
def test_duplicate_upload_is_refused_before_any_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, embedder, pdz  # noqa: ANN001
) -> None:
    env = _env(monkeypatch)
    doc = tmp_path / "docs" / "piano.txt"
    doc.parent.mkdir()
    doc.write_text(_document("unica", 150), encoding="utf-8")
    assert not _run_child(doc, env)[0]
    copy = tmp_path / "upload" / "piano-copia.txt"
    copy.parent.mkdir()
    copy.write_bytes(doc.read_bytes())

    # killed as soon as it embeds anything: a refused duplicate never gets that far
    killed, output = _run_child(copy, env, kill_after_batches=1)
    assert (killed, "BATCH" in output) == (False, False)
    assert "OUTCOME errore documento_duplicato" in output

    app = Assistant(settings=Settings(), embedder=embedder)
    app.warm_up()
    assert [d.meta.doc_id for d in app.documents()] == ["piano"]
    _assert_consistent(app)
    results = app.search("assistenza domiciliare zona 7", k=5, filters=SearchFilters(doc_id="piano"))
    assert results and {r.chunk.doc_id for r in results} == {"piano"}

    code, out, err = pdz("ingest", str(copy))
    assert code == 1 and "Traceback" not in out + err
    assert "piano-copia.txt: contenuto identico al documento «piano» già indicizzato" in err
    code, out, err = pdz("ingest", str(doc))
    assert code == 0 and "invariati 1" in out, out + err
