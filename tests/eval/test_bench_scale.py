"""The scale benchmark's synthetic corpus and stand-in embedder (eval/scale_corpus.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from eval.scale_corpus import HashingEmbedder, ambito_names, build_corpus, corpus_blocks
from ingest.index import ChromaStore
from ingest.manifest import load_manifest
from ingest.pipeline import IngestionPipeline

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
FACTOR = 0.3  # about 175,000 characters: a few synthetic plans


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict]:
    a, b = tmp_path_factory.mktemp("a"), tmp_path_factory.mktemp("b")
    summary = build_corpus(a / "c", FACTOR, corpus=CORPUS, seed=7)
    build_corpus(b / "c", FACTOR, corpus=CORPUS, seed=7)
    return a / "c", b / "c", summary


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_same_seed_gives_the_same_corpus_byte_for_byte(built: tuple[Path, Path, dict]) -> None:
    a, b, _ = built
    assert _files(a) == _files(b)


def test_another_seed_gives_another_corpus(built: tuple[Path, Path, dict], tmp_path: Path) -> None:
    a, _, _ = built
    build_corpus(tmp_path / "c", FACTOR, corpus=CORPUS, seed=8)
    assert _files(tmp_path / "c") != _files(a)


def test_manifest_is_valid_and_lists_exactly_the_files(built: tuple[Path, Path, dict]) -> None:
    a, _, summary = built
    entries = load_manifest(a / "manifest.yaml")  # raises ConfigError when invalid
    texts = {p.name for p in a.glob("*.txt")}
    assert set(entries) == texts
    assert len(entries) == summary["documents"] >= 2
    real = {m.ambito for m in load_manifest(CORPUS / "manifest.yaml").values()}
    for name, meta in entries.items():
        assert meta.kind == "piano" and not meta.detected
        assert meta.ambito and meta.ambito not in real
        assert meta.period and meta.period in meta.title and meta.ambito in meta.title
        text = (a / name).read_text(encoding="utf-8")
        assert text.startswith(meta.title)
        # the real ambiti's names were replaced by the fictional one
        assert "Cremona" not in text and "Casalasco" not in text


def test_corpus_size_follows_the_factor(built: tuple[Path, Path, dict]) -> None:
    _, _, summary = built
    _, base_chars, _ = corpus_blocks(CORPUS)
    assert summary["base_chars"] == base_chars
    assert FACTOR * base_chars <= summary["chars"] <= FACTOR * base_chars + 160_000


def test_the_pipeline_reads_the_manifest_entry(built: tuple[Path, Path, dict], tmp_path: Path) -> None:
    a, _, _ = built
    entries = load_manifest(a / "manifest.yaml")
    name = sorted(entries)[0]
    pipeline = IngestionPipeline(store=ChromaStore(embedder=HashingEmbedder(), path=tmp_path / "chroma"))
    prepared = pipeline.parse(a / name)  # parsing does not open the store
    assert prepared.document.meta == entries[name]
    assert len(prepared.chunks) >= 5
    assert all(c.ambito == entries[name].ambito for c in prepared.chunks)


def test_ambito_names_are_distinct_even_past_the_list() -> None:
    names = ambito_names(450)
    assert len(set(names)) == 450
    assert names[0] == "Valdoria"


def test_hashing_embedder_is_deterministic_normalised_and_graded() -> None:
    e = HashingEmbedder()
    a = "servizi domiciliari per anziani fragili"
    va, vb = e.embed_documents([a, a])
    assert va == vb == HashingEmbedder().embed_query(a)
    assert len(va) == 384
    assert np.linalg.norm(va) == pytest.approx(1.0)
    near = np.dot(va, e.embed_query("servizi domiciliari anziani"))
    far = np.dot(va, e.embed_query("bilancio del fondo nazionale politiche sociali 2019"))
    assert near > 0.5 > far
    empty = e.embed_query("")
    assert np.linalg.norm(empty) == pytest.approx(1.0)
