"""Reviewing the objectives table over HTTP: correct, approve, reject, add, history, bad input, re-ingestion.

Each test runs its own server over a fresh copy of the mini corpus (the review state is per test);
``alfa`` has one extracted objective, the «Cartella Sociale Informatizzata».
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook

from api.app import create_app
from tests.api.conftest import API_KEY, AUTH, LiveServer, mini_assistant, problem

TITLE = "Cartella Sociale Informatizzata per tutti i servizi"
PREMESSA = "Il Piano di Zona dell'ambito di Crema definisce le priorità sociali"


@pytest.fixture
def server(tmp_path: Path, embedder: Any) -> Iterator[LiveServer]:
    settings, assistant = mini_assistant(tmp_path, embedder, api_key=API_KEY, rate_upload_per_minute=0)
    live = LiveServer(create_app(assistant=assistant), data_dir=settings.data_dir, assistant=assistant)
    yield live
    live.stop()


@pytest.fixture
def http(server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=120) as c:
        yield c


def _table(http: httpx.Client, **params: str) -> list[dict[str, Any]]:
    r = http.get("/v1/objectives", params=params)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def _the_record(http: httpx.Client) -> dict[str, Any]:
    (record,) = _table(http)
    return record


def test_correct_a_field_reload_approve_and_read_the_history(http: httpx.Client) -> None:
    record = _the_record(http)
    assert (record["title"], record["review_status"]) == (TITLE, "estratto")
    oid = record["objective_id"]
    r = http.patch(f"/v1/objectives/{oid}", headers=AUTH, json={
        "author": "Ufficio di Piano", "title": "Cartella sociale informatizzata",
        "indicators": ["N. di servizi che usano la cartella"],
    })
    assert r.status_code == 200, r.text
    assert (r.json()["title"], r.json()["review_status"]) == ("Cartella sociale informatizzata", "corretto")

    reloaded = _the_record(http)  # a new request: the correction is stored
    assert reloaded["objective_id"] == oid and reloaded["title"] == "Cartella sociale informatizzata"
    assert reloaded["indicators"] == ["N. di servizi che usano la cartella"]
    assert reloaded["actions"] == record["actions"] and reloaded["char_start"] == record["char_start"]
    assert reloaded["corrected_fields"] == ["indicators", "title"] and reloaded["reviewed_by"] == "Ufficio di Piano"
    assert http.get(f"/v1/objectives/{oid}").json() == reloaded
    assert _table(http, status="approvato") == []

    r = http.patch(f"/v1/objectives/{oid}", headers=AUTH, json={"author": "Dirigente", "status": "approvato"})
    assert r.status_code == 200 and r.json()["review_status"] == "approvato"
    (approved,) = _table(http, status="approvato")
    assert approved["title"] == "Cartella sociale informatizzata"
    rows = list(csv.reader(io.StringIO(http.get("/v1/objectives", params={"status": "approvato", "format": "csv"}).text)))
    assert rows[1][rows[0].index("Stato")] == "approvato" and "Cartella sociale informatizzata" in rows[1]
    sheet = load_workbook(io.BytesIO(http.get("/v1/objectives", params={"format": "xlsx"}).content)).active
    header = [c.value for c in sheet[1]]
    assert sheet.cell(2, header.index("Stato") + 1).value == "approvato"
    exported = json.loads(http.get("/v1/objectives", params={"format": "json", "status": "approvato"}).text)
    assert [o["review_status"] for o in exported] == ["approvato"]

    history = http.get(f"/v1/objectives/{oid}/history").json()
    assert [(e["author"], e["action"]) for e in history] == [("Ufficio di Piano", "corretto"), ("Dirigente", "approvato")]
    assert history[0]["changes"]["title"] == {"prima": TITLE, "dopo": "Cartella sociale informatizzata"}
    assert history[0]["changes"]["indicators"]["prima"] == [] and history[0]["at"] <= history[1]["at"]


def test_reject_hides_the_record_and_add_then_withdraw_one(http: httpx.Client) -> None:
    oid = _the_record(http)["objective_id"]
    assert http.get(f"/v1/objectives/{oid}/history").json() == []
    r = http.delete(f"/v1/objectives/{oid}", headers=AUTH, params={"author": "Anna"})
    assert r.status_code == 200 and r.json()["review_status"] == "rifiutato"
    assert _table(http) == []
    assert [e["action"] for e in http.get(f"/v1/objectives/{oid}/history").json()] == ["rifiutato"]

    r = http.post("/v1/objectives", headers=AUTH, json={
        "doc_id": "alfa", "author": "Anna", "title": "Voucher per le dimissioni protette",
        "actions": ["valutazione del bisogno entro cinque giorni"], "char_start": 0, "char_end": 10,
    })
    assert r.status_code == 201, r.text
    added = r.json()
    assert r.headers["location"] == f"/v1/objectives/{added['objective_id']}"
    assert (added["review_status"], added["ambito"], added["period"], added["source"]) == (
        "aggiunto", "Crema", "2015-2017", "piano_alfa.md")
    assert [(o["title"], o["review_status"]) for o in _table(http)] == [("Voucher per le dimissioni protette", "aggiunto")]
    r = http.delete(f"/v1/objectives/{added['objective_id']}", headers=AUTH, params={"author": "Anna"})
    assert r.status_code == 200 and _table(http) == []
    trail = http.get(f"/v1/objectives/{added['objective_id']}/history").json()
    assert [e["action"] for e in trail] == ["aggiunto", "rimosso"]
    # the approval takes a rejected record back into the table
    assert http.patch(f"/v1/objectives/{oid}", headers=AUTH, json={"author": "Anna", "status": "approvato"}).status_code == 200
    assert [o["review_status"] for o in _table(http)] == ["approvato"]


def test_bad_review_requests_are_problems_and_change_nothing(http: httpx.Client) -> None:
    oid = _the_record(http)["objective_id"]
    before = _table(http)
    url = f"/v1/objectives/{oid}"
    body = problem(http.patch(url, headers=AUTH, json={"author": "Anna", "colore": "rosso"}), 422, "richiesta_non_valida")
    assert "colore: campo non previsto" in body["detail"]
    body = problem(http.patch(url, headers=AUTH, json={"author": "Anna", "title": "  "}), 422, "titolo_vuoto")
    assert body["detail"] == "Il titolo non può essere vuoto."
    problem(http.patch(url, headers=AUTH, json={"author": "Anna", "status": "forse"}), 422, "richiesta_non_valida")
    problem(http.patch(url, headers=AUTH, json={"author": "Anna"}), 422, "nessuna_modifica")
    problem(http.patch(url, headers=AUTH, json={"title": "Senza autore"}), 422, "richiesta_non_valida")
    problem(http.patch(url, json={"author": "Anna", "status": "approvato"}), 401, "chiave_mancante")
    problem(http.patch(url, headers={"X-API-Key": "sbagliata"}, json={"author": "Anna", "status": "approvato"}), 403,
            "chiave_non_valida")
    problem(http.delete(url, params={"author": "Anna"}), 401, "chiave_mancante")
    problem(http.delete(url, headers=AUTH), 422, "richiesta_non_valida")  # no author
    problem(http.post("/v1/objectives", json={"doc_id": "alfa", "author": "Anna", "title": "Nuovo"}), 401, "chiave_mancante")
    problem(http.post("/v1/objectives", headers=AUTH, json={"doc_id": "alfa", "author": "Anna", "title": ""}), 422,
            "richiesta_non_valida")
    problem(http.post("/v1/objectives", headers=AUTH, json={"doc_id": "zeta", "author": "Anna", "title": "Nuovo"}), 404,
            "non_trovato")
    problem(http.post("/v1/objectives", headers=AUTH, json={
        "doc_id": "alfa", "author": "Anna", "title": "Nuovo", "char_start": 5, "char_end": 10**6}), 422, "intervallo_non_valido")
    problem(http.patch("/v1/objectives/sconosciuto", headers=AUTH, json={"author": "Anna", "status": "approvato"}), 404,
            "non_trovato")
    problem(http.get("/v1/objectives/sconosciuto/history"), 404, "non_trovato")
    problem(http.get("/v1/objectives", params={"status": "bocciato"}), 422, "richiesta_non_valida")
    assert _table(http) == before and _table(http, include="candidates") == before
    assert http.get(f"{url}/history").json() == []


def _reingest(server: LiveServer, old: str, new: str) -> None:
    source = server.data_dir.parent / "mini" / "piano_alfa.md"
    text = source.read_text(encoding="utf-8")
    assert old in text
    source.write_text(text.replace(old, new), encoding="utf-8")
    report = server.assistant.ingest([source.parent])
    assert [o.doc_id for o in report.indexed] == ["alfa"]


def test_edits_survive_a_changed_document_or_are_flagged(http: httpx.Client, server: LiveServer) -> None:
    record = _the_record(http)
    r = http.patch(f"/v1/objectives/{record['objective_id']}", headers=AUTH,
                   json={"author": "Anna", "timing": "Entro il 2017", "status": "approvato"})
    assert r.status_code == 200

    # the document changes elsewhere: every offset moves, the objective reads the same
    _reingest(server, PREMESSA, "Con una premessa più lunga, " + PREMESSA)
    moved = _the_record(http)
    assert moved["objective_id"] != record["objective_id"] and moved["char_start"] > record["char_start"]
    assert (moved["title"], moved["timing"], moved["review_status"]) == (TITLE, "Entro il 2017", "approvato")
    trail = http.get(f"/v1/objectives/{moved['objective_id']}/history").json()
    assert [(e["author"], e["action"]) for e in trail] == [("Anna", "approvato"), ("sistema", "riattaccato")]

    # the objective itself is rewritten: the edit no longer applies and is flagged, not dropped
    _reingest(server, "Cartella Sociale Informatizzata per tutti i servizi", "Osservatorio territoriale sui bisogni")
    _reingest(server, "- formazione degli operatori all'uso della cartella\n- estensione della cartella al privato sociale",
              "- raccolta annuale dei dati dei Comuni")
    rows = {(o["title"], o["review_status"]) for o in _table(http)}
    assert rows == {("Osservatorio territoriale sui bisogni", "estratto"), (TITLE, "da_rivedere")}
    flagged = _table(http, status="da_rivedere")[0]
    assert flagged["objective_id"] == moved["objective_id"] and flagged["timing"] == "Entro il 2017"
    trail = http.get(f"/v1/objectives/{flagged['objective_id']}/history").json()
    assert [e["action"] for e in trail] == ["approvato", "riattaccato", "da_rivedere"]
    # the reviewer withdraws the flagged record
    assert http.delete(f"/v1/objectives/{flagged['objective_id']}", headers=AUTH, params={"author": "Anna"}).status_code == 200
    assert [o["title"] for o in _table(http)] == ["Osservatorio territoriale sui bisogni"]
