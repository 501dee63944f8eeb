"""Chunking along the structure, with exact offsets into the canonical text."""

from __future__ import annotations

import pytest

from ingest.chunking import ChunkingConfig, chunk_document
from ingest.manifest import load_manifest
from ingest.normalize import normalize
from ingest.schemas import DocumentMeta
from ingest.structure import detect_structure
from tests.conftest import CORPUS

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


def test_config_validation() -> None:
    with pytest.raises(ValueError):
        ChunkingConfig(target_chars=500, max_chars=400)


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.txt")), ids=lambda p: p.name[:3])
def test_every_corpus_chunk_is_an_exact_slice(path) -> None:  # noqa: ANN001
    raw = path.read_text(encoding="utf-8")
    c = normalize(raw)
    chunks = chunk_document(c, detect_structure(c.text, c.heading_hints), MANIFEST[path.name], "sha")
    assert chunks
    for ch in chunks:
        assert ch.text == c.text[ch.char_start : ch.char_end]
        a, b = c.raw_span(ch.char_start, ch.char_end)
        # every character comes from the raw span, in order (separators stand for raw whitespace)
        origins = c.offsets[ch.char_start : ch.char_end]
        assert a == origins[0] and b == origins[-1] + 1 and origins == sorted(origins)
        for ch_, o in zip(ch.text, origins, strict=True):
            assert ch_ == raw[o] or (ch_ in " \n" and (raw[o].isspace() or raw[o] in "*#_-"))
    assert len({ch.chunk_id for ch in chunks}) == len(chunks)
    assert [ch.ordinal for ch in chunks] == list(range(len(chunks)))
    assert all(ch.length <= ChunkingConfig().max_chars for ch in chunks)
