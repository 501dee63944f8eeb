"""Document identity: two documents never share a row, whatever their bytes; a byte-identical
copy of an indexed document under another name is refused, naming the original."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from assistant.retrieval import SearchFilters
from assistant.service import Assistant
from ingest.errors import DuplicateDocument, NotFound
from ingest.records import meta_to_record, record_to_doc

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "mini"


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    folder = tmp_path / "mini"
    shutil.copytree(FIXTURES, folder)
    return folder


@pytest.fixture
def app(settings, embedder) -> Assistant:  # noqa: ANN001
    return Assistant(settings=settings, embedder=embedder)


def _copy_of_alfa(mini: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "upload" / "alfa-copia.md"
    copy.parent.mkdir()
    copy.write_bytes((mini / "piano_alfa.md").read_bytes())
    return copy


def test_duplicate_under_another_name_is_refused_and_the_original_untouched(
    app: Assistant, mini: Path, tmp_path: Path
) -> None:
    app.ingest([mini])
    before = {c.chunk_id for c in app.store.chunks("alfa")}
    registry_before = app.indexed("alfa")

    (outcome,) = app.ingest([_copy_of_alfa(mini, tmp_path)]).outcomes

    assert (outcome.status, type(outcome.error)) == ("errore", DuplicateDocument)
    assert outcome.error is not None and outcome.error.code == "documento_duplicato"
    assert outcome.error.message == "alfa-copia.md: contenuto identico al documento «alfa» già indicizzato"
    assert [d.meta.doc_id for d in app.documents()] == ["alfa", "beta"]
    assert app.indexed("alfa") == registry_before
    assert {c.chunk_id for c in app.store.chunks("alfa")} == before
    results = app.search("voucher domiciliarità", k=5, filters=SearchFilters(doc_id="alfa"))
    assert results and {r.chunk.doc_id for r in results} == {"alfa"}
    # nothing of the refused copy reached the store
    assert app.store.collect_garbage() == 0
    with pytest.raises(NotFound):
        app.remove("alfa-copia")
    # deleting another document leaves the original whole
    app.remove("beta")
    assert len(app.store.chunks("alfa")) == app.indexed("alfa").chunks == len(before)


def test_cli_ingest_of_a_duplicate_exits_1_naming_the_original(pdz, mini: Path, tmp_path: Path) -> None:  # noqa: ANN001
    assert pdz("ingest", str(mini))[0] == 0
    code, out, err = pdz("ingest", str(_copy_of_alfa(mini, tmp_path)))
    assert code == 1
    assert "Errore: alfa-copia.md: contenuto identico al documento «alfa» già indicizzato" in err
    assert "Traceback" not in out + err


def test_same_content_same_id_is_unchanged_and_records_its_sha256(app: Assistant, mini: Path) -> None:
    app.ingest([mini])
    again = app.ingest([mini])
    assert [o.status for o in again.outcomes] == ["invariato", "invariato"]
    assert app.indexed("alfa").sha256 == hashlib.sha256((mini / "piano_alfa.md").read_bytes()).hexdigest()


def test_registry_records_written_before_sha256_still_load(app: Assistant, mini: Path) -> None:
    app.ingest([mini])
    record = meta_to_record(app.indexed("alfa"))
    del record["sha256"]
    old = record_to_doc(record)
    assert (old.meta.doc_id, old.sha256, old.chunks) == ("alfa", "", app.indexed("alfa").chunks)


def test_identical_bytes_under_two_ids_never_share_versions_or_rows(app: Assistant, mini: Path, tmp_path: Path) -> None:
    """Even written straight to the store (no duplicate policy), two documents stay apart."""
    pipeline = app._pipeline()
    first = pipeline.parse(mini / "piano_alfa.md")
    second = pipeline.parse(_copy_of_alfa(mini, tmp_path))
    assert first.sha256 == second.sha256
    assert first.document.version != second.document.version
    assert not {c.chunk_id for c in first.chunks} & {c.chunk_id for c in second.chunks}
    for prepared in (first, second):
        doc = prepared.document
        app.store.replace_document(doc.meta, doc.version, doc.raw, prepared.chunks, sha256=prepared.sha256)

    assert len(app.store.chunks("alfa")) == app.indexed("alfa").chunks == len(first.chunks)
    assert app.store.remove("alfa-copia")
    assert len(app.store.chunks("alfa")) == app.indexed("alfa").chunks == len(first.chunks)
    assert app.store.collect_garbage() == 0
