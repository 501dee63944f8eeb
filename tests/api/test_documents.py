"""Documents: list, detail with sections and canonical text, a window around a cited span."""

from __future__ import annotations

import httpx

from tests.api.conftest import problem


def test_list_has_the_catalogue_metadata(client: httpx.Client) -> None:
    docs = client.get("/v1/documents").json()
    assert [d["doc_id"] for d in docs] == ["alfa", "beta"]
    alfa = docs[0]
    assert {k: alfa[k] for k in ("source", "title", "ambito", "period", "kind", "detected", "pages")} == {
        "source": "piano_alfa.md", "title": "Piano Alfa (prova)", "ambito": "Crema", "period": "2015-2017",
        "kind": "piano", "detected": False, "pages": None,
    }
    assert alfa["chunks"] >= 1 and len(alfa["version"]) >= 16


def test_detail_has_sections_and_the_whole_canonical_text(client: httpx.Client) -> None:
    doc = client.get("/v1/documents/alfa").json()
    text = doc["text"]
    assert "voucher per le dimissioni protette" in text and "window" not in doc
    titles = [s["title"] for s in doc["sections"]]
    assert titles[0].startswith("Piano di Zona 2015-2017") and "2. Servizi per la domiciliarità" in titles
    services = next(s for s in doc["sections"] if s["title"] == "2. Servizi per la domiciliarità")
    assert services["level"] == 2 and services["path"][-1] == services["title"]
    assert "voucher per le dimissioni" in text[services["start"] : services["end"]]


def test_window_around_a_span_with_offsets(client: httpx.Client) -> None:
    text = client.get("/v1/documents/alfa").json()["text"]
    start = text.index("Il voucher per le dimissioni")
    end = text.index("ospedale.") + len("ospedale.")
    doc = client.get("/v1/documents/alfa", params={"start": start, "end": end, "window": 40}).json()
    w = doc["window"]
    assert "text" not in doc and doc["title"] == "Piano Alfa (prova)" and doc["sections"]
    assert (w["start"], w["end"], w["length"]) == (start - 40, min(len(text), end + 40), len(text))
    assert w["text"] == text[w["start"] : w["end"]]
    assert w["text"][w["highlight_start"] : w["highlight_end"]] == text[start:end]
    assert w["section"].endswith("> 2. Servizi per la domiciliarità") and w["page"] is None
    edge = client.get("/v1/documents/alfa", params={"start": 0, "end": 5, "window": 10_000}).json()["window"]
    assert (edge["start"], edge["end"], edge["highlight_start"]) == (0, len(text), 0)


def test_unknown_document_and_bad_spans_are_problems(client: httpx.Client) -> None:
    body = problem(client.get("/v1/documents/non-esiste"), 404, "non_trovato")
    assert body["detail"] == "Documento «non-esiste» non presente nell'indice."
    body = problem(client.get("/v1/documents/alfa", params={"start": 10, "end": 10**7}), 422, "span_non_valido")
    assert body["detail"].startswith("Lo span 10-10000000 non è dentro il testo (0-")
    problem(client.get("/v1/documents/alfa", params={"start": 50, "end": 10}), 422, "span_non_valido")
    body = problem(client.get("/v1/documents/alfa", params={"start": -1}), 422, "richiesta_non_valida")
    assert body["detail"] == "Richiesta non valida: start: deve essere almeno 0."
