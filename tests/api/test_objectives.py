"""Objective records over HTTP: JSON, CSV and XLSX, by parameter or by Accept header, with filters."""

from __future__ import annotations

import csv
import io

import httpx
from openpyxl import load_workbook

from tests.api.conftest import problem

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TITLE = "Cartella Sociale Informatizzata per tutti i servizi"


def test_json_records_are_grounded_in_the_document(client: httpx.Client) -> None:
    r = client.get("/v1/objectives")
    assert r.headers["content-type"].startswith("application/json")
    records = r.json()
    assert [(o["doc_id"], o["title"]) for o in records] == [("alfa", TITLE)]
    obj = records[0]
    assert obj["actions"] == ["formazione degli operatori all'uso della cartella", "estensione della cartella al privato sociale"]
    assert (obj["ambito"], obj["period"], obj["scope"]) == ("Crema", "2015-2017", "plan")
    text = client.get("/v1/documents/alfa").json()["text"]
    assert TITLE in text[obj["char_start"] : obj["char_end"]]
    assert client.get("/v1/objectives", params={"ambito": "Casalasco"}).json() == []
    assert client.get("/v1/objectives", params={"doc_id": "alfa", "period": "2015-2017"}).json() == records


def test_csv_by_parameter_and_by_accept_header(client: httpx.Client) -> None:
    r = client.get("/v1/objectives", params={"format": "csv", "ambito": "crema"})
    assert r.headers["content-type"].startswith("text/csv") and "obiettivi.csv" in r.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(r.text)))
    assert rows[0][:3] == ["Piano", "Ambito", "Periodo"] and rows[1][:3] == ["alfa", "Crema", "2015-2017"]
    assert TITLE in rows[1]
    assert client.get("/v1/objectives", headers={"Accept": "text/csv"}).text == r.text


def test_xlsx_is_a_workbook_with_the_objective(client: httpx.Client) -> None:
    r = client.get("/v1/objectives", headers={"Accept": XLSX})
    assert r.headers["content-type"] == XLSX and r.content[:2] == b"PK"
    cells = [c for ws in load_workbook(io.BytesIO(r.content)).worksheets for row in ws.iter_rows(values_only=True) for c in row]
    assert TITLE in cells
    assert client.get("/v1/objectives", params={"format": "xlsx"}).content[:2] == b"PK"


def test_unknown_format_is_a_validation_problem(client: httpx.Client) -> None:
    body = problem(client.get("/v1/objectives", params={"format": "pdf"}), 422, "richiesta_non_valida")
    assert body["detail"] == "Richiesta non valida: format: valore non ammesso (ammessi: 'json', 'csv' o 'xlsx')."
