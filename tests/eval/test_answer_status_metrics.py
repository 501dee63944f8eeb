"""Answer evaluation: status rates, unanswerable rows, HTML and length (pure, with scripted outcomes)."""

from __future__ import annotations

import json
from pathlib import Path

from eval import runner
from eval.datasets import load_questions
from eval.metrics import Passage, has_html

ROWS = [
    {"id": "a1", "kind": "fact", "question": "q1", "evidence": [{"doc": "d.txt", "quote": "il voucher si attiva"}]},
    {"id": "a2", "kind": "fact", "question": "q2", "evidence": [{"doc": "d.txt", "quote": "venti comuni"}]},
    {"id": "u1", "kind": "unanswerable", "question": "q3", "evidence": []},
    {"id": "u2", "kind": "number", "question": "q4", "answerable": False, "evidence": [{"doc": "d.txt", "quote": "x"}]},
]
OUTCOMES = {
    "q1": runner.AnswerOutcome(False, [Passage("d.txt", "Il voucher si attiva presso il Comune.")], "answered", "Secondo «P»: il voucher si attiva. [1]"),
    "q2": runner.AnswerOutcome(True, [], "not_found", "Non ho trovato la risposta."),
    "q3": runner.AnswerOutcome(False, [Passage("d.txt", "vicino")], "partial", "I documenti non riportano il dato. <p>x</p>"),
    "q4": runner.AnswerOutcome(False, [Passage("d.txt", "x")], "answered", "Secondo «P»: 12 posti. [1]"),
}


def test_status_metrics_per_kind_and_overall(tmp_path: Path) -> None:
    path = tmp_path / "qa.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in ROWS), encoding="utf-8")
    questions = load_questions(path)
    assert [q.answerable for q in questions] == [True, True, False, False]
    report = runner.evaluate_answers(questions, lambda q: OUTCOMES[q])
    overall = report["summary"]["overall"]
    assert overall["n"] == 4
    assert overall["evidence_any"] == 0.5 and overall["evidence_all"] == 0.5
    assert overall["false_not_found"] == 0.5 and overall["false_abstention"] == 0.5
    assert overall["partial_on_answerable"] == 0.0
    assert overall["declined_or_partial"] == 0.5 and overall["answered_unanswerable"] == 0.5
    assert overall["abstained"] == 0.0
    assert overall["html_answers"] == 1
    lengths = sorted(len(o.text) for o in OUTCOMES.values())
    assert overall["median_answer_chars"] == round((lengths[1] + lengths[2]) / 2, 1)
    assert report["summary"]["unanswerable"]["declined_or_partial"] == 1.0
    assert report["summary"]["number"]["declined_or_partial"] == 0.0  # "answerable": false, answered
    assert {i["id"]: i["status"] for i in report["items"]} == {"a1": "answered", "a2": "not_found", "u1": "partial", "u2": "answered"}


def test_status_defaults_from_abstained() -> None:
    assert runner.AnswerOutcome(True, []).final_status == "not_found"
    assert runner.AnswerOutcome(False, []).final_status == "answered"


def test_has_html() -> None:
    assert has_html('<ul style="list-style-type: none"> voce')
    assert has_html("testo</p>") and has_html("a<br/>b")
    assert not has_html("spesa < 7.500 € e > 10.000 €") and not has_html("Obiettivo 1 -> 2")
