"""Normalisation: artefacts removed, exact map back to the raw text kept."""

from __future__ import annotations

import pytest

from ingest.normalize import normalize
from ingest.schemas import Page
from tests.helpers import CORPUS


def _assert_exact_map(raw: str, canonical) -> None:  # noqa: ANN001
    for i, ch in enumerate(canonical.text):
        origin = raw[canonical.offsets[i]]
        # separators replace raw whitespace runs or markup (a tag's "<"); every other character is copied
        assert ch == origin or (ch in " \n\t" and (origin.isspace() or origin in "*#_\\-<")), (i, ch, origin)
    assert canonical.offsets == sorted(canonical.offsets)


def test_running_footer_removed_and_sentence_rejoined() -> None:
    raw = (
        "Premessa\n\n"
        "Dal 2010 ad oggi la situazione della programmazione regionale ha subito \n\n"
        "cambiamenti non ancora compiuti.\n\n"
        "Piano di zona casalasco per il triennio 2015-2017  17 \n"
        "Testo della pagina diciassette.\n"
        "Piano di zona casalasco per il triennio 2015-2017  18 \n"
        "Testo della pagina diciotto.\n"
        "Piano di zona casalasco per il triennio 2015-2017  \n"
    )
    c = normalize(raw)
    assert "triennio 2015-2017" not in c.text
    assert "ha subito cambiamenti non ancora compiuti." in c.text
    _assert_exact_map(raw, c)


def test_hyphenation_markdown_and_whitespace() -> None:
    raw = "# Titolo\n\nLa **parteci-\npazione** dei   cittadini\tè *importante*.\n\n- punto uno\n- punto due\n"
    c = normalize(raw)
    assert c.text == "Titolo\n\nLa partecipazione dei cittadini è importante.\n\n- punto uno\n- punto due"
    assert c.heading_hints == {0: 1}
    _assert_exact_map(raw, c)


def test_bold_marker_between_words_becomes_space() -> None:
    c = normalize("Obiettivo n. 9**Progettazione operativa**\n")
    assert c.text == "Obiettivo n. 9 Progettazione operativa"


def test_page_edges_repeated_on_pages_are_dropped() -> None:
    words = ["uno", "due", "tre", "quattro"]
    pages_text = [f"Ambito di prova - documento\nContenuto della pagina {words[n - 1]}.\n{n}" for n in range(1, 5)]
    raw = "\n\n".join(pages_text)
    pages, pos = [], 0
    for n, t in enumerate(pages_text, 1):
        pages.append(Page(n, pos, pos + len(t)))
        pos += len(t) + 2
    c = normalize(raw, tuple(pages))
    assert "Ambito di prova" not in c.text
    assert c.text.count("Contenuto della pagina") == 4
    assert "\n4" not in c.text


def test_numbered_labels_are_not_mistaken_for_footers() -> None:
    raw = "\n\n".join(f"Obiettivo n. {n}\n\nTesto dell'obiettivo {n}." for n in range(1, 6))
    c = normalize(raw)
    assert all(f"Obiettivo n. {n}" in c.text for n in range(1, 6))


def test_raw_span_and_inverse() -> None:
    raw = "Una riga  con   spazi\nche continua qui.\n\nAltro paragrafo."
    c = normalize(raw)
    start = c.text.index("continua")
    a, b = c.raw_span(start, start + len("continua"))
    assert raw[a:b] == "continua"
    assert c.canonical_span(a, b) == (start, start + len("continua"))
    with pytest.raises(ValueError):
        c.raw_span(5, 5)


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.txt")), ids=lambda p: p.name[:3])
def test_corpus_documents_map_exactly(path) -> None:  # noqa: ANN001
    raw = path.read_text(encoding="utf-8")
    c = normalize(raw)
    _assert_exact_map(raw, c)
    assert "  " not in c.text and "\n\n\n" not in c.text
    assert "**" not in c.text


def test_empty_text() -> None:
    c = normalize("")
    assert c.text == "" and c.offsets == []


def test_inline_html_becomes_paragraphs_and_list_items() -> None:
    raw = (
        "Premessa del piano.\n"
        "<p>Il voucher si attiva alla dimissione.</p> <p>Lo richiede l'assistente <i>sociale</i>.</p>\t\t\t\n"
        'Azioni: <ul style="list-style-type: none"> - rete con i Comuni - formazione<br>comune degli operatori\n'
    )
    c = normalize(raw)
    assert c.text == (
        "Premessa del piano.\n\nIl voucher si attiva alla dimissione.\n\nLo richiede l'assistente sociale.\n\n"
        "Azioni:\n\n- rete con i Comuni\n- formazione comune degli operatori"
    )
    assert "<" not in c.text
    _assert_exact_map(raw, c)


def test_tables_keep_one_tab_per_cell_and_one_line_per_row() -> None:
    raw = (
        "Popolazione per comune.\n"
        "Comune\tabitanti\tore AS attuali\t\t\n"
        "Calvatone\t1254\t<p>16</p>\n"
        "Indice\t4\n"  # a row of the same table, though it looks like a TOC entry alone
        "Testo dopo\tla tabella.\n\n"
        "Un solo\ttab nella prosa.\n"
        '<table border="1"> <tr><th>Comune</th><th>abitanti</th></tr> <tr><td>Piadena</td><td>3.500</td></tr> </table>\n'
    )
    c = normalize(raw)
    lines = c.text.split("\n")
    assert "Comune\tabitanti\tore AS attuali" in lines and "Calvatone\t1254\t16" in lines
    assert "Un solo tab nella prosa." in lines  # a lone tab in prose is not a table
    assert "Comune\tabitanti\nPiadena\t3.500" in c.text
    assert c.text.startswith("Popolazione per comune.\n\nComune\t")
    _assert_exact_map(raw, c)


def test_table_of_contents_entry_is_not_a_table() -> None:
    c = normalize("1.1 IL QUADRO NORMATIVO\t7\n\nTesto.")
    assert c.text.startswith("1.1 IL QUADRO NORMATIVO 7")
