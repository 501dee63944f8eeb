"""Uploads as background jobs: auth, job states, searchability, deletion, bad files, concurrency."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.api.conftest import API_KEY, AUTH, LiveServer, problem, uploads_left, wait_job, wait_ready_document

GAMMA = "Relazione del distretto cremasco 2015-2017\n\nLa ludoteca comunale apre il sabato mattina per i bambini.\n"




def test_write_endpoints_need_the_key(client: httpx.Client) -> None:
    files = {"file": ("gamma.txt", GAMMA, "text/plain")}
    body = problem(client.post("/v1/documents", files=files), 401, "chiave_mancante")
    assert "X-API-Key" in body["detail"]
    problem(client.post("/v1/documents", files=files, headers={"X-API-Key": "sbagliata"}), 403, "chiave_non_valida")
    problem(client.post("/v1/documents", files=files, headers={"Authorization": "Bearer sbagliata"}), 403, "chiave_non_valida")
    problem(client.delete("/v1/documents/alfa"), 401, "chiave_mancante")
    problem(client.delete("/v1/documents/alfa", headers={"Authorization": "Basic c2VncmV0YQ=="}), 401, "chiave_mancante")
    assert [d["doc_id"] for d in client.get("/v1/documents").json()] == ["alfa", "beta"]


def test_upload_job_search_delete(client: httpx.Client, live: LiveServer) -> None:
    files = {"file": ("../../etc/relazione gamma.txt", GAMMA, "text/plain")}
    accepted = client.post("/v1/documents", files=files, headers={"Authorization": f"Bearer {API_KEY}"})
    assert accepted.status_code == 202
    job = accepted.json()
    assert job["filename"] == "relazione_gamma.txt" and job["status"] in ("queued", "running")
    assert accepted.headers["location"] == f"/v1/jobs/{job['id']}"
    done = wait_job(client, job["id"])
    assert done["status"] == "done" and done["error"] is None
    assert done["outcomes"] == [{"file": "relazione_gamma.txt", "status": "indicizzato", "doc_id": "relazione-gamma",
                                 "chunks": 1, "error": None}]
    assert done["started_at"] <= done["finished_at"]
    assert uploads_left(live) == []  # the index keeps the text; the stored upload is gone
    assert not (live.data_dir.parent / "etc").exists()
    assert wait_ready_document(client, "relazione-gamma")["state"] == "pronto"  # semantic too, not only lexical
    hits = client.post("/v1/search", json={"query": "ludoteca comunale sabato", "k": 1}).json()["results"]
    assert hits[0]["doc_id"] == "relazione-gamma" and hits[0]["source"] == "relazione_gamma.txt"
    assert client.get("/v1/documents/relazione-gamma").json()["text"].startswith("Relazione del distretto")

    assert client.delete("/v1/documents/relazione-gamma", headers=AUTH).json() == {"doc_id": "relazione-gamma", "status": "rimosso"}
    assert [d["doc_id"] for d in client.get("/v1/documents").json()] == ["alfa", "beta"]
    assert all(h["doc_id"] != "relazione-gamma" for h in client.post("/v1/search", json={"query": "ludoteca comunale sabato"}).json()["results"])
    problem(client.delete("/v1/documents/relazione-gamma", headers=AUTH), 404, "non_trovato")
    problem(client.get("/v1/jobs/sconosciuto", headers=AUTH), 404, "non_trovato")


@pytest.mark.parametrize(
    ("name", "content", "status", "code", "detail"),
    [
        ("virus.exe", b"MZ\x90\x00", 415, "formato_non_supportato", "virus.exe: formato non supportato (.exe): formati ammessi .pdf, .docx, .txt, .md"),
        ("senza_estensione", b"testo", 415, "formato_non_supportato", "senza_estensione: formato non supportato (senza estensione)"),
        ("rotto.pdf", b"%PDF-1.4\nnot really a pdf", 422, "documento_corrotto", "rotto.pdf: "),
        ("vuoto.txt", b"", 422, "documento_vuoto", "vuoto.txt: il file è vuoto"),
        ("grande.txt", b"a" * (1024 * 1024 + 10), 413, "file_troppo_grande", "grande.txt: il file supera il limite di 1 MB."),
        ("enorme.txt", b"a" * (3 * 1024 * 1024), 413, "file_troppo_grande", "Il file supera il limite di 1 MB."),
    ],
)
def test_bad_uploads_are_refused_and_nothing_is_lost(
    client: httpx.Client, live: LiveServer, name: str, content: bytes, status: int, code: str, detail: str
) -> None:
    before = client.get("/v1/documents").json()
    body = problem(client.post("/v1/documents", files={"file": (name, content, "application/octet-stream")}, headers=AUTH), status, code)
    assert body["detail"].startswith(detail)
    assert client.get("/v1/documents").json() == before
    assert uploads_left(live) == []


def test_chunked_upload_over_the_limit_is_cut_off(client: httpx.Client, live: LiveServer) -> None:
    boundary = "pdzconfine"

    def body() -> Iterator[bytes]:  # no Content-Length: counted while it streams
        yield (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"flusso.txt\"\r\n"
               "Content-Type: text/plain\r\n\r\n").encode()
        for _ in range(3 * 1024):
            yield b"a" * 1024
        yield f"\r\n--{boundary}--\r\n".encode()

    r = client.post("/v1/documents", content=body(), headers={**AUTH, "Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert problem(r, 413, "file_troppo_grande")["detail"] == "Il file supera il limite di 1 MB."
    assert uploads_left(live) == [] and [d["doc_id"] for d in client.get("/v1/documents").json()] == ["alfa", "beta"]


class SearchesWaited(AssertionError):
    """Every search was answered only after the ingestion had finished."""


def test_searches_keep_working_while_an_upload_is_ingested(client: httpx.Client) -> None:
    text = "\n\n".join(
        f"Paragrafo {i}: il servizio educativo domiciliare segue le famiglie del quartiere numero {i} con due educatori."
        for i in range(800)  # ~60 chunks: two embedding batches, so a search can slip in between them
    )
    job = client.post("/v1/documents", files={"file": ("lungo.txt", "Piano di prova 2015-2017\n\n" + text, "text/plain")}, headers=AUTH).json()
    deadline = time.monotonic() + 60
    while client.get(f"/v1/jobs/{job['id']}", headers=AUTH).json()["status"] == "queued" and time.monotonic() < deadline:
        time.sleep(0.02)

    def search(i: int) -> tuple[int, str]:
        """A search, then whether the upload was still being indexed (job running or embeddings pending)."""
        with httpx.Client(base_url=str(client.base_url), timeout=120) as c:
            code = c.post("/v1/search", json={"query": f"voucher dimissioni protette {i}", "k": 3}).status_code
            status = c.get(f"/v1/jobs/{job['id']}", headers=AUTH).json()["status"]
            entry = next((d for d in c.get("/v1/documents").json() if d["doc_id"] == "lungo"), None)
            busy = status in ("queued", "running") or (entry is not None and entry["state"] != "pronto")
            return code, "running" if busy else status

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(search, range(8)))
    assert [code for code, _ in results] == [200] * 8
    assert wait_job(client, job["id"])["status"] == "done"
    assert wait_ready_document(client, "lungo")["state"] == "pronto"
    assert client.delete("/v1/documents/lungo", headers=AUTH).status_code == 200
    if "running" not in {status for _, status in results}:  # at least one answered while ingesting
        raise SearchesWaited(results)
