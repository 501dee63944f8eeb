"""Scoring functions of the evaluation harness."""

from __future__ import annotations

from eval import metrics, runner
from eval.datasets import Evidence, GoldQuestion
from eval.metrics import Passage, QuoteRef


def test_supports_tolerates_format_noise_but_not_other_text() -> None:
    passage = "Il **Banco alimentare** distribuisce ogni mese pacchi di viveri a circa duecento nuclei."
    assert metrics.supports(passage, "Banco alimentare distribuisce ogni   mese pacchi")
    assert metrics.supports(passage, "banco alimentare distribuisce ogni mese pachi di viveri")  # one typo
    assert not metrics.supports(passage, "Il fondo regionale finanzia le case di riposo")
    assert not metrics.supports("Banco", "Banco alimentare distribuisce ogni mese pacchi di viveri")  # too short
    assert metrics.normalize("parteci-\npazione  “attiva”") == 'partecipazione "attiva"'


def test_ranks_hits_recall_mrr_budget() -> None:
    passages = [Passage("a.txt", "niente di utile qui"), Passage("a.txt", "il voucher si attiva presso il comune"),
                Passage("b.txt", "il microcredito aiuta le famiglie")]
    quotes = [QuoteRef("a.txt", "il voucher si attiva presso il comune"), QuoteRef("b.txt", "il microcredito aiuta le famiglie"),
              QuoteRef("a.txt", "il microcredito aiuta le famiglie")]
    ranks = metrics.first_support_ranks(passages, quotes)
    assert ranks == [2, 3, None]  # a quote must come from its own document
    assert not metrics.hit_at(ranks, 10) and metrics.hit_at(ranks[:2], 3) and not metrics.hit_at(ranks[:2], 2)
    assert metrics.recall_at(ranks, 2) == 1 / 3
    assert metrics.reciprocal_rank(ranks) == 0.5
    cut = metrics.within_budget(passages, 25)
    assert [len(p.text) for p in cut] == [19, 6]


def test_runner_aggregates_per_kind() -> None:
    qs = [
        GoldQuestion("1", "q uno", "fact", (Evidence("a.txt", "risposta uno completa"),)),
        GoldQuestion("2", "q due", "list", (Evidence("a.txt", "risposta due completa"),)),
        GoldQuestion("3", "q tre", "unanswerable", ()),
    ]
    corpus = {"q uno": [Passage("a.txt", "risposta uno completa")], "q due": [Passage("a.txt", "altro"), Passage("a.txt", "x")]}
    report = runner.evaluate_retrieval(qs, lambda q: corpus[q])
    s = report["summary"]
    assert s["overall"]["n"] == 2 and s["fact"]["hit@1"] == 1.0 and s["list"]["hit@10"] == 0.0
    assert s["overall"]["mrr"] == 0.5
    table = runner.format_table(report, ["hit@1", "mrr"])
    assert table.splitlines()[0].split() == ["kind", "n", "hit@1", "mrr"]
    answers = runner.evaluate_answers(qs, lambda q: runner.AnswerOutcome(q == "q tre", corpus.get(q, [])))
    assert answers["summary"]["unanswerable"]["abstained"] == 1.0
    assert answers["summary"]["overall"]["false_abstention"] == 0.0
    assert answers["summary"]["fact"]["evidence_all"] == 1.0 and answers["summary"]["list"]["evidence_any"] == 0.0
