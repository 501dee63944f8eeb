"""Derived data per document version: the canonical text is parsed once per version, not per process."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.service import Assistant
from assistant.version_cache import VersionCache
from ingest import document


def test_canonical_text_is_kept_per_version(mini_app: Assistant, settings, embedder,  # noqa: ANN001
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    version = mini_app.indexed("alfa").version
    text = mini_app.document("alfa").text
    assert VersionCache(settings.cache_dir).read_text(version, "canonical.txt") == text  # written at ingestion

    parsed: list[str] = []
    real = document.ParsedDocument.from_raw

    def counting(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        parsed.append(args[1].doc_id)
        return real(*args, **kwargs)

    monkeypatch.setattr(document.ParsedDocument, "from_raw", counting)
    fresh = Assistant(settings=settings, embedder=embedder)  # as another process would
    results = fresh.search("voucher dimissioni protette", k=3)
    assert results and parsed == []  # passages assembled from the cached canonical text
    assert fresh._canonical_text("alfa", "una-versione-mai-esistita") is None


def test_versions_no_longer_live_are_forgotten(tmp_path: Path) -> None:
    cache = VersionCache(tmp_path)
    cache.write_text("v1", "canonical.txt", "uno")
    cache.save("v2", "lexical.pkl", {"a": 1})
    assert cache.versions() == {"v1", "v2"} and cache.load("v2", "lexical.pkl") == {"a": 1}
    cache.forget_except({"v2"})
    assert cache.versions() == {"v2"} and cache.read_text("v1", "canonical.txt") is None
    (tmp_path / "versions" / "v2" / "lexical.pkl").write_bytes(b"not a pickle")
    assert cache.load("v2", "lexical.pkl") is None  # a damaged file only costs a recomputation
