"""Evaluators: evidence grouped by plan, comparative answers, objective alignment and continuity."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from api.responses import ComparisonOut, LinkOut
from assistant.alignment import align, continuity, indicator_table
from assistant.extraction.extractor import extract_objectives, parse_text
from assistant.service import Assistant
from eval import alignment as alignment_eval
from ingest.schemas import DocumentMeta


def test_compare_groups_evidence_by_plan_and_reports_missing_evidence(mini_app: Assistant) -> None:
    result = mini_app.compare("microcredito e prestiti solidali alle famiglie", per_plan=2)
    groups = {k: v[0] for k, v in result.groups.items()}
    assert set(groups) == {"Casalasco 2015-2017", "Crema 2015-2017"}
    assert groups["Casalasco 2015-2017"].relevant
    assert "microcredito" in groups["Casalasco 2015-2017"].results[0].chunk.text
    assert not groups["Crema 2015-2017"].relevant
    assert ComparisonOut.of(result).model_dump()["groups"]["Crema 2015-2017"][0]["passages"] == []
    by_ambito = mini_app.compare("servizi per gli anziani", by="ambito")
    assert list(by_ambito.groups) == ["Casalasco", "Crema"]


def test_comparative_question_cites_each_named_plan(mini_app: Assistant) -> None:
    answer = mini_app.ask("Come si occupano degli anziani e della domiciliarità il piano di Crema e il piano casalasco?")
    assert not answer.abstained
    assert {c.chunk.doc_id for c in answer.citations} == {"alfa", "beta"}
    assert answer.answer.startswith("Risposta per ciascun piano:")
    assert "«Piano Alfa (prova)»:" in answer.answer and "«Piano Beta (prova)»:" in answer.answer


PLAN_2015 = """Obiettivo n. 1

Cartella sociale informatizzata per tutti i servizi

AZIONI

- formazione degli operatori all'uso della cartella sociale

VALUTAZIONE

Indicatori di esito:

- N. di prese in carico registrate in cartella

Obiettivo n. 2

Trasporto sociale per gli anziani

AZIONI

- convenzione con le associazioni di volontariato per il trasporto

TEMPI

Nel corso del triennio.
"""

PLAN_2018 = """Obiettivo n. 1

Pieno utilizzo della cartella sociale informatizzata in tutti i servizi

AZIONI

- formazione degli operatori e del privato sociale all'uso della cartella sociale

VALUTAZIONE

Indicatori di esito:

- N. di operatori del privato sociale che usano la cartella

Obiettivo n. 2

Sportello per l'amministratore di sostegno

AZIONI

- apertura di uno sportello informativo per le famiglie

TEMPI

Entro il 2019.
"""


def _plan(text: str, period: str) -> list:  # noqa: ANN202
    meta = DocumentMeta(f"crema-{period}", f"{period}.txt", "Piano", "Crema", period, "piano")
    return extract_objectives(parse_text(text, meta, version=period))


def test_alignment_across_periods_and_continuity(embedder) -> None:  # noqa: ANN001
    earlier, later = _plan(PLAN_2015, "2015-2017"), _plan(PLAN_2018, "2018-2020")
    links = align(earlier, later, embedder)
    assert [(x.source.title, x.target.title) for x in links] == [
        ("Cartella sociale informatizzata per tutti i servizi", "Pieno utilizzo della cartella sociale informatizzata in tutti i servizi")
    ]
    assert links[0].relation == "stesso obiettivo"
    status = continuity(earlier, later, links)
    assert [o.title for o in status["continuato"]] == ["Pieno utilizzo della cartella sociale informatizzata in tutti i servizi"]
    assert [o.title for o in status["nuovo"]] == ["Sportello per l'amministratore di sostegno"]
    assert [o.title for o in status["abbandonato"]] == ["Trasporto sociale per gli anziani"]
    (row,) = indicator_table(links)
    assert row["from_indicators"] == ["N. di prese in carico registrate in cartella"]
    assert row["to_indicators"] == ["N. di operatori del privato sociale che usano la cartella"]
    d = LinkOut.of(links[0]).model_dump(mode="json", by_alias=True)
    assert d["from"]["char_start"] < d["from"]["char_end"] and d["to"]["source"] == "2018-2020.txt"


@pytest.mark.slow
def test_alignment_on_the_corpus_against_the_gold(corpus_assistant) -> None:  # noqa: ANN001
    links = corpus_assistant.align_objectives(source="crema-pdz-2015-2017", target="casalasco-pdz-2015-2017")
    report = alignment_eval.score([LinkOut.of(link).model_dump(mode="json", by_alias=True) for link in links])
    assert report["precision"] >= 0.85 and report["recall"] >= 0.7, report
    same = {(x.source.label, x.target.title) for x in links if x.relation == "stesso obiettivo"}
    assert ("Obiettivo n. 2", "Sviluppo cartella sociale") in same


def test_align_cli_exports(pdz, tmp_path: Path) -> None:  # noqa: ANN001
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text(PLAN_2015, encoding="utf-8")
    (folder / "b.txt").write_text(PLAN_2018, encoding="utf-8")
    (folder / "manifest.yaml").write_text(
        "documents:\n"
        "  - {doc_id: crema-2015, source: a.txt, title: A, ambito: Crema, period: 2015-2017, kind: piano}\n"
        "  - {doc_id: crema-2018, source: b.txt, title: B, ambito: Crema, period: 2018-2020, kind: piano}\n",
        encoding="utf-8",
    )
    assert pdz("ingest", str(folder))[0] == 0
    code, out, _ = pdz("objectives", "align", "--from", "crema-2015", "--to", "crema-2018", "--json")
    import json

    links = json.loads(out)
    assert code == 0 and len(links) == 1 and links[0]["relation"] == "stesso obiettivo"
    target = tmp_path / "links.xlsx"
    code, _, _ = pdz("objectives", "align", "--format", "xlsx", "--output", str(target))
    sheet = load_workbook(target)["Collegamenti"]
    assert code == 0 and sheet.max_row == 2 and sheet.cell(1, 4).value == "Indicatori (primo)"
    code, _, err = pdz("objectives", "align", "--from", "sconosciuto", "--to", "crema-2018")
    assert code == 1 and "sconosciuto" in err
    code, out, _ = pdz("compare", "cartella sociale", "--json")
    assert code == 0 and set(json.loads(out)["groups"]) == {"Crema 2015-2017", "Crema 2018-2020"}
