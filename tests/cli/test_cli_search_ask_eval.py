"""The stable CLI contract of `pdz search`, `pdz ask` (single and --batch) and `pdz eval`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.cli.conftest import lines_json
from tests.helpers import MINI as FIXTURES

RESULT_FIELDS = {
    "rank", "score", "chunk_id", "doc_id", "source", "title", "ambito", "period", "kind",
    "section", "page", "char_start", "char_end", "text", "ocr",
}


@pytest.fixture
def indexed(pdz, tmp_path: Path):  # noqa: ANN001, ANN201
    folder = tmp_path / "mini"
    shutil.copytree(FIXTURES, folder)
    assert pdz("ingest", str(folder))[0] == 0
    return pdz


def test_search_json_contract(indexed, tmp_path: Path) -> None:  # noqa: ANN001
    code, out, _ = indexed("search", "voucher dimissioni protette", "--k", "2", "--json")
    data = json.loads(out)
    assert code == 0 and data["query"] == "voucher dimissioni protette"
    assert len(data["results"]) == 2 and set(data["results"][0]) == RESULT_FIELDS
    assert data["results"][0]["doc_id"] == "alfa" and data["results"][0]["rank"] == 1
    code, out, _ = indexed("search", "servizi", "--ambito", "Casalasco", "--json")
    assert {r["ambito"] for r in json.loads(out)["results"]} == {"Casalasco"}


def test_search_and_ask_batch(indexed, tmp_path: Path) -> None:  # noqa: ANN001
    batch = tmp_path / "domande.jsonl"
    batch.write_text(
        '{"id": "q1", "question": "Come si attiva il voucher dimissioni protette?"}\n\n'
        '{"id": "q2", "question": "Cosa fa il Banco alimentare?"}\n',
        encoding="utf-8",
    )
    code, out, _ = indexed("search", "--batch", str(batch), "--k", "3")
    rows = lines_json(out)
    assert code == 0 and [r["id"] for r in rows] == ["q1", "q2"]
    assert all(set(r["results"][0]) == RESULT_FIELDS for r in rows)
    code, out, _ = indexed("ask", "--batch", str(batch))
    rows = lines_json(out)
    assert [r["id"] for r in rows] == ["q1", "q2"]
    assert rows[1]["abstained"] is False and rows[1]["citations"][0]["doc_id"] == "beta"
    assert RESULT_FIELDS - {"rank"} <= set(rows[1]["citations"][0]) and rows[1]["citations"][0]["n"] == 1


def test_ask_json_and_text(indexed) -> None:  # noqa: ANN001
    code, out, _ = indexed("ask", "Come si attiva il voucher dimissioni protette?", "--json")
    data = json.loads(out)
    assert code == 0 and data["abstained"] is False and "[1]" in data["answer"]
    assert data["citations"][0]["source"] == "piano_alfa.md"
    code, out, _ = indexed("ask", "Come si attiva il voucher dimissioni protette?")
    assert "[1] Piano Alfa (prova) — " in out and "caratteri" in out


def test_bad_batch_file(indexed, tmp_path: Path) -> None:  # noqa: ANN001
    bad = tmp_path / "rotto.jsonl"
    bad.write_text('{"id": 1, "question": "ok"}\n{non json\n', encoding="utf-8")
    code, _, err = indexed("search", "--batch", str(bad))
    assert code == 1 and "rotto.jsonl: riga 2 non è JSON valido" in err
    code, _, err = indexed("ask", "--batch", str(tmp_path / "manca.jsonl"))
    assert code == 1 and "file batch inesistente" in err


def test_eval_retrieval_and_answers(indexed, tmp_path: Path) -> None:  # noqa: ANN001
    gold = tmp_path / "gold.jsonl"
    gold.write_text(
        json.dumps({"id": "g1", "question": "Come si attiva il voucher dimissioni protette?", "kind": "process",
                    "evidence": [{"doc": "piano_alfa.md", "quote": "Il voucher per le dimissioni protette si attiva tramite il servizio sociale"}]})
        + "\n"
        + json.dumps({"id": "g2", "question": "Qual è il prezzo del biglietto del treno per Milano?", "kind": "unanswerable", "evidence": []})
        + "\n",
        encoding="utf-8",
    )
    report_path = tmp_path / "report.json"
    code, out, _ = indexed("eval", "retrieval", "--qa", str(gold), "--output", str(report_path))
    assert code == 0 and "hit@5" in out and "overall" in out
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert report["summary"]["overall"]["hit@1"] == 1.0 and report["summary"]["overall"]["n"] == 1
    code, out, _ = indexed("eval", "answers", "--qa", str(gold))
    summary = json.loads(out.strip().splitlines()[-1])
    assert summary["overall"]["evidence_any"] == 1.0 and summary["unanswerable"]["abstained"] == 1.0
