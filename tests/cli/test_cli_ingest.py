"""`pdz ingest`, `pdz documents`, `pdz remove`: summaries, JSON, exit codes, Italian errors."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.helpers import MINI as FIXTURES


def test_ingest_summary_and_documents_json(pdz, tmp_path: Path) -> None:  # noqa: ANN001
    mini = tmp_path / "mini"
    shutil.copytree(FIXTURES, mini)
    code, out, err = pdz("ingest", str(mini))
    assert code == 0, err
    assert "Documenti: 2 (indicizzati 2, invariati 0, con errori 0)" in out
    assert re.search(r"passaggi: \d+ · \d+\.\d s$", out.strip().splitlines()[-1]), out
    code, out, _ = pdz("documents", "--json")
    rows = json.loads(out)
    assert [r["doc_id"] for r in rows] == ["alfa", "beta"]
    assert {k: rows[0][k] for k in ("source", "title", "ambito", "period", "kind")} == {
        "source": "piano_alfa.md", "title": "Piano Alfa (prova)", "ambito": "Crema", "period": "2015-2017", "kind": "piano",
    }
    assert all(r["chunks"] > 0 for r in rows)
    code, out, _ = pdz("ingest", str(mini))
    assert code == 0 and "indicizzati 0, invariati 2" in out


def test_ingest_bad_files_exit_1_with_italian_reasons(pdz, tmp_path: Path) -> None:  # noqa: ANN001
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "vuoto.txt").write_bytes(b"")
    (folder / "rotto.pdf").write_bytes(b"%PDF-1.4\n garbage without objects")
    (folder / "buono.txt").write_text("Piano di zona di prova\n\nIl centro diurno apre nel 2016.\n", encoding="utf-8")
    code, out, err = pdz("ingest", str(folder))
    assert code == 1
    assert "Errore: vuoto.txt: il file è vuoto" in err
    assert "Errore: rotto.pdf: il PDF è danneggiato o illeggibile" in err
    assert "indicizzati 1" in out and "con errori 2" in out
    code, out, _ = pdz("documents", "--json")
    assert [r["source"] for r in json.loads(out)] == ["buono.txt"]


def test_missing_path_and_unknown_document(pdz, tmp_path: Path) -> None:  # noqa: ANN001
    code, _, err = pdz("ingest", str(tmp_path / "non-esiste"))
    assert code == 1 and "percorso inesistente" in err
    code, _, err = pdz("remove", "sconosciuto")
    assert code == 1 and err.strip() == "Errore: Documento «sconosciuto» non presente nell'indice."


def test_console_script_usage_error_exit_2(tmp_path: Path) -> None:
    exe = Path(sys.executable).with_name("pdz")
    done = subprocess.run([str(exe), "search"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "indicare una domanda oppure --batch" in done.stderr
    done = subprocess.run([str(exe), "--help"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "ingest" in done.stdout and "ask" in done.stdout
