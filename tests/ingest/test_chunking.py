"""Chunking along the structure, with exact offsets into the canonical text."""

from __future__ import annotations

import pytest

from ingest.chunking import ChunkingConfig, chunk_document
from ingest.manifest import load_manifest
from ingest.normalize import normalize
from ingest.schemas import DocumentMeta
from ingest.structure import detect_structure
from tests.helpers import CORPUS

META = DocumentMeta("doc", "doc.txt", "Documento", "Crema", "2015-2017", "piano")
MANIFEST = load_manifest(CORPUS / "manifest.yaml")


def _chunks(text: str, **cfg: int):  # noqa: ANN202
    c = normalize(text)
    return c, chunk_document(c, detect_structure(c.text, c.heading_hints), META, "sha", config=ChunkingConfig(**cfg))


def test_chunks_do_not_cross_numbered_headings() -> None:
    text = "1.1 PRIMA SEZIONE\n\nTesto breve della prima.\n\n1.2 SECONDA SEZIONE\n\nTesto breve della seconda."
    c, chunks = _chunks(text)
    assert [ch.section for ch in chunks] == ["1.1 PRIMA SEZIONE", "1.2 SECONDA SEZIONE"]
    assert chunks[0].text == "1.1 PRIMA SEZIONE\n\nTesto breve della prima."


def test_small_parts_of_one_objective_are_grouped_but_objectives_are_not() -> None:
    text = (
        "Obiettivo n. 1\n\nAZIONI\n\n- fare uno\n\nTEMPI\n\nEntro il 2016.\n\n"
        "Obiettivo n. 2\n\nAZIONI\n\n- fare due\n\nTEMPI\n\nEntro il 2017."
    )
    _, chunks = _chunks(text)
    assert len(chunks) == 2
    assert chunks[0].section == "Obiettivo n. 1" and "Entro il 2016." in chunks[0].text
    assert "Obiettivo n. 2" not in chunks[0].text


def test_long_paragraph_split_at_sentences_within_limits() -> None:
    sentence = "Questa è una frase di prova abbastanza lunga per il test. "
    _, chunks = _chunks("1.1 SEZIONE\n\n" + sentence * 60, target_chars=300, max_chars=400)
    assert len(chunks) > 5
    assert all(ch.length <= 400 for ch in chunks)
    assert all(ch.text.endswith(".") for ch in chunks[1:])


def test_a_list_stays_with_the_sentence_that_introduces_it() -> None:
    lead = "Il Comitato ristretto è previsto dal nuovo accordo di programma e si riunisce ogni mese. " * 3
    items = ["- due rappresentanti dei Sindaci;", "- il Dirigente dei Servizi Sociali;", "- il Direttore dell'Azienda."]
    text = "1.1 SEZIONE\n\n" + lead + "\n\nIl Comitato è composto da:\n\n" + "\n\n".join(items) + "\n\nAltro paragrafo finale."
    target = text.index("composto da:") + len("composto da:")  # the target size ends right after the lead-in
    _, chunks = _chunks(text, target_chars=target, max_chars=target + 200)
    holding = [ch for ch in chunks if "composto da:" in ch.text]
    assert len(holding) == 1 and all(item in holding[0].text for item in items)  # past the target, within the maximum
    assert all(ch.length <= target + 200 for ch in chunks)
    assert not any(ch.text.rstrip().endswith(":") for ch in chunks)
    # with no room past the target, the list is cut from its lead-in
    _, tight = _chunks(text, target_chars=target, max_chars=target)
    assert any(ch.text.rstrip().endswith("composto da:") for ch in tight)


def test_a_heading_is_never_a_chunk_of_its_own() -> None:
    text = (
        "**NUOVE SFIDE PER**\n\n**UNA PRESA IN**\n\n**CARICO EFFICACE**\n\n"
        "Il lavoro di rete tra servizi e terzo settore è la condizione per una presa in carico efficace.\n\n"
        "**COMUNE DI BORGO**\n\n**AZIENDA SOCIALE**\n\nIl quadro della spesa sociale dei Comuni.\n\n"
        "OBIETTIVI\n\nIntegrazione tra Comuni e servizi."
    )
    _, chunks = _chunks(text, target_chars=150, max_chars=400)
    assert [ch.text.split("\n\n")[0] for ch in chunks] == ["NUOVE SFIDE PER", "COMUNE DI BORGO"]
    assert "presa in carico efficace." in chunks[0].text
    # the chunk takes the section of its text, and the sub-sections of that section join it
    assert chunks[1].section == "AZIENDA SOCIALE"
    assert chunks[1].text.endswith("Integrazione tra Comuni e servizi.")


