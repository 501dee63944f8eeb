"""A document is replaced as a unit even when the ingesting process is killed half-way."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.service import Assistant
from assistant.settings import Settings

CHILD = Path(__file__).with_name("slow_ingest_child.py")
REPO = Path(__file__).resolve().parents[2]


def _document(version: str) -> str:
    paragraphs = [
        f"Paragrafo {i} della versione {version}: il servizio di assistenza domiciliare del distretto "
        f"raggiunge le famiglie della zona {i} con interventi educativi e di sostegno."
        for i in range(300)
    ]
    return "Piano di prova per il triennio 2015-2017\n\n" + "\n\n".join(paragraphs) + "\n"


@pytest.mark.slow
def test_killed_ingest_leaves_old_version_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, embedder) -> None:  # noqa: ANN001
    monkeypatch.setenv("PDZ_CHUNK_TARGET_CHARS", "200")
    monkeypatch.setenv("PDZ_CHUNK_MAX_CHARS", "300")
    doc = tmp_path / "docs" / "piano.txt"
    doc.parent.mkdir()
    doc.write_text(_document("vecchia"), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO)}

    first = subprocess.run([sys.executable, str(CHILD), str(doc)], env=env, capture_output=True, text=True, timeout=600)
    assert first.returncode == 0 and "DONE" in first.stdout, first.stderr

    doc.write_text(_document("nuova"), encoding="utf-8")
    child = subprocess.Popen([sys.executable, str(CHILD), str(doc)], env=env, stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    batches = 0
    for line in child.stdout:
        batches += line.startswith("BATCH")
        if batches == 2:  # two batches of the new version are already in Chroma
            child.send_signal(signal.SIGKILL)
            break
    child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL

    app = Assistant(settings=Settings(), embedder=embedder)
    (registry,) = app.documents()
    chunks = app.store.chunks("piano")
    assert len(chunks) == registry.chunks > 100
    assert all("versione vecchia" in c.text or "versione" not in c.text for c in chunks)
    results = app.search("versione nuova assistenza domiciliare zona 7", k=20)
    assert results and all("versione nuova" not in r.chunk.text for r in results)

    # the orphans of the killed run are invisible, then collected; a new run completes the switch
    assert app.store.collect_garbage() > 0
    report = app.ingest([doc])
    assert [o.status for o in report.outcomes] == ["indicizzato"]
    chunks = app.store.chunks("piano")
    assert chunks and all("versione vecchia" not in c.text for c in chunks)
    assert app.store.collect_garbage() == 0
