"""Faults a hostile or unlucky client causes: zip bombs, slow bodies, key guessing, floods, odd types, copies."""

from __future__ import annotations

import io
import json
import socket
import threading
import time
import zipfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import docx
import httpx
import pytest

from api.app import create_app
from assistant.settings import Settings
from ingest.errors import InputError
from ingest.loaders.docx import load_docx
from tests.api.conftest import API_KEY, AUTH, MINI, LiveServer, problem, uploads_left, wait_job


@pytest.fixture
def serve(live: LiveServer) -> Iterator[Any]:
    """Extra servers over the live server's assistant with other HTTP settings (limits, timeouts)."""
    started: list[LiveServer] = []

    def start(**overrides: Any) -> LiveServer:
        settings = Settings(data_dir=live.data_dir, api_key=API_KEY, **overrides)
        server = LiveServer(create_app(settings, assistant=live.assistant), data_dir=live.data_dir, assistant=live.assistant)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


# -- zip bombs ---------------------------------------------------------------------------------
def _docx_with(tmp_path: Path, name: str, member_bytes: int) -> Path:
    """A real DOCX plus one extra member of ``member_bytes`` zeros (deflated to almost nothing)."""
    plain = io.BytesIO()
    document = docx.Document()
    document.add_paragraph("Piano di Zona 2015-2017: il servizio educativo domiciliare.")
    document.save(plain)
    target = tmp_path / name
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            out.writestr(item, source.read(item.filename))
        with out.open("word/media/riempitivo.bin", "w", force_zip64=True) as member:
            block = bytes(1024 * 1024)
            for _ in range(member_bytes // len(block)):
                member.write(block)
    return target


@pytest.mark.parametrize(("megabytes", "reason"), [(210, "(massimo 200 MB)"), (25, "volte (massimo 100)")])
def test_docx_zip_bomb_is_refused_from_the_directory(tmp_path: Path, megabytes: int, reason: str) -> None:
    bomb = _docx_with(tmp_path, "bomba.docx", megabytes * 1024 * 1024)
    assert bomb.stat().st_size < 1024 * 1024  # small on the wire, huge inside
    started = time.monotonic()
    with pytest.raises(InputError) as refused:
        load_docx(bomb)
    assert time.monotonic() - started < 1.0  # nothing was decompressed
    assert refused.value.code == "archivio_sospetto" and reason in refused.value.message
    assert refused.value.message.startswith("bomba.docx: ")


def test_docx_zip_bomb_upload_is_a_422_and_leaves_nothing(client: httpx.Client, live: LiveServer, tmp_path: Path) -> None:
    bomb = _docx_with(tmp_path, "bomba.docx", 210 * 1024 * 1024)
    files = {"file": ("bomba.docx", bomb.read_bytes(), "application/octet-stream")}
    body = problem(client.post("/v1/documents", files=files, headers=AUTH), 422, "archivio_sospetto")
    assert "archivio sospetto" in body["detail"]
    assert uploads_left(live) == [] and [d["doc_id"] for d in client.get("/v1/documents").json()] == ["alfa", "beta"]


def test_ordinary_docx_still_loads(tmp_path: Path) -> None:
    assert "servizio educativo domiciliare" in load_docx(_docx_with(tmp_path, "piano.docx", 1024 * 1024)).text


# -- slow bodies -------------------------------------------------------------------------------
def test_a_body_that_never_completes_gets_408(serve: Any) -> None:
    server = serve(body_timeout_s=1.0)
    host, port = server.url.removeprefix("http://").split(":")
    body = json.dumps({"question": "Come si attiva il voucher dimissioni protette?"}).encode()
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(b"POST /v1/ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: %d\r\n\r\n" % len(body) + body[: len(body) // 2])
        started = time.monotonic()
        reply = b""
        while b"\r\n\r\n" not in reply or not reply.rstrip().endswith(b"}"):
            chunk = sock.recv(65536)  # socket.timeout here = the server held the request open
            if not chunk:
                break
            reply += chunk
        waited = time.monotonic() - started
    head, _, payload = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408") and b"application/problem+json" in head
    assert json.loads(payload)["code"] == "richiesta_incompleta"
    assert 0.9 <= waited < 5


def test_a_streamed_answer_is_not_cut_by_the_body_timeout(serve: Any) -> None:
    server = serve(body_timeout_s=0.2)
    with httpx.Client(base_url=server.url, timeout=30) as c:
        ok = c.post("/v1/ask", json={"question": "Cosa distribuisce il Banco alimentare?", "stream": True})
    assert ok.status_code == 200 and "event: done" in ok.text


# -- rate limits -------------------------------------------------------------------------------
def test_repeated_wrong_keys_get_429_until_the_window_passes(serve: Any) -> None:
    server = serve(rate_auth_failures_per_minute=10)
    with httpx.Client(base_url=server.url, timeout=30) as c:
        codes = [c.delete("/v1/documents/zeta", headers={"X-API-Key": f"tentativo-{i}"}).status_code for i in range(10)]
        assert codes == [403] * 10
        locked = c.delete("/v1/documents/zeta", headers={"X-API-Key": "tentativo-11"})
        body = problem(locked, 429, "troppe_richieste")
        assert 1 <= int(locked.headers["retry-after"]) <= 6 and body["detail"].startswith("Troppe richieste con chiave API")
        # the right key does not open the lock either: guessing must not be able to go on
        problem(c.delete("/v1/documents/zeta", headers=AUTH), 429, "troppe_richieste")
        problem(c.get("/v1/jobs/qualcuno"), 429, "troppe_richieste")
        assert c.get("/v1/documents").status_code == 200  # open reading is not locked


def test_expensive_endpoints_are_rate_limited_per_client(serve: Any) -> None:
    server = serve(rate_expensive_per_minute=2, rate_ask_per_minute=3)
    with httpx.Client(base_url=server.url, timeout=60) as c:
        compare = [c.post("/v1/compare", json={"topic": "voucher"}).status_code for _ in range(2)]
        assert compare == [200, 200]
        refused = c.get("/v1/objectives/alignment")
        assert problem(refused, 429, "troppe_richieste")["detail"].startswith("Troppe richieste onerose da questo indirizzo")
        assert int(refused.headers["retry-after"]) >= 1
        asks = [c.post("/v1/search", json={"query": "voucher", "k": 1}).status_code for _ in range(4)]
        assert asks == [200, 200, 200, 429]


# -- keys, types, methods, documentation ---------------------------------------------------------
def test_job_status_needs_the_key(client: httpx.Client) -> None:
    problem(client.get("/v1/jobs/qualunque"), 401, "chiave_mancante")
    problem(client.get("/v1/jobs/qualunque", headers={"X-API-Key": "sbagliata"}), 403, "chiave_non_valida")
    problem(client.get("/v1/jobs/qualunque", headers=AUTH), 404, "non_trovato")


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [("/v1/ask", {"question": "voucher", "stream": 0}, "stream"), ("/v1/ask", {"question": "voucher", "stream": "true"}, "stream"),
     ("/v1/search", {"query": "voucher", "k": "5"}, "k"), ("/v1/compare", {"topic": "voucher", "k": 2.0}, "k")],
)
def test_request_types_are_strict(client: httpx.Client, path: str, body: dict[str, Any], field: str) -> None:
    detail = problem(client.post(path, json=body), 422, "richiesta_non_valida")["detail"]
    assert detail.startswith(f"Richiesta non valida: {field}: deve essere")


def test_options_without_cors_is_a_405_problem(client: httpx.Client) -> None:
    r = client.options("/v1/documents")
    assert problem(r, 405, "metodo_non_consentito") and set(r.headers["allow"].split(", ")) - {"HEAD"} == {"GET", "POST"}


def test_openapi_declares_the_key_schemes_and_every_error(client: httpx.Client) -> None:
    spec = client.get("/openapi.json").json()
    assert spec["components"]["securitySchemes"] == {
        "ChiaveAPI": {"type": "apiKey", "in": "header", "name": "X-API-Key", "description": "La chiave API (PDZ_API_KEY)."},
        "Bearer": {"type": "http", "scheme": "bearer", "description": "La chiave API come token Bearer."},
    }
    upload = spec["paths"]["/v1/documents"]["post"]
    assert {"ChiaveAPI": []} in upload["security"] and {"Bearer": []} in upload["security"]
    assert {"400", "401", "403", "408", "409", "413", "415", "422", "429", "503"} <= set(upload["responses"])
    assert {"401", "403", "404", "429"} <= set(spec["paths"]["/v1/jobs/{job_id}"]["get"]["responses"])
    assert {"400", "408", "413", "422", "429", "502", "503"} <= set(spec["paths"]["/v1/ask"]["post"]["responses"])
    assert {"422", "503"} <= set(spec["paths"]["/v1/objectives"]["get"]["responses"])
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            for status, entry in op["responses"].items():
                if status[0] in "45":
                    assert "application/problem+json" in entry["content"], (method, path, status)


# -- file names and copies -----------------------------------------------------------------------
def test_a_non_latin_file_name_is_kept(client: httpx.Client) -> None:
    text = "Relazione 2015-2017\n\nIl centro diurno per anziani apre alle otto del mattino.\n"
    accepted = client.post("/v1/documents", files={"file": ("文書.txt", text, "text/plain")}, headers=AUTH)
    assert accepted.status_code == 202, accepted.text
    job = wait_job(client, accepted.json()["id"])
    assert job["filename"] == "文書.txt" and job["status"] == "done"
    doc_id = job["outcomes"][0]["doc_id"]
    assert client.get(f"/v1/documents/{doc_id}").json()["source"] == "文書.txt"
    assert client.delete(f"/v1/documents/{doc_id}", headers=AUTH).status_code == 200


def test_a_copy_under_another_name_is_409_and_nothing_is_indexed(client: httpx.Client, live: LiveServer) -> None:
    before = client.get("/v1/documents").json()
    copy = (MINI / "piano_alfa.md").read_bytes()
    r = client.post("/v1/documents", files={"file": ("alfa-copia.md", copy, "text/markdown")}, headers=AUTH)
    body = problem(r, 409, "documento_duplicato")
    assert body["detail"] == "alfa-copia.md: contenuto identico al documento «alfa» già indicizzato"
    assert client.get("/v1/documents").json() == before and uploads_left(live) == []
    hits = client.post("/v1/search", json={"query": "voucher dimissioni protette", "k": 1, "filters": {"doc_id": "alfa"}})
    assert hits.json()["results"][0]["doc_id"] == "alfa"


# -- alignment: once per pair of versions, shared by concurrent callers ---------------------------
def test_alignment_is_computed_once_and_shared(client: httpx.Client, live: LiveServer) -> None:
    filler = "\n\n".join(f"Il Comune numero {i} del distretto partecipa al tavolo tecnico del Piano di Zona con un proprio referente."
                         for i in range(12))  # prose, so the detected kind is a plan
    text = (MINI / "piano_alfa.md").read_text(encoding="utf-8").replace("Crema", "Soresina") + "\n\n" + filler + "\n"
    accepted = client.post("/v1/documents", files={"file": ("piano_gemello.md", text, "text/markdown")}, headers=AUTH)
    assert wait_job(client, accepted.json()["id"])["status"] == "done"
    try:
        cache = live.assistant.alignment_cache()
        before = cache.computed
        with ThreadPoolExecutor(max_workers=4) as pool:
            bodies = list(pool.map(lambda _: httpx.get(f"{live.url}/v1/objectives/alignment", timeout=120).json(), range(4)))
        assert cache.computed == before + 1  # four callers, one computation
        assert bodies[0] and all(b == bodies[0] for b in bodies)
        assert {(x["from"]["doc_id"], x["to"]["doc_id"]) for x in bodies[0]} == {("alfa", "piano-gemello")}
        assert client.get("/v1/objectives/alignment").json() == bodies[0] and cache.computed == before + 1
        assert any((live.data_dir / "cache" / "alignment").glob("*.json"))  # survives a restart
    finally:
        assert client.delete("/v1/documents/piano-gemello", headers=AUTH).status_code == 200


def test_alignment_cache_single_flight_and_disk(tmp_path: Path) -> None:
    from assistant.alignment_cache import AlignmentCache, StoredLink

    calls: list[int] = []
    gate = threading.Event()

    def compute() -> list[StoredLink]:
        calls.append(1)
        gate.wait(5)
        return [StoredLink("a1", "b1", 0.93, "stesso obiettivo")]

    cache = AlignmentCache(tmp_path)
    with ThreadPoolExecutor(max_workers=5) as pool:
        futures = [pool.submit(cache.get, "k", compute) for _ in range(5)]
        time.sleep(0.2)
        gate.set()
        results = [f.result() for f in futures]
    assert len(calls) == 1 and all(r == [StoredLink("a1", "b1", 0.93, "stesso obiettivo")] for r in results)
    assert AlignmentCache(tmp_path).get("k", lambda: []) == results[0]  # read back from disk, not recomputed
    assert AlignmentCache(None).get("k", lambda: []) == []
