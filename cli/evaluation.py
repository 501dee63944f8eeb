"""``pdz eval …``: the harness on gold sets (retrieval, answers, objectives, alignment)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from cli.context import assistant, emit_json, fail, run
from cli.options import KOption, OutOption
from eval import harness

eval_app = typer.Typer(
    help="Valutazione su dataset gold (formato di qa_dev.jsonl).", no_args_is_help=True, rich_markup_mode=None
)
QaOption = Annotated[Path, typer.Option("--qa", help="File JSONL con domande e citazioni gold.")]
ReportOption = Annotated[Path | None, typer.Option("--output", help="Scrive il report JSON completo qui.")]


def _gold_file(path: Path) -> Path:
    if not path.is_file():
        fail(f"file gold inesistente: {path}")
    return path


def _write_report(report: dict[str, Any], output: Path | None, columns: list[str]) -> None:
    from eval import runner

    typer.echo(runner.format_table(report, columns))
    if output is not None:
        output.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
        typer.echo(f"Report JSON: {output}")
    else:
        emit_json(report["summary"])


@eval_app.command("retrieval")
def eval_retrieval(qa: QaOption, k: KOption = 10, output: ReportOption = None) -> None:
    """hit@k, quote recall@k, MRR, hit entro 5000 caratteri e latenza della ricerca."""
    a = assistant()
    report = run(lambda: harness.retrieval_report(a, _gold_file(qa), k=k))
    _write_report(report, output, harness.RETRIEVAL_COLUMNS)


@eval_app.command("answers")
def eval_answers(qa: QaOption, output: ReportOption = None) -> None:
    """Evidenza gold tra le citazioni, astensioni corrette e false astensioni."""
    a = assistant()
    report = run(lambda: harness.answers_report(a, _gold_file(qa)))
    _write_report(report, output, harness.ANSWER_COLUMNS)


@eval_app.command("alignment")
def eval_alignment(
    gold: Annotated[Path | None, typer.Option("--gold", help="Coppie gold (predefinito: eval/alignment_gold.json).")] = None,
) -> None:
    """Precisione e recall dei collegamenti tra obiettivi di piani diversi."""
    from eval import alignment as scoring

    path = _gold_file(gold or scoring.GOLD)
    emit_json(run(lambda: harness.alignment_report(assistant(), path)))


@eval_app.command("objectives")
def eval_objectives(
    gold: Annotated[Path, typer.Option("--gold", help="File JSON gold (formato objectives_sample.json).")],
    output: OutOption = None,
) -> None:
    """Recall/precisione degli obiettivi e di indicatori e target rispetto al gold."""
    from eval import objectives as scoring

    path = _gold_file(gold)
    report = run(lambda: harness.objectives_report(assistant(), path))
    typer.echo(scoring.format_table(report))
    if output is not None:
        output.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    emit_json(report["overall"])
