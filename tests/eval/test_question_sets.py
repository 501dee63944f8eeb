"""The question sets in ``eval/`` are well formed and every gold quote is in its document."""

from __future__ import annotations

from pathlib import Path

import pytest

from eval.datasets import load_questions
from eval.metrics import supports
from tests.helpers import CORPUS, REPO

SETS = sorted((REPO / "eval").glob("qa_*.jsonl"))


@pytest.mark.parametrize("path", SETS, ids=[p.stem for p in SETS])
def test_every_gold_quote_is_in_its_document(path: Path) -> None:
    questions = load_questions(path)
    assert questions and len({q.id for q in questions}) == len(questions)
    texts = {p.name: p.read_text(encoding="utf-8") for p in CORPUS.glob("*.txt")}
    for q in questions:
        assert q.question.strip()
        if not q.answerable:
            continue
        assert q.evidence, q.id
        for e in q.evidence:
            assert supports(texts[e.doc], e.quote), (q.id, e.quote[:80])


def test_the_sets_do_not_share_ids() -> None:
    ids = [q.id for path in SETS for q in load_questions(path)]
    assert len(ids) == len(set(ids))


def test_the_held_out_objective_gold_is_anchored_in_its_document() -> None:
    from eval.objectives import covered_chapters, load_gold

    (doc,) = load_gold(REPO / "eval" / "objectives_cremona_holdout.json")
    text = (CORPUS / doc["doc"]).read_text(encoding="utf-8")
    records = doc["objectives"]
    assert len({r["id"] for r in records}) == len(records) > 100
    for r in records:
        assert r["anchor_quote"] in text, r["id"]
        assert r["heading_path"] and r["scope"] in ("plan", "regional"), r["id"]
    # it covers only the chapters the dev gold leaves out
    dev = {"1", "2", "4.3", "5"}
    assert set(covered_chapters(doc)) & dev == set()
