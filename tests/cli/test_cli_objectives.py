"""`pdz objectives` exports and `pdz eval objectives`."""

from __future__ import annotations

import json
from pathlib import Path

from openpyxl import load_workbook

from tests.helpers import SECTIONED


def test_objectives_json_csv_xlsx(pdz, tmp_path: Path) -> None:  # noqa: ANN001
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "piano_crema_2015-2017.txt").write_text(SECTIONED, encoding="utf-8")
    (folder / "manifest.yaml").write_text(
        "documents:\n  - {doc_id: crema, source: piano_crema_2015-2017.txt, title: Piano, ambito: Crema,"
        " period: 2015-2017, kind: piano}\n",
        encoding="utf-8",
    )
    assert pdz("ingest", str(folder))[0] == 0
    code, out, _ = pdz("objectives", "--json")
    (record,) = json.loads(out)
    assert code == 0 and record["title"] == "Sportello unico per l'accesso ai servizi"
    assert record["indicators"] == ["N. di sportelli aperti", "N. di accessi registrati"]
    assert {"char_start", "char_end", "spans", "doc_id", "ambito", "period"} <= set(record)
    code, out, _ = pdz("objectives", "--format", "csv")
    assert code == 0 and out.splitlines()[0].startswith("Piano,Ambito,Periodo,Area")
    code, _, err = pdz("objectives", "--format", "xlsx")
    assert code == 2 and "richiede --output" in err
    target = tmp_path / "o.xlsx"
    code, out, _ = pdz("objectives", "--format", "xlsx", "--output", str(target))
    assert code == 0 and load_workbook(target).active.max_row == 2
    gold = tmp_path / "gold.json"
    gold.write_text(json.dumps({"documents": [{"doc": "piano_crema_2015-2017.txt", "objectives": [
        {"title": "Sportello unico per l'accesso ai servizi", "indicators": ["N. di sportelli aperti"], "targets": []}]}]}), encoding="utf-8")
    code, out, _ = pdz("eval", "objectives", "--gold", str(gold))
    overall = json.loads(out.strip().splitlines()[-1])
    assert code == 0 and overall["recall"] == 1.0 and overall["indicators_recall"] == 1.0
    assert overall["indicators_precision"] == 0.5
