"""`pdz objectives review ...`: correct, approve, reject, add and history from the console; `--all`, `--approved`."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest

Pdz = Callable[..., tuple[int, str, str]]
PLAN = """Obiettivo n. 1

Cartella Sociale Informatizzata per tutti i servizi

AZIONI

- formazione degli operatori all'uso della cartella

TEMPI

Entro dicembre 2016.
"""


@pytest.fixture
def oid(pdz: Pdz, tmp_path: Path) -> str:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "crema.txt").write_text(PLAN, encoding="utf-8")
    (folder / "manifest.yaml").write_text(
        "documents:\n  - {doc_id: crema, source: crema.txt, title: Piano, ambito: Crema, period: 2015-2017, kind: piano}\n",
        encoding="utf-8",
    )
    assert pdz("ingest", str(folder))[0] == 0
    code, out, _ = pdz("objectives", "--json")
    (record,) = json.loads(out)
    assert code == 0 and record["review_status"] == "estratto"
    return str(record["objective_id"])


def test_correct_approve_and_history(pdz: Pdz, oid: str) -> None:
    code, out, _ = pdz("objectives", "review", "correct", oid, "--set", "title=Cartella sociale informatizzata",
                       "--set", "actions=formazione degli operatori", "--set", "actions=estensione al privato sociale",
                       "--author", "Anna", "--json")
    row = json.loads(out)
    assert code == 0 and row["review_status"] == "corretto" and row["title"] == "Cartella sociale informatizzata"
    assert row["actions"] == ["formazione degli operatori", "estensione al privato sociale"]
    assert pdz("objectives", "--approved", "--json")[1].strip() == "[]"
    code, out, _ = pdz("objectives", "review", "approve", oid, "--author", "Bruno")
    assert (code, out) == (0, f"approvato: {oid} Cartella sociale informatizzata\n")
    (approved,) = json.loads(pdz("objectives", "--approved", "--json")[1])
    assert approved["objective_id"] == oid and approved["reviewed_by"] == "Bruno"
    rows = list(csv.reader(io.StringIO(pdz("objectives", "--format", "csv")[1])))
    assert rows[1][rows[0].index("Stato")] == "approvato"
    code, out, _ = pdz("objectives", "review", "history", oid)
    lines = out.splitlines()
    assert code == 0 and len(lines) == 2
    assert lines[0].endswith("Anna: corretto (title: «Cartella Sociale Informatizzata per tutti i servizi» → "
                             "«Cartella sociale informatizzata»; actions: «formazione degli operatori all'uso della "
                             "cartella» → «formazione degli operatori», «estensione al privato sociale»)")
    assert lines[1].endswith("Bruno: approvato")
    history = json.loads(pdz("objectives", "review", "history", oid, "--json")[1])
    assert [(e["author"], e["action"]) for e in history] == [("Anna", "corretto"), ("Bruno", "approvato")]


def test_bad_corrections_fail_and_change_nothing(pdz: Pdz, oid: str) -> None:
    before = pdz("objectives", "--json")[1]
    code, _, err = pdz("objectives", "review", "correct", oid, "--set", "colore=rosso", "--author", "Anna")
    assert (code, err) == (1, "Errore: Il campo «colore» non esiste o non è modificabile.\n")
    code, _, err = pdz("objectives", "review", "correct", oid, "--set", "title=", "--author", "Anna")
    assert (code, err) == (1, "Errore: Il titolo non può essere vuoto.\n")
    code, _, err = pdz("objectives", "review", "correct", oid, "--set", "senza-uguale")
    assert code == 2 and "campo=valore" in err
    code, _, err = pdz("objectives", "review", "approve", "sconosciuto", "--author", "Anna")
    assert (code, err) == (1, "Errore: Obiettivo «sconosciuto» non trovato.\n")
    assert pdz("objectives", "--json")[1] == before
    assert pdz("objectives", "review", "history", oid)[1] == "Nessuna revisione per questo record.\n"


def test_add_reject_and_candidates(pdz: Pdz, oid: str) -> None:
    code, out, _ = pdz("objectives", "review", "add", "crema", "--title", "Pasti a domicilio", "--set",
                       "actions=convenzione con la mensa", "--author", "Carla", "--json")
    added = json.loads(out)
    assert code == 0 and (added["review_status"], added["doc_id"], added["ambito"]) == ("aggiunto", "crema", "Crema")
    titles = [r["title"] for r in json.loads(pdz("objectives", "--json")[1])]
    assert titles == ["Cartella Sociale Informatizzata per tutti i servizi", "Pasti a domicilio"]
    code, out, _ = pdz("objectives", "review", "reject", added["objective_id"], "--author", "Carla")
    assert (code, out) == (0, f"rifiutato: {added['objective_id']} Pasti a domicilio\n")
    assert [r["objective_id"] for r in json.loads(pdz("objectives", "--json")[1])] == [oid]
    # a record a reviewer marks as analysis leaves the default table; --all still lists it
    assert pdz("objectives", "review", "correct", oid, "--set", "category=analysis", "--author", "Carla")[0] == 0
    assert json.loads(pdz("objectives", "--json")[1]) == []
    (candidate,) = json.loads(pdz("objectives", "--all", "--json")[1])
    assert (candidate["objective_id"], candidate["category"]) == (oid, "analysis")
    code, _, err = pdz("objectives", "review", "add", "zeta", "--title", "X", "--author", "Carla")
    assert (code, err) == (1, "Errore: Documento «zeta» non presente nell'indice.\n")
