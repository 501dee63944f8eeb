"""Objective records in a real SQLite file, their exports, and the service keeping them in step."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from openpyxl import load_workbook

from assistant import export
from assistant.extraction.extractor import extract_objectives, parse_text
from assistant.objectives_store import ObjectiveStore
from assistant.service import Assistant
from tests.helpers import BROKEN_TABLE, PLAN, SECTIONED


def _records():  # noqa: ANN202
    a = extract_objectives(parse_text(SECTIONED, PLAN, version="v1"))
    other = PLAN.__class__("altro", "altro.txt", "Altro piano", "Casalasco", "2015-2017", "piano")
    b = extract_objectives(parse_text(BROKEN_TABLE, other, version="v1"))
    return a, b


def test_store_replace_remove_filter(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db' / 'obiettivi.sqlite3'}"
    store = ObjectiveStore(url)
    a, b = _records()
    store.replace_document("prova", "v1", a)
    store.replace_document("altro", "v1", b)
    assert [o.doc_id for o in store.list()] == ["altro", "prova"]
    assert [o.doc_id for o in store.list(ambito="casalasco")] == ["altro"]
    assert store.list(period="1999-2001") == []
    store.replace_document("prova", "v2", a + a[:0])
    assert store.versions() == {"prova": "v2", "altro": "v1"}
    assert len(store.list(doc_id="prova")) == len(a)
    assert store.remove_document("prova") == len(a)
    assert [o.doc_id for o in ObjectiveStore(url).list()] == ["altro"]  # persisted on disk
    assert store.list(doc_id="altro")[0] == b[0]  # the whole record round-trips


def test_csv_and_xlsx_exports(tmp_path: Path) -> None:
    a, b = _records()
    rows = list(csv.reader(io.StringIO(export.to_csv(a + b))))
    assert rows[0][:6] == ["Piano", "Ambito", "Periodo", "Area", "Etichetta", "Titolo"]
    assert rows[1][5] == "Sportello unico per l'accesso ai servizi"
    assert rows[1][rows[0].index("Indicatori di esito")] == "N. di sportelli aperti\nN. di accessi registrati"
    target = tmp_path / "obiettivi.xlsx"
    export.to_xlsx(a + b, str(target))
    wb = load_workbook(target)
    assert wb.sheetnames == ["Crema 2015-2017", "Casalasco 2015-2017"]
    sheet = wb["Casalasco 2015-2017"]
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["Area", "Etichetta", "Titolo"] and header[-1] == "Fonte"
    values = dict(zip(header, [c.value for c in sheet[2]], strict=True))
    assert values["Indicatori di esito"] == "N° pasti consegnati\nN° anziani raggiunti"
    assert values["Fonte"].startswith("altro.txt · ") and "caratteri" in values["Fonte"]
    assert json.loads(export.to_json(b))[0]["title"] == "Pasti a domicilio"


def test_service_extracts_on_ingest_and_forgets_on_remove(settings, embedder, tmp_path: Path) -> None:  # noqa: ANN001
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "piano.txt").write_text(SECTIONED, encoding="utf-8")
    (folder / "tabella.txt").write_text(BROKEN_TABLE, encoding="utf-8")
    (folder / "manifest.yaml").write_text(
        "documents:\n"
        "  - {doc_id: piano, source: piano.txt, title: Piano, ambito: Crema, period: 2015-2017, kind: piano}\n"
        "  - {doc_id: tabella, source: tabella.txt, title: Tabella, ambito: Casalasco, period: 2015-2017, kind: piano}\n",
        encoding="utf-8",
    )
    app = Assistant(settings=settings, embedder=embedder)
    assert not app.ingest([folder]).failed
    records = app.objectives()
    assert sorted(r.title for r in records) == ["Pasti a domicilio", "Sportello unico per l'accesso ai servizi"]
    app.remove("piano")
    assert [r.title for r in app.objectives()] == ["Pasti a domicilio"]
    # a lost database is rebuilt from the index
    (settings.data_dir / "objectives.sqlite3").unlink(missing_ok=True)
    fresh = Assistant(settings=settings, embedder=embedder)
    assert [r.title for r in fresh.objectives()] == ["Pasti a domicilio"]
