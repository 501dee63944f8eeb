"""Questions and searches over real HTTP: cited answers (JSON and SSE), filters, validation."""

from __future__ import annotations

import json
from typing import Any

import httpx

from tests.api.conftest import problem

VOUCHER = "Come si attiva il voucher dimissioni protette?"


def sse_events(response: httpx.Response) -> list[tuple[str, Any]]:
    events = []
    for block in response.read().decode().split("\n\n"):
        if block.strip():
            fields = dict(line.split(": ", 1) for line in block.splitlines())
            events.append((fields["event"], json.loads(fields["data"])))
    return events


def test_ask_json_citations_point_into_the_canonical_text(client: httpx.Client) -> None:
    body = client.post("/v1/ask", json={"question": VOUCHER}).json()
    assert set(body) == {"answer", "abstained", "status", "citations", "unsupported_sentences", "backend"}
    assert body["abstained"] is False and body["backend"] == "estrattivo"
    assert body["answer"].startswith("Secondo «Piano Alfa (prova)»") and "[1]" in body["answer"]
    assert "servizio sociale del Comune di residenza" in body["answer"]
    assert body["citations"], "at least one citation"
    for cit in body["citations"]:
        text = client.get(f"/v1/documents/{cit['doc_id']}").json()["text"]
        assert text[cit["char_start"] : cit["char_end"]] == cit["text"]
        assert cit["passage_start"] <= cit["char_start"] < cit["char_end"] <= cit["passage_end"]
        # the sentences the answer quotes lie inside the cited span, and the answer shows them
        for q in cit["quoted"]:
            assert cit["char_start"] <= q["start"] < q["end"] <= cit["char_end"]
            assert " ".join(text[q["start"] : q["end"]].split())[:60] in " ".join(body["answer"].split())
    first = body["citations"][0]
    assert first["quoted"], "the first citation names the sentences it supports"
    assert (first["n"], first["doc_id"], first["ambito"], first["period"]) == (1, "alfa", "Crema", "2015-2017")
    assert first["section"].endswith("2. Servizi per la domiciliarità")


def test_ask_stream_sends_sentences_then_citations_then_done(client: httpx.Client) -> None:
    with client.stream("POST", "/v1/ask", json={"question": "Cosa distribuisce il Banco alimentare?", "stream": True}) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        events = sse_events(r)
    kinds = [kind for kind, _ in events]
    assert kinds[-2:] == ["citations", "done"] and set(kinds[:-2]) == {"sentence"} and len(kinds) >= 3
    sentences = [data["text"] for kind, data in events if kind == "sentence"]
    assert any("pacchi di viveri" in s and "[1]" in s for s in sentences)
    citations, done = events[-2][1], events[-1][1]
    assert citations[0]["doc_id"] == "beta" and citations[0]["n"] == 1
    # the stream says what the JSON answer says
    plain = client.post("/v1/ask", json={"question": "Cosa distribuisce il Banco alimentare?"}).json()
    assert done == {"abstained": False, "status": plain["status"], "unsupported_sentences": [],
                    "answer": plain["answer"], "backend": "estrattivo"}
    assert "\n".join(sentences) == "\n".join(x for x in plain["answer"].splitlines() if x.strip())
    assert citations == plain["citations"]


def test_ask_abstains_in_italian_when_the_corpus_has_no_answer(client: httpx.Client) -> None:
    with client.stream("POST", "/v1/ask", json={"question": "Quanto costa il biglietto del treno per Milano?", "stream": True}) as r:
        events = sse_events(r)
    assert events[-1][0] == "done"
    assert {k: events[-1][1][k] for k in ("abstained", "status", "unsupported_sentences")} == {
        "abstained": True, "status": "not_found", "unsupported_sentences": []}
    assert events[-2] == ("citations", [])
    assert "Non ho trovato la risposta" in events[0][1]["text"]


def test_ask_filters_restrict_the_sources(client: httpx.Client) -> None:
    body = client.post("/v1/ask", json={"question": VOUCHER, "filters": {"ambito": "Casalasco"}}).json()
    assert all(c["doc_id"] == "beta" for c in body["citations"])
    assert "voucher per le dimissioni" not in body["answer"]


def test_search_returns_ranked_passages_with_provenance(client: httpx.Client) -> None:
    res = client.post("/v1/search", json={"query": "voucher dimissioni protette", "k": 2}).json()
    assert res["query"] == "voucher dimissioni protette" and 1 <= len(res["results"]) <= 2
    top = res["results"][0]
    assert (top["rank"], top["doc_id"], top["title"]) == (1, "alfa", "Piano Alfa (prova)")
    assert {"chunk_id", "source", "section", "page", "char_start", "char_end", "text", "score"} <= set(top)
    filtered = client.post("/v1/search", json={"query": "anziani", "k": 3, "filters": {"ambito": "Casalasco"}}).json()
    assert filtered["results"] and {r["ambito"] for r in filtered["results"]} == {"Casalasco"}


def test_validation_errors_are_italian_problems(client: httpx.Client) -> None:
    body = problem(client.post("/v1/ask", json={"question": "   "}), 422, "richiesta_non_valida")
    assert body["detail"] == "Richiesta non valida: question: la domanda è vuota."
    assert body["errori"] == [{"campo": "question", "messaggio": "la domanda è vuota"}]
    body = problem(client.post("/v1/ask", json={}), 422, "richiesta_non_valida")
    assert body["detail"] == "Richiesta non valida: question: campo obbligatorio."
    body = problem(client.post("/v1/search", json={"query": "x", "k": 1000, "colore": "blu"}), 422, "richiesta_non_valida")
    assert "k: deve essere al massimo 100" in body["detail"] and "colore: campo non previsto" in body["detail"]
    body = problem(client.post("/v1/ask", content=b"{non json", headers={"Content-Type": "application/json"}), 422, "richiesta_non_valida")
    assert body["detail"].startswith("Richiesta non valida: corpo della richiesta: JSON non valido")
    body = problem(client.post("/v1/ask", json={"question": "ok", "filters": {"ambito": "x" * 101}}), 422, "richiesta_non_valida")
    assert "filters.ambito: testo troppo lungo (massimo 100 caratteri)" in body["detail"]


def test_json_body_limit_with_and_without_content_length(client: httpx.Client) -> None:
    big = json.dumps({"question": "a" * 70_000}).encode()
    body = problem(client.post("/v1/ask", content=big, headers={"Content-Type": "application/json"}), 413, "richiesta_troppo_grande")
    assert body["detail"] == "La richiesta supera la dimensione massima consentita (64 KB)."

    def chunked() -> Any:  # no Content-Length: the limit is enforced while the body streams
        yield b'{"question": "'
        for _ in range(100):
            yield b"a" * 1000
        yield b'"}'

    problem(client.post("/v1/ask", content=chunked(), headers={"Content-Type": "application/json"}), 413, "richiesta_troppo_grande")
    assert client.post("/v1/search", json={"query": "voucher", "k": 1}).status_code == 200