def test_config_validation() -> None:
    with pytest.raises(ValueError):
        ChunkingConfig(target_chars=500, max_chars=400)


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.txt")), ids=lambda p: p.name[:3])
def test_every_corpus_chunk_is_an_exact_slice(path) -> None:  # noqa: ANN001
    raw = path.read_text(encoding="utf-8")
    c = normalize(raw)
    sections = detect_structure(c.text, c.heading_hints)
    chunks = chunk_document(c, sections, MANIFEST[path.name], "sha")
    assert chunks
    headings = [(s.start, s.heading_end) for s in sections if s.heading_end > s.start]
    max_chars = ChunkingConfig().max_chars
    for ch, following in zip(chunks, [*chunks[1:], None], strict=True):
        assert ch.text == c.text[ch.char_start : ch.char_end]
        body = [i for i in range(ch.char_start, ch.char_end) if not c.text[i].isspace()]
        if not any(not any(a <= i < b for a, b in headings) for i in body):
            # a heading stands alone only when the text it introduces leaves no room for it
            assert following is not None and following.char_end - ch.char_start > max_chars, f"only headings: {ch.text!r}"
        a, b = c.raw_span(ch.char_start, ch.char_end)
        # every character comes from the raw span, in order (separators stand for raw whitespace or markup)
        origins = c.offsets[ch.char_start : ch.char_end]
        assert a == origins[0] and b == origins[-1] + 1 and origins == sorted(origins)
        for ch_, o in zip(ch.text, origins, strict=True):
            assert ch_ == raw[o] or (ch_ in " \n\t" and (raw[o].isspace() or raw[o] in "*#_-<"))
        assert "<p>" not in ch.text and "<ul" not in ch.text and "</td>" not in ch.text
    assert len({ch.chunk_id for ch in chunks}) == len(chunks)
    assert [ch.ordinal for ch in chunks] == list(range(len(chunks)))
    assert all(ch.length <= ChunkingConfig().max_chars for ch in chunks)


def test_units_are_typed_with_exact_spans_and_rendered_rows() -> None:
    from ingest.units import units_of

    text = (
        "2.1 SERVIZI DOMICILIARI\n\n"
        "Il servizio è attivo in tutti i Comuni.\n\n"
        "Comune\tabitanti\tore AS attuali\n"
        "Calvatone\t1254\t16\n"
        "Piadena\t3500\t\t\n\n"
        '<ul style="list-style-type: none"> - rete con i Comuni - formazione comune\n'
    )
    c, chunks = _chunks(text)
    assert len(chunks) == 1
    units = units_of(chunks[0])
    assert [u.kind for u in units] == ["heading", "paragraph", "table_row", "table_row", "table_row", "list_item", "list_item"]
    for u in units:
        assert u.text == c.text[u.start : u.end]
        assert u.path == ("2.1 SERVIZI DOMICILIARI",)
    assert units[0].text == "2.1 SERVIZI DOMICILIARI"
    assert units[3].rendered == "Comune: Calvatone · abitanti: 1254 · ore AS attuali: 16"
    assert units[4].rendered == "Comune: Piadena · abitanti: 3500"
    assert [u.text for u in units[5:]] == ["- rete con i Comuni", "- formazione comune"]


def test_table_header_carries_into_the_next_chunk() -> None:
    from ingest.units import document_units

    rows = "".join(f"Comune {n}\t{1000 + n}\t{n}\n" for n in range(60))
    c, chunks = _chunks("1.1 TABELLA\n\nComune\tabitanti\tore\n" + rows, target_chars=300, max_chars=400)
    assert len(chunks) > 2
    units = document_units(chunks)
    header_chunk = next(i for i, us in enumerate(units) if any(u.text == "Comune\tabitanti\tore" for u in us))
    first_row = units[header_chunk + 1][0]  # the next chunk starts inside the table
    assert first_row.kind == "table_row" and first_row.header == ("Comune", "abitanti", "ore")
    assert first_row.rendered.startswith("Comune: Comune ") and " · abitanti: " in first_row.rendered
    assert all(u.text == c.text[u.start : u.end] for us in units for u in us)


def test_corpus_units_are_exact_and_headings_are_not_body() -> None:
    from ingest.units import document_units

    path = CORPUS / "002_6f8e82cecc449fcd.txt"
    c = normalize(path.read_text(encoding="utf-8"))
    chunks = chunk_document(c, detect_structure(c.text, c.heading_hints), MANIFEST[path.name], "sha")
    units = [u for us in document_units(chunks) for u in us]
    assert all(u.text == c.text[u.start : u.end] and "<" not in u.rendered for u in units)
    headings = {u.text for u in units if u.kind == "heading"}
    assert "Obiettivo n. 2" in headings
    assert not any(u.kind != "heading" and u.text == "Obiettivo n. 2" for u in units)
    assert sum(u.kind == "table_row" for u in units) > 20
