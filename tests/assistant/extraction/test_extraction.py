"""Objective extraction on the three shapes of the real corpus, on synthetic documents
(text, DOCX, PDF), with every field grounded in the canonical text."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from assistant.extraction.extractor import extract_objectives, parse_text
from assistant.extraction.grounding import norm
from assistant.extraction.llm import extract_with_llm
from assistant.extraction.schema import LIST_FIELDS, Objective
from assistant.extraction.selection import select
from ingest.document import ParsedDocument
from ingest.loaders import load
from ingest.manifest import load_manifest
from tests.helpers import BROKEN_TABLE, CORPUS, PLAN, REPO, SECTIONED

MANIFEST = load_manifest(CORPUS / "manifest.yaml")
# a copy of ../shared/eval/objectives_sample.json, so the suite needs nothing outside the repository
SAMPLE = json.loads((REPO / "tests" / "fixtures" / "objectives_sample.json").read_text(encoding="utf-8"))


def _corpus(name: str) -> list[Objective]:
    raw = (CORPUS / name).read_text(encoding="utf-8")
    return extract_objectives(parse_text(raw, MANIFEST[name]))


def _sample(source: str) -> list[dict]:
    return next(d for d in SAMPLE["documents"] if d["doc"] == source)["objectives"]


def assert_grounded(doc: ParsedDocument, records: list[Objective]) -> None:
    text = doc.canonical.text
    for r in records:
        assert text[r.char_start : r.char_end]
        for name, spans in r.spans.items():
            if name == "kind":
                continue  # a classification ("natura strategica" -> "Strategico"), evidence span kept
            value = getattr(r, name)
            if name in LIST_FIELDS:
                assert len(value) == len(spans), (r.title, name)
                for v, (a, b) in zip(value, spans, strict=True):
                    assert norm(text[a:b]) == norm(v), (r.title, name, text[a:b], v)
            else:  # a scalar may be made of several pieces (a table cell continued after a page break)
                assert norm(" ".join(text[a:b] for a, b in spans)) == norm(value), (r.title, name, value)


def test_crema_sectioned_objectives_match_the_sample() -> None:
    records = _corpus("002_6f8e82cecc449fcd.txt")
    assert [r.label for r in records] == [f"Obiettivo n. {n}" for n in range(1, 11)]
    by_label = {r.label: r for r in records}
    for gold in _sample("002_6f8e82cecc449fcd.txt"):
        r = by_label[gold["label"]]
        assert (r.title, r.area, r.kind) == (gold["title"], gold["area"], gold["kind"])
        assert [norm(x) for x in r.actions] == [norm(x) for x in gold["actions"]]
        assert [norm(x) for x in r.indicators] == [norm(x) for x in gold["indicators"]]
        assert [norm(x) for x in r.targets] == [norm(x) for x in gold["targets"]]
        assert norm(r.timing or "") == norm(gold["timing"]) and norm(r.resources or "") == norm(gold["resources"])
    assert all(r.extractor == "sectioned" and r.scope == "plan" for r in records)


def test_casalasco_broken_tables_are_rebuilt() -> None:
    records = _corpus("003_8f4eaa503a0b1ae2.txt")
    assert len(records) == 19 and all(r.extractor == "table" for r in records)
    assert [r.label for r in records[:4]] == ["Obiettivo 1", "Obiettivo 2", "Obiettivo 3", "Obiettivo 1"]
    assert records[3].area == "Focus Non autosufficienza e disabilità"  # numbering restarts per focus
    for gold in _sample("003_8f4eaa503a0b1ae2.txt"):
        r = next(x for x in records if x.label == gold["label"] and x.area == gold["area"])
        assert r.title == gold["title"] and r.kind == gold["kind"]
        assert [norm(x) for x in r.indicators] == [norm(x) for x in gold["indicators"]]
        assert [norm(x) for x in r.targets] == [norm(x) for x in gold["targets"]]
        assert norm(r.timing or "") == norm(gold["timing"])
    first = records[0]
    assert [norm(x) for x in first.actions] == [norm(x) for x in _sample("003_8f4eaa503a0b1ae2.txt")[0]["actions"]]
    assert first.resources == "Costo gestione software"


def test_cremona_prose_objectives_and_previous_results() -> None:
    raw = (CORPUS / "001_d32dc599b4fc8b21.txt").read_text(encoding="utf-8")
    doc = parse_text(raw, MANIFEST["001_d32dc599b4fc8b21.txt"])
    candidates = extract_objectives(doc)
    assert all(r.extractor == "prose" for r in candidates)
    records = select(candidates)  # the default table: objectives and guidelines above the threshold
    assert 50 <= len(records) <= 200 < len(candidates)
    text = doc.canonical.text
    for gold in _sample("001_d32dc599b4fc8b21.txt"):
        anchor = norm(gold["anchor_quote"])
        assert any(anchor in norm(text[r.char_start : r.char_end]) for r in records if r.scope == "plan"), gold["title"]
    # results of the previous plan ("4.1.1 Esiti della programmazione 2015-2018") are kept out of the table
    assert not any("esiti" in r.section.split(" > ")[-1].lower() for r in records)
    assert any("esiti" in r.section.split(" > ")[-1].lower() and r.category == "previous" for r in candidates)
    assert any("4.1.1 Esiti della programmazione" in s.title for s in doc.sections)


@pytest.mark.parametrize("name", ["001_d32dc599b4fc8b21.txt", "002_6f8e82cecc449fcd.txt", "003_8f4eaa503a0b1ae2.txt"])
def test_every_field_of_the_corpus_is_grounded(name: str) -> None:
    raw = (CORPUS / name).read_text(encoding="utf-8")
    doc = parse_text(raw, MANIFEST[name])
    assert_grounded(doc, extract_objectives(doc))


def test_slides_have_no_plan_objectives_and_extraction_is_fast() -> None:
    started = time.perf_counter()
    total = sum(len(_corpus(p.name)) for p in sorted(CORPUS.glob("*.txt")))
    assert time.perf_counter() - started < 10
    assert total > 100
    assert _corpus("004_e81db7fdb642f5ac.txt") == []




def test_synthetic_sectioned_document() -> None:
    doc = parse_text(SECTIONED, PLAN)
    (r,) = extract_objectives(doc)
    assert (r.label, r.title, r.area, r.kind) == ("Obiettivo n. 1", "Sportello unico per l'accesso ai servizi", "AREA DI PRIORITA' SERVIZI", "Strategico")
    assert r.actions == ["apertura di uno sportello in ogni sub-ambito", "formazione degli operatori"]
    assert r.indicators == ["N. di sportelli aperti", "N. di accessi registrati"]
    assert r.targets == ["almeno 4 sportelli entro il 2016"]
    assert_grounded(doc, [r])


def test_synthetic_broken_table_never_mixes_cells() -> None:
    doc = parse_text(BROKEN_TABLE, PLAN)
    (r,) = extract_objectives(doc)
    assert (r.title, r.kind, r.area) == ("Pasti a domicilio", "Specifico", "Focus anziani")
    assert r.actions == ["Organizzare la consegna dei pasti caldi"]
    assert r.resources == "Risorse comunali" and r.tools == "Convenzione con la mensa"
    assert r.indicators == ["N° pasti consegnati", "N° anziani raggiunti"]
    assert r.targets == ["Almeno 50 anziani serviti"]
    assert (r.evaluation_tools, r.timing) == ("Report periodici", "Nel corso del triennio")
    assert_grounded(doc, [r])


def test_synthetic_prose_document() -> None:
    text = (
        "3. LA PROGRAMMAZIONE\n\n3.1 CASA\n\nIl quadro del bisogno abitativo è descritto nel capitolo precedente.\n\n"
        "Proposte di sviluppo ed obiettivi per il 2019-2020\n\n"
        "- Agenzia per l'affitto: un servizio che accompagna le famiglie nella ricerca di una casa;\n"
        "- Fondo per la morosità incolpevole: sostegno alle famiglie che non riescono a pagare l'affitto.\n"
    )
    doc = parse_text(text, PLAN)
    records = select(extract_objectives(doc))
    assert [r.title for r in records] == ["Agenzia per l'affitto", "Fondo per la morosità incolpevole"]
    assert records[0].area == "3.1 CASA"
    assert_grounded(doc, records)


def test_docx_and_pdf_sources(tmp_path: Path) -> None:
    import docx
    from fpdf import FPDF

    d = docx.Document()
    for line in SECTIONED.strip().split("\n\n"):
        if line.startswith("- "):
            for item in line.split("\n"):
                d.add_paragraph(item[2:], style="List Bullet")
        else:
            d.add_paragraph(line)
    d.save(str(tmp_path / "piano.docx"))
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=10)
    for line in SECTIONED.encode("latin-1", "replace").decode("latin-1").split("\n"):
        pdf.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(tmp_path / "piano.pdf"))
    for name in ("piano.docx", "piano.pdf"):
        loaded = load(tmp_path / name)
        doc = parse_text(loaded.text, PLAN)
        (r,) = extract_objectives(doc)
        assert r.indicators == ["N. di sportelli aperti", "N. di accessi registrati"], name
        assert r.targets == ["almeno 4 sportelli entro il 2016"], name
        assert_grounded(doc, [r])


def test_llm_extractor_keeps_grounded_fields_and_reports_invented_ones() -> None:
    doc = parse_text(SECTIONED, PLAN)
    reply = json.dumps([
        {"title": "Sportello unico per l'accesso ai servizi", "indicators": ["N. di sportelli aperti", "Soddisfazione degli utenti al 95%"],
         "timing": "nel triennio", "resources": "Un milione di euro dalla Regione"},
        {"title": "Obiettivo inventato sulla mobilità elettrica"},
    ])
    model = GenericFakeChatModel(messages=iter([AIMessage(content=f"Ecco il risultato:\n{reply}")]))
    result = extract_with_llm(doc, model)
    (r,) = result.objectives
    assert r.extractor == "llm" and r.indicators == ["N. di sportelli aperti"] and r.resources is None
    assert {(d["field"], d["value"]) for d in result.dropped} == {
        ("indicators", "Soddisfazione degli utenti al 95%"),
        ("resources", "Un milione di euro dalla Regione"),
        ("title", "Obiettivo inventato sulla mobilità elettrica"),
    }
    assert_grounded(doc, [r])
