"""A chat answer from the objective records cites each record whole, even when the record runs over
two chunks: its indicators and times, at the end of the record, are inside the citation."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from assistant.service import Assistant
from assistant.settings import Settings
from tests.assistant.test_answer_shapes import MONTE  # the plans' table layout: an objective with its columns

MANIFEST = """documents:
  - doc_id: monte
    source: monte.txt
    title: "Piano Montepiano"
    ambito: Montepiano
    period: 2015-2017
    kind: piano
"""


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, embedder) -> Iterator[Assistant]:  # noqa: ANN001
    root = tmp_path_factory.mktemp("records")
    plans = root / "piani"
    plans.mkdir()
    (plans / "manifest.yaml").write_text(MANIFEST, encoding="utf-8")
    (plans / "monte.txt").write_text(MONTE, encoding="utf-8")
    # small chunks: the record spreads over several of them
    settings = Settings(data_dir=root / "data", corpus_dir=plans, chunk_target_chars=150, chunk_max_chars=250)
    assistant = Assistant(settings=settings, embedder=embedder)
    report = assistant.ingest([plans])
    assert not report.failed, [o.error for o in report.failed]
    yield assistant


def test_a_record_over_several_chunks_is_cited_whole(app: Assistant) -> None:
    answer = app.ask("Quali obiettivi ha il piano di Montepiano sulla casa?")
    assert "obiettivi della sezione" in answer.answer.splitlines()[0]
    cited = answer.citations[0]
    assert cited.text.startswith("Obiettivo 1 Favorire l'accesso alla casa")
    assert "N° famiglie accolte" in cited.text and cited.text.endswith("Nel corso del triennio")
    assert len(cited.text) > 250  # longer than any one chunk
    text = app.document("monte").text
    assert text[cited.start : cited.end] == cited.text  # still an exact span of the document
