"""The HTTP API over real HTTP: answers, SSE, documents, uploads as jobs, auth, errors, concurrency."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.api.conftest import API_KEY, problem, wait_job

AUTH = {"X-API-Key": API_KEY}


def test_health_ready_and_openapi(client: httpx.Client) -> None:
    assert client.get("/health").json() == {"status": "ok"}
    ready = client.get("/ready").json()
    assert ready["status"] == "pronto" and ready["documents"] == 2
    spec = client.get("/openapi.json").json()
    assert {"/v1/ask", "/v1/search", "/v1/documents", "/v1/documents/{doc_id}", "/v1/jobs/{job_id}", "/v1/objectives"} <= set(spec["paths"])


def test_ask_json_with_verifiable_citation(client: httpx.Client) -> None:
    body = client.post("/v1/ask", json={"question": "Come si attiva il voucher dimissioni protette?"}).json()
    assert body["abstained"] is False and body["answer"].startswith("Secondo")
    cit = body["citations"][0]
    doc = client.get(f"/v1/documents/{cit['doc_id']}").json()
    assert doc["text"][cit["char_start"] : cit["char_end"]] == cit["text"]
    window = client.get(f"/v1/documents/{cit['doc_id']}", params={"start": cit["char_start"], "end": cit["char_end"], "window": 50}).json()["window"]
    assert window["text"][window["highlight_start"] : window["highlight_end"]] == cit["text"]
    assert window["section"].endswith("2. Servizi per la domiciliarità")


def test_ask_stream_sse(client: httpx.Client) -> None:
    events = []
    with client.stream("POST", "/v1/ask", json={"question": "Cosa distribuisce il Banco alimentare?", "stream": True}) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        for block in r.read().decode().split("\n\n"):
            if block.strip():
                lines = dict(line.split(": ", 1) for line in block.splitlines())
                events.append((lines["event"], json.loads(lines["data"])))
    kinds = [e for e, _ in events]
    assert kinds[-2:] == ["citations", "done"] and set(kinds[:-2]) == {"sentence"}
    assert any("[1]" in d["text"] for e, d in events if e == "sentence")
    assert events[-2][1][0]["doc_id"] == "beta" and events[-1][1]["abstained"] is False


def test_search_filters_and_validation(client: httpx.Client) -> None:
    res = client.post("/v1/search", json={"query": "anziani", "k": 3, "filters": {"ambito": "Casalasco"}}).json()
    assert res["results"] and {r["ambito"] for r in res["results"]} == {"Casalasco"}
    body = problem(client.post("/v1/ask", json={"question": "   "}), 422, "richiesta_non_valida")
    assert "question" in body["detail"]
    problem(client.post("/v1/search", json={"query": "x", "k": 1000}), 422, "richiesta_non_valida")
    problem(client.get("/v1/documents/non-esiste"), 404, "non_trovato")
    problem(client.get("/v1/documents/alfa", params={"start": 10, "end": 10**7}), 422, "span_non_valido")
    problem(client.post("/v1/ask", content=b"x" * 70_000, headers={"Content-Type": "application/json"}), 413, "richiesta_troppo_grande")


def test_documents_list(client: httpx.Client) -> None:
    docs = client.get("/v1/documents").json()
    assert [d["doc_id"] for d in docs] == ["alfa", "beta"]
    detail = client.get("/v1/documents/alfa").json()
    assert detail["sections"][0]["title"].startswith("Piano di Zona 2015-2017")


def test_upload_job_search_delete_with_auth(client: httpx.Client) -> None:
    files = {"file": ("../../etc/relazione gamma.txt", "Relazione del distretto cremasco 2015-2017\n\nLa ludoteca comunale apre il sabato mattina per i bambini.\n", "text/plain")}
    problem(client.post("/v1/documents", files=files), 401, "chiave_mancante")
    problem(client.post("/v1/documents", files=files, headers={"X-API-Key": "sbagliata"}), 403, "chiave_non_valida")
    accepted = client.post("/v1/documents", files=files, headers=AUTH)
    assert accepted.status_code == 202 and accepted.json()["filename"] == "relazione_gamma.txt"
    job = wait_job(client, accepted.json()["id"])
    assert job["status"] == "completato" and job["doc_id"] == "relazione-gamma"
    hits = client.post("/v1/search", json={"query": "ludoteca comunale sabato", "k": 1}).json()["results"]
    assert hits[0]["doc_id"] == "relazione-gamma"
    problem(client.delete("/v1/documents/relazione-gamma"), 401, "chiave_mancante")
    assert client.delete("/v1/documents/relazione-gamma", headers=AUTH).json()["status"] == "rimosso"
    assert [d["doc_id"] for d in client.get("/v1/documents").json()] == ["alfa", "beta"]
    problem(client.delete("/v1/documents/relazione-gamma", headers=AUTH), 404, "non_trovato")


def test_bad_uploads_are_rejected_and_nothing_is_lost(client: httpx.Client) -> None:
    before = client.get("/v1/documents").json()
    problem(client.post("/v1/documents", files={"file": ("virus.exe", b"MZ\x90\x00", "application/octet-stream")}, headers=AUTH), 415, "formato_non_supportato")
    problem(client.post("/v1/documents", files={"file": ("grande.txt", b"a" * (1024 * 1024 + 10), "text/plain")}, headers=AUTH), 413, "file_troppo_grande")
    job = client.post("/v1/documents", files={"file": ("rotto.pdf", b"%PDF-1.4\nnot really a pdf", "application/pdf")}, headers=AUTH).json()
    done = wait_job(client, job["id"])
    assert done["status"] == "fallito" and done["error"]["code"] == "documento_corrotto"
    assert done["error"]["detail"].startswith("rotto.pdf: ")
    assert client.get("/v1/documents").json() == before
    problem(client.get("/v1/jobs/sconosciuto"), 404, "non_trovato")


def test_parallel_searches_while_an_upload_is_ingested(client: httpx.Client) -> None:
    text = "\n\n".join(f"Paragrafo {i}: il servizio educativo domiciliare segue le famiglie del quartiere {i}." for i in range(150))
    job = client.post("/v1/documents", files={"file": ("lungo.txt", "Piano di prova 2015-2017\n\n" + text, "text/plain")}, headers=AUTH).json()

    def search(i: int) -> int:
        return client.post("/v1/search", json={"query": f"voucher dimissioni {i}", "k": 3}).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(search, range(16)))
    assert codes == [200] * 16
    assert wait_job(client, job["id"])["status"] == "completato"
    assert client.delete("/v1/documents/lungo", headers=AUTH).status_code == 200


def test_objectives_formats(client: httpx.Client) -> None:
    records = client.get("/v1/objectives").json()
    assert [r["title"] for r in records] == ["Cartella Sociale Informatizzata per tutti i servizi"]
    assert records[0]["actions"] == ["formazione degli operatori all'uso della cartella", "estensione della cartella al privato sociale"]
    csv_text = client.get("/v1/objectives", params={"format": "csv"}).text
    assert csv_text.startswith("Piano,Ambito,Periodo")
    xlsx = client.get("/v1/objectives", headers={"Accept": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"})
    assert xlsx.content[:2] == b"PK"
    assert client.get("/v1/objectives", params={"ambito": "Casalasco"}).json() == []


def test_cors_for_configured_origin(client: httpx.Client) -> None:
    r = client.options("/v1/ask", headers={"Origin": "https://comune.example.it", "Access-Control-Request-Method": "POST"})
    assert r.headers.get("access-control-allow-origin") == "https://comune.example.it"
    r = client.options("/v1/ask", headers={"Origin": "https://altro.example.com", "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in r.headers


def test_pages_are_served(client: httpx.Client) -> None:
    assert "<pdz-assistant" in client.get("/").text
    assert "Obiettivi" in client.get("/obiettivi").text
    assert "customElements.define" in client.get("/static/pdz-widget.js").text


def test_compare_and_alignment_endpoints(client: httpx.Client) -> None:
    body = client.post("/v1/compare", json={"topic": "prestiti solidali microcredito", "k": 2}).json()
    groups = body["groups"]
    assert set(groups) == {"Casalasco 2015-2017", "Crema 2015-2017"}
    assert groups["Casalasco 2015-2017"][0]["relevant"] is True and groups["Crema 2015-2017"][0]["passages"] == []
    problem(client.post("/v1/compare", json={"topic": "x", "by": "colore"}), 422, "richiesta_non_valida")
    assert client.get("/v1/objectives/alignment").json() == []  # one plan with objectives: nothing to link
    problem(client.get("/v1/objectives/alignment", params={"from": "zeta", "to": "alfa"}), 404, "non_trovato")
    assert "Confronto tra piani" in client.get("/confronto").text
