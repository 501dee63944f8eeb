"""Heading detection and section paths, on synthetic text and on the real corpus."""

from __future__ import annotations

from ingest.normalize import normalize
from ingest.structure import RANK_OBJECTIVE, detect_structure, find_headings
from tests.helpers import CORPUS


def _sections(name: str):  # noqa: ANN202
    c = normalize((CORPUS / name).read_text(encoding="utf-8"))
    return c, detect_structure(c.text, c.heading_hints)


def test_numbered_chapters_and_toc_skipped() -> None:
    text = (
        "INDICE\n\n1. LE PREMESSE 7\n\n1.1 IL QUADRO NORMATIVO 8\n\n"
        "1. LE PREMESSE\n\nTesto introduttivo.\n\n1.1 IL QUADRO NORMATIVO\n\nTesto del quadro.\n\n"
        "1.1.1 Dettagli del quadro\n\nAltro testo."
    )
    heads = find_headings(text)
    titles = [h.title for h in heads]
    assert "1. LE PREMESSE 7" not in titles and "1.1 IL QUADRO NORMATIVO 8" not in titles
    sections = detect_structure(text)
    last = sections[-1]
    assert last.path == ("1. LE PREMESSE", "1.1 IL QUADRO NORMATIVO", "1.1.1 Dettagli del quadro")
    assert text[last.start : last.heading_end] == "1.1.1 Dettagli del quadro"


def test_numbered_list_item_in_prose_is_not_a_heading() -> None:
    text = "Le priorità:\n\n1. Implementazione e piano utilizzo cartella sociale informatizzata\n\nFine."
    assert find_headings(text) == []


def test_markdown_hints_give_levels() -> None:
    c = normalize("# Titolo\n\nTesto.\n\n## Sotto\n\nAltro testo.\n")
    sections = detect_structure(c.text, c.heading_hints)
    assert [s.path for s in sections] == [("Titolo",), ("Titolo", "Sotto")]


def test_crema_objectives_are_sections_with_their_parts() -> None:
    c, sections = _sections("002_6f8e82cecc449fcd.txt")
    objectives = [s for s in sections if s.level == RANK_OBJECTIVE]
    assert [s.title.split()[2] for s in objectives] == [str(n) for n in range(1, 11)]
    parts = [s for s in sections if len(s.path) >= 3 and s.path[1] == "Obiettivo n. 2"]
    assert [s.title for s in parts][:8] == [
        "Implementazione e pieno utilizzo della Cartella Sociale Informatizzata",
        "OBIETTIVO", "AZIONI", "INTEGRAZIONE", "RISORSE", "STRUMENTI", "VALUTAZIONE", "TEMPI",
    ]
    assert parts[2].path == ("AREA DI PRIORITA' RICOMPOSIZIONE DELLA CONOSCENZA", "Obiettivo n. 2", "AZIONI")


def test_casalasco_objective_tables_are_sections() -> None:
    _, sections = _sections("003_8f4eaa503a0b1ae2.txt")
    objectives = [s for s in sections if s.level == RANK_OBJECTIVE]
    assert len(objectives) == 19
    assert objectives[0].title == "Obiettivo 1: Sviluppo cartella sociale"
    assert objectives[0].path[0] == "Capitolo 4 – Gli indirizzi operativi"
    chapters = [s.title for s in sections if s.level == 1]
    assert chapters[0].startswith("Capitolo 1") and chapters[-1].startswith("Capitolo 7")


def test_cremona_numbered_tree() -> None:
    _, sections = _sections("001_d32dc599b4fc8b21.txt")
    by_title = {s.title: s for s in sections}
    s = by_title["4.1.2 Strategie per il 2019-2020"]
    assert s.path == (
        "4. LA PROGRAMMAZIONE TERRITORIALE INDIVIDUAZIONE DI PROBLEMI E DEFINIZIONE DI OBIETTIVI",
        "4.1 POVERTÀ",
        "4.1.2 Strategie per il 2019-2020",
    )
    assert "Obiettivi di miglioramento" in by_title
    assert by_title["Dall'emergenza alla prevenzione"].path[-2] == "4.2.2 Proposte di sviluppo ed obiettivi per il 2019-2020"


def test_slide_deck_headings() -> None:
    _, sections = _sections("004_e81db7fdb642f5ac.txt")
    assert any(s.title.startswith("6. Gli strumenti") for s in sections)
    assert len(sections) >= 20


def test_empty_text_has_no_sections() -> None:
    assert detect_structure("") == []
