"""The API's small parts on their own: file names, the job registry, the problem table."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api import problems
from api.jobs import JobRunner
from api.uploads import safe_filename
from assistant.errors import LLMUnavailable
from ingest.errors import (
    CorruptDocument,
    DuplicateDocument,
    NotFound,
    PdzError,
    StoreUnavailable,
    UnsupportedFormat,
)
from ingest.pipeline import FileOutcome, IngestReport


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("piano.pdf", "piano.pdf"),
        ("../../etc/passwd", "passwd"),
        ("..\\..\\Windows\\relazione 2016.DOCX", "relazione_2016.docx"),
        ("Piano di Zona – Città.pdf", "Piano_di_Zona_Citta.pdf"),
        (".bashrc", "bashrc"),
        ("...", "documento"),
        ("", "documento"),
        ("a" * 300 + ".md", "a" * 80 + ".md"),
        ("doppia.tar.gz", "doppia.tar.gz"),
        ("nome.p$d/f", "f"),
        ("x.p d f", "x.pdf"),
    ],
)
def test_safe_filename_is_only_ever_a_name(given: str, expected: str) -> None:
    assert safe_filename(given) == expected


def _report(path: Path, status: str = "indicizzato", error: PdzError | None = None) -> IngestReport:
    return IngestReport([FileOutcome(path, status, None if error else path.stem, 0 if error else 3, error)])


def _wait(runner: JobRunner, job_id: str) -> dict:
    deadline = time.monotonic() + 10
    while (job := runner.get(job_id)) and job["status"] not in ("done", "failed"):
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert job is not None
    return job


def _upload(tmp_path: Path, name: str) -> Path:
    folder = tmp_path / "uploads" / name
    folder.mkdir(parents=True)
    (folder / name).write_text("testo")
    return folder / name


def test_jobs_run_one_at_a_time_in_order_and_clean_up(tmp_path: Path) -> None:
    gate, seen = threading.Event(), []

    def ingest(path: Path) -> IngestReport:
        seen.append(path.name)
        gate.wait(5)
        return _report(path)

    runner = JobRunner(ingest)
    first = runner.submit("a.txt", _upload(tmp_path, "a.txt"))
    second = runner.submit("b.txt", _upload(tmp_path, "b.txt"))
    assert first["status"] == "queued" and first["outcomes"] == []
    deadline = time.monotonic() + 5
    while runner.get(first["id"])["status"] != "running":  # type: ignore[index]
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert runner.get(second["id"])["status"] == "queued"  # type: ignore[index]
    gate.set()
    done = _wait(runner, second["id"])
    assert seen == ["a.txt", "b.txt"] and _wait(runner, first["id"])["status"] == "done"
    assert done["outcomes"] == [{"file": "b.txt", "status": "indicizzato", "doc_id": "b", "chunks": 3, "error": None}]
    assert list((tmp_path / "uploads").iterdir()) == []
    runner.stop()


def test_job_failures_are_reported_in_italian_and_the_worker_survives(tmp_path: Path) -> None:
    def ingest(path: Path) -> IngestReport:
        if path.name == "rotto.pdf":
            return _report(path, "errore", CorruptDocument("rotto.pdf", "il PDF è danneggiato"))
        if path.name == "archivio.txt":
            raise StoreUnavailable("Archivio Chroma non raggiungibile.")
        if path.name == "bug.txt":
            raise RuntimeError("boom")
        return _report(path)

    runner = JobRunner(ingest)
    ids = {n: runner.submit(n, _upload(tmp_path, n))["id"] for n in ("rotto.pdf", "archivio.txt", "bug.txt", "buono.txt")}
    rotto = _wait(runner, ids["rotto.pdf"])
    assert rotto["status"] == "failed"
    assert rotto["error"] == {"code": "documento_corrotto", "detail": "rotto.pdf: il PDF è danneggiato"}
    assert rotto["outcomes"][0]["status"] == "errore"
    assert _wait(runner, ids["archivio.txt"])["error"] == {"code": "archivio_non_raggiungibile", "detail": "Archivio Chroma non raggiungibile."}
    bug = _wait(runner, ids["bug.txt"])
    assert bug["error"]["code"] == "errore_interno" and "boom" not in str(bug)
    assert _wait(runner, ids["buono.txt"])["status"] == "done"
    assert runner.get("nessuno") is None
    runner.stop()


def test_queued_jobs_fail_cleanly_when_the_service_stops(tmp_path: Path) -> None:
    gate = threading.Event()
    runner = JobRunner(lambda path: (gate.wait(5), _report(path))[1])
    first = runner.submit("a.txt", _upload(tmp_path, "a.txt"))
    second = runner.submit("b.txt", _upload(tmp_path, "b.txt"))
    threading.Timer(0.2, gate.set).start()
    runner.stop()
    assert runner.get(first["id"])["status"] == "done"  # type: ignore[index]
    stopped = runner.get(second["id"])
    assert stopped is not None and stopped["status"] == "failed" and stopped["error"]["code"] == "servizio_in_arresto"
    assert list((tmp_path / "uploads").iterdir()) == []


def test_old_finished_jobs_are_forgotten(tmp_path: Path) -> None:
    runner = JobRunner(_report, keep=3)
    ids = []
    for i in range(6):
        ids.append(runner.submit(f"{i}.txt", _upload(tmp_path, f"{i}.txt"))["id"])
        _wait(runner, ids[-1])
    assert [runner.get(i) is not None for i in ids] == [False, False, False, True, True, True]
    runner.stop()


def _app_raising(exc: Exception) -> TestClient:
    app = FastAPI()
    problems.install(app)

    @app.get("/boom")
    def boom() -> None:
        raise exc

    return TestClient(app, raise_server_exceptions=False)


@pytest.mark.parametrize(
    ("exc", "status", "code", "title"),
    [
        (NotFound("Documento «x» non presente nell'indice."), 404, "non_trovato", "Risorsa non trovata"),
        (UnsupportedFormat("a.exe", "formato non supportato"), 415, "formato_non_supportato", "Formato non supportato"),
        (CorruptDocument("a.pdf", "il PDF è danneggiato"), 422, "documento_corrotto", "Documento non valido"),
        (DuplicateDocument("copia.txt", "alfa"), 409, "documento_duplicato", "Documento già presente"),
        (LLMUnavailable("Il modello non risponde."), 502, "llm_non_raggiungibile", "Modello linguistico non raggiungibile"),
        (PdzError("Qualcosa non va.", code="strano"), 500, "strano", "Errore interno"),
    ],
)
def test_problem_table(exc: PdzError, status: int, code: str, title: str) -> None:
    r = _app_raising(exc).get("/boom")
    assert r.status_code == status and r.headers["content-type"] == "application/problem+json"
    assert r.json() == {"type": f"urn:pdz-assistant:errore:{code}", "title": title, "status": status,
                        "detail": exc.message, "code": code}


def test_store_outage_is_503_with_retry_after_and_no_address(caplog: pytest.LogCaptureFixture) -> None:
    exc = StoreUnavailable("Archivio Chroma non raggiungibile (http://10.1.2.3:8000): ConnectError")
    r = _app_raising(exc).get("/boom")
    assert r.status_code == 503 and r.headers["retry-after"] == str(problems.RETRY_AFTER_S)
    assert r.json() == {"type": "urn:pdz-assistant:errore:archivio_non_raggiungibile", "title": "Indice non disponibile",
                        "status": 503, "detail": problems.STORE_DOWN, "code": "archivio_non_raggiungibile"}
    assert "10.1.2.3" not in r.text and any("10.1.2.3" in rec.getMessage() for rec in caplog.records)


def test_unexpected_errors_are_generic_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    r = _app_raising(KeyError("segreto interno")).get("/boom")
    assert r.status_code == 500 and r.json()["code"] == "errore_interno"
    assert r.json()["detail"] == problems.GENERIC_500 and "segreto" not in r.text
    assert any(rec.exc_info and "segreto interno" in str(rec.exc_info[1]) for rec in caplog.records)
