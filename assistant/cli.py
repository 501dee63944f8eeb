"""The ``pdz`` command: thin adapters over :class:`assistant.service.Assistant`.

Exit codes: 0 success, 1 domain/runtime failure (``Errore: ...`` on stderr),
2 usage error.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from pydantic import ValidationError

from assistant.settings import Settings
from ingest.errors import PdzError

app = typer.Typer(
    name="pdz",
    help="pdz-assistant: risposte citate e obiettivi strutturati dai Piani di Zona.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

_state: dict[str, Any] = {"debug": False, "assistant": None}
T = TypeVar("T")


@app.callback()
def main(debug: Annotated[bool, typer.Option("--debug", help="Mostra il traceback degli errori.")] = False) -> None:
    _state["debug"] = debug
    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING)


def fail(message: str, code: int = 1) -> None:
    typer.echo(f"Errore: {message}", err=True)
    raise typer.Exit(code)


@contextmanager
def handled() -> Iterator[None]:
    """Turn project errors into ``Errore: ...`` and exit code 1."""
    try:
        yield
    except PdzError as exc:
        if _state["debug"]:
            raise
        fail(exc.message)


def settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        fail(f"configurazione non valida: {exc.errors()[0]['loc'][0]}: {exc.errors()[0]['msg']}")
        raise  # unreachable


def assistant() -> Any:
    if _state["assistant"] is None:
        from assistant.service import build_assistant

        with handled():
            _state["assistant"] = build_assistant(settings())
    return _state["assistant"]


def emit_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=None))


def run(fn: Callable[[], T]) -> T:
    with handled():
        return fn()
    raise AssertionError("unreachable")


# -- ingestion ---------------------------------------------------------------
@app.command()
def ingest(
    paths: Annotated[list[Path] | None, typer.Argument(help="File o cartelle (predefinito: corpus/).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Reindicizza anche i documenti invariati.")] = False,
) -> None:
    """Indicizza documenti PDF, DOCX, TXT/MD (idempotente)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    a = assistant()
    targets = paths or [a.settings.corpus_dir]
    missing = [p for p in targets if not p.exists()]
    if missing:
        fail(f"percorso inesistente: {', '.join(str(p) for p in missing)}")
    from ingest.pipeline import collect_files

    files = collect_files(targets)
    if not files:
        fail(f"nessun documento da indicizzare in {', '.join(str(p) for p in targets)}")
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=_stderr_console(),
        transient=False,
    ) as progress:
        overall = progress.add_task("Documenti", total=len(files))
        chunks_task = progress.add_task("Passaggi", total=None, visible=False)

        def on_file(path: Path, status: str) -> None:
            if status == "inizio":
                progress.update(chunks_task, description=f"  {path.name}", completed=0, total=None, visible=True)
            else:
                progress.advance(overall)
                progress.update(chunks_task, visible=False)

        def on_chunks(done: int, total: int) -> None:
            progress.update(chunks_task, completed=done, total=total)

        report = run(lambda: a.ingest(files, on_file=on_file, on_chunks=on_chunks, force=force))
    for outcome in report.outcomes:
        if outcome.error is not None:
            typer.echo(f"Errore: {outcome.error.message}", err=True)
    typer.echo(
        f"Documenti: {len(report.outcomes)} (indicizzati {len(report.indexed)}, "
        f"invariati {len(report.outcomes) - len(report.indexed) - len(report.failed)}, "
        f"con errori {len(report.failed)}) · passaggi: {report.chunks} · {report.seconds:.1f} s"
    )
    if report.failed:
        raise typer.Exit(1)


def _stderr_console() -> Any:
    from rich.console import Console

    return Console(stderr=True)


@app.command()
def documents(as_json: Annotated[bool, typer.Option("--json", help="Output JSON.")] = False) -> None:
    """Elenca i documenti indicizzati con i loro metadati."""
    docs = run(lambda: assistant().documents())
    rows = [
        {
            "doc_id": d.meta.doc_id,
            "source": d.meta.source,
            "title": d.meta.title,
            "ambito": d.meta.ambito,
            "period": d.meta.period,
            "kind": d.meta.kind,
            "date": d.meta.date,
            "detected": d.meta.detected,
            "chunks": d.chunks,
            "version": d.version,
        }
        for d in docs
    ]
    if as_json:
        emit_json(rows)
        return
    if not rows:
        typer.echo("Nessun documento indicizzato. Usa «pdz ingest».")
        return
    for r in rows:
        typer.echo(f"{r['doc_id']:<40} {r['ambito'] or '-':<10} {r['period'] or '-':<10} {r['kind']:<14} {r['chunks']:>4}  {r['title']}")


@app.command()
def remove(doc_id: Annotated[str, typer.Argument(help="Identificativo del documento.")]) -> None:
    """Rimuove un documento dall'indice (e i dati derivati)."""
    run(lambda: assistant().remove(doc_id))
    typer.echo(f"Documento «{doc_id}» rimosso.")


# -- search and answers --------------------------------------------------------
KOption = Annotated[int, typer.Option("--k", min=1, max=100, help="Numero di passaggi.")]
AmbitoOption = Annotated[str | None, typer.Option("--ambito", help="Filtra per ambito (es. Crema).")]
PeriodOption = Annotated[str | None, typer.Option("--period", help="Filtra per periodo (es. 2015-2017).")]
KindOption = Annotated[str | None, typer.Option("--kind", help="Filtra per tipo (piano, presentazione...).")]
DocOption = Annotated[str | None, typer.Option("--doc", help="Filtra per doc_id.")]
BatchOption = Annotated[Path | None, typer.Option("--batch", help="File JSONL con righe {id, question}.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Output JSON.")]


def _filters(ambito: str | None, period: str | None, kind: str | None, doc: str | None) -> Any:
    from assistant.retrieval import SearchFilters

    return SearchFilters(ambito=ambito, period=period, kind=kind, doc_id=doc)


def _read_batch(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        fail(f"file batch inesistente: {path}")
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            fail(f"{path.name}: riga {n} non è JSON valido ({exc.msg})")
        if not isinstance(obj, dict) or not isinstance(obj.get("question"), str) or not obj["question"].strip():
            fail(f"{path.name}: riga {n} senza campo «question»")
        rows.append(obj)
    return rows


def _one_or_batch(question: str | None, batch: Path | None, handle: Callable[[str], dict[str, Any]]) -> bool:
    """Validate "a question or --batch"; run the batch (one JSON line per row) and say if it did."""
    if (question is None) == (batch is None):
        fail("indicare una domanda oppure --batch FILE.jsonl", code=2)
    if batch is None:
        return False
    for row in _read_batch(batch):
        text: str = row["question"]
        emit_json({"id": row.get("id"), **run(lambda: handle(text))})  # noqa: B023 - called at once
    return True


@app.command()
def search(
    query: Annotated[str | None, typer.Argument(help="La domanda o le parole da cercare.")] = None,
    k: KOption = 10,
    ambito: AmbitoOption = None,
    period: PeriodOption = None,
    kind: KindOption = None,
    doc: DocOption = None,
    batch: BatchOption = None,
    as_json: JsonOption = False,
) -> None:
    """Cerca i passaggi più pertinenti (ricerca ibrida lessicale + semantica)."""
    a = assistant()
    flt = _filters(ambito, period, kind, doc)
    if _one_or_batch(query, batch, lambda q: {"results": [r.to_dict() for r in a.search(q, k=k, filters=flt)]}):
        return
    assert query is not None
    results = run(lambda: a.search(query, k=k, filters=flt))
    if as_json:
        emit_json({"query": query, "results": [r.to_dict() for r in results]})
        return
    if not results:
        typer.echo("Nessun passaggio trovato.")
    for r in results:
        c = r.chunk
        where = f"{c.title} · {c.section or '-'}" + (f" · p. {c.page}" if c.page else "")
        typer.echo(f"[{r.rank}] {r.score:.4f}  {where}")
        typer.echo("    " + " ".join(c.text.split())[:300])


@app.command()
def ask(
    question: Annotated[str | None, typer.Argument(help="La domanda, in italiano.")] = None,
    ambito: AmbitoOption = None,
    period: PeriodOption = None,
    kind: KindOption = None,
    doc: DocOption = None,
    batch: BatchOption = None,
    as_json: JsonOption = False,
) -> None:
    """Risponde in italiano citando i passaggi dei documenti."""
    a = assistant()
    flt = _filters(ambito, period, kind, doc)
    if _one_or_batch(question, batch, lambda q: a.ask(q, filters=flt).to_dict()):
        return
    assert question is not None
    answer = run(lambda: a.ask(question, filters=flt))
    if as_json:
        emit_json(answer.to_dict())
        return
    typer.echo(answer.answer)
    for c in answer.citations:
        ch = c.chunk
        typer.echo(
            f"[{c.n}] {ch.title} — {ch.section or '-'}" + (f", p. {ch.page}" if ch.page else "")
            + f" (caratteri {c.start}-{c.end})"
        )
    for sentence in answer.unsupported:
        typer.echo(f"Attenzione: frase non verificata nelle fonti: {sentence}", err=True)


# -- evaluation ------------------------------------------------------------------
eval_app = typer.Typer(
    help="Valutazione su dataset gold (formato di qa_dev.jsonl).", no_args_is_help=True, rich_markup_mode=None
)
app.add_typer(eval_app, name="eval")
QaOption = Annotated[Path, typer.Option("--qa", help="File JSONL con domande e citazioni gold.")]
OutOption = Annotated[Path | None, typer.Option("--output", help="Scrive il report JSON completo qui.")]


def _write_report(report: dict[str, Any], output: Path | None, columns: list[str]) -> None:
    from eval import runner

    typer.echo(runner.format_table(report, columns))
    payload = json.dumps(report, ensure_ascii=False, indent=2)
    if output is not None:
        output.write_text(payload, encoding="utf-8")
        typer.echo(f"Report JSON: {output}")
    else:
        emit_json(report["summary"])


@eval_app.command("retrieval")
def eval_retrieval(qa: QaOption, k: KOption = 10, output: OutOption = None) -> None:
    """hit@k, quote recall@k, MRR, hit entro 5000 caratteri e latenza della ricerca."""
    from eval import runner
    from eval.datasets import load_questions
    from eval.metrics import Passage

    questions = run(lambda: load_questions(qa))
    a = assistant()
    run(lambda: a.retriever().warm_up())

    def search_fn(q: str) -> list[Passage]:
        return [Passage(r.chunk.source, r.chunk.text) for r in a.search(q, k=k)]

    report = run(lambda: runner.evaluate_retrieval(questions, search_fn))
    _write_report(report, output, ["hit@1", "hit@3", "hit@5", "hit@10", "recall@5", "mrr", "hit@5000chars", "latency_p50_ms"])


@eval_app.command("answers")
def eval_answers(qa: QaOption, output: OutOption = None) -> None:
    """Evidenza gold tra le citazioni, astensioni corrette e false astensioni."""
    from eval import runner
    from eval.datasets import load_questions
    from eval.metrics import Passage

    questions = run(lambda: load_questions(qa))
    a = assistant()
    run(lambda: a.retriever().warm_up())

    def ask_fn(q: str) -> runner.AnswerOutcome:
        answer = a.ask(q)
        return runner.AnswerOutcome(answer.abstained, [Passage(c.chunk.source, c.text) for c in answer.citations])

    report = run(lambda: runner.evaluate_answers(questions, ask_fn))
    _write_report(
        report, output,
        ["evidence_any", "evidence_all", "quote_recall", "false_abstention", "abstained", "latency_p50_ms", "latency_p95_ms"],
    )


# -- objectives ------------------------------------------------------------------
objectives_app = typer.Typer(
    help="Obiettivi, azioni, indicatori e target dei piani.", invoke_without_command=True, rich_markup_mode=None
)
app.add_typer(objectives_app, name="objectives")


@objectives_app.callback()
def objectives(
    ctx: typer.Context,
    ambito: AmbitoOption = None,
    period: PeriodOption = None,
    doc: DocOption = None,
    previous: Annotated[bool, typer.Option("--previous", help="Includi gli esiti di piani precedenti.")] = False,
    as_json: JsonOption = False,
    fmt: Annotated[str | None, typer.Option("--format", help="csv, xlsx o json.")] = None,
    output: Annotated[Path | None, typer.Option("--output", help="File di destinazione.")] = None,
) -> None:
    """Obiettivi, azioni, indicatori e target dei piani (tabella esportabile)."""
    from assistant import export

    if ctx.invoked_subcommand is not None:
        return
    if fmt is not None and fmt not in {"csv", "xlsx", "json"}:
        fail(f"formato «{fmt}» non ammesso: usare csv, xlsx o json", code=2)
    if fmt == "xlsx" and output is None:
        fail("--format xlsx richiede --output FILE", code=2)
    records = run(lambda: assistant().objectives(ambito=ambito, period=period, doc_id=doc, include_previous=previous))
    if as_json or fmt == "json":
        payload = export.to_json(records)
        if output is not None:
            output.write_text(payload, encoding="utf-8")
        else:
            typer.echo(json.dumps([r.model_dump(mode="json") for r in records], ensure_ascii=False))
        return
    if fmt == "csv":
        text = export.to_csv(records)
        if output is not None:
            output.write_text(text, encoding="utf-8")
        else:
            typer.echo(text, nl=False)
        return
    if fmt == "xlsx":
        assert output is not None
        export.to_xlsx(records, str(output))
        typer.echo(f"Esportati {len(records)} obiettivi in {output}")
        return
    if not records:
        typer.echo("Nessun obiettivo trovato.")
    for r in records:
        typer.echo(f"{r.doc_id:<28} {r.label or '-':<16} {r.title[:80]}  (indicatori: {len(r.indicators)})")


@objectives_app.command("align")
def objectives_align(
    source: Annotated[str | None, typer.Option("--from", help="doc_id del primo piano.")] = None,
    target: Annotated[str | None, typer.Option("--to", help="doc_id del secondo piano.")] = None,
    as_json: JsonOption = False,
    fmt: Annotated[str | None, typer.Option("--format", help="xlsx (richiede --output).")] = None,
    output: Annotated[Path | None, typer.Option("--output", help="File di destinazione.")] = None,
) -> None:
    """Collega gli obiettivi di piani diversi che perseguono lo stesso scopo."""
    from assistant.alignment import indicator_table

    if fmt not in (None, "xlsx") or (fmt == "xlsx" and output is None):
        fail("usare --format xlsx --output FILE oppure --json", code=2)
    links = run(lambda: assistant().align_objectives(source=source, target=target))
    if as_json:
        emit_json([link.to_dict() for link in links])
        return
    if fmt == "xlsx":
        assert output is not None
        _links_xlsx(indicator_table(links), output)
        typer.echo(f"Esportati {len(links)} collegamenti in {output}")
        return
    if not links:
        typer.echo("Nessun collegamento trovato.")
    for link in links:
        a, b = link.source, link.target
        typer.echo(f"[{link.relation}, {link.score:.2f}] {a.doc_id} {a.label or ''} {a.title[:60]}  ↔  {b.doc_id} {b.label or ''} {b.title[:60]}")


def _links_xlsx(rows: list[dict[str, Any]], output: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    sheet = wb.active
    sheet.title = "Collegamenti"
    sheet.append(["Relazione", "Obiettivo (primo piano)", "Obiettivo (secondo piano)", "Indicatori (primo)",
                  "Indicatori (secondo)", "Target (primo)", "Target (secondo)"])
    for r in rows:
        sheet.append([r["relation"], r["from"], r["to"], "\n".join(r["from_indicators"]), "\n".join(r["to_indicators"]),
                      "\n".join(r["from_targets"]), "\n".join(r["to_targets"])])
    wb.save(str(output))


@app.command()
def compare(
    topic: Annotated[str, typer.Argument(help="Tema o domanda da confrontare tra i piani.")],
    by: Annotated[str, typer.Option("--by", help="Raggruppa per plan, ambito o period.")] = "plan",
    k: Annotated[int, typer.Option("--k", min=1, max=10, help="Passaggi per piano.")] = 3,
    as_json: JsonOption = False,
) -> None:
    """Confronta come i piani trattano un tema: le fonti migliori di ciascun piano."""
    if by not in {"plan", "ambito", "period"}:
        fail("--by ammette plan, ambito o period", code=2)
    result = run(lambda: assistant().compare(topic, by=by, per_plan=k))
    if as_json:
        emit_json(result.to_dict())
        return
    for key, plans in result.groups.items():
        typer.echo(f"== {key}")
        for ev in plans:
            m = ev.doc.meta
            if not ev.relevant:
                typer.echo(f"  {m.title}: nessuna evidenza pertinente")
                continue
            typer.echo(f"  {m.title}:")
            for r in ev.results:
                typer.echo(f"    - [{r.chunk.section or '-'}] " + " ".join(r.chunk.text.split())[:200])


@eval_app.command("alignment")
def eval_alignment(
    gold: Annotated[Path | None, typer.Option("--gold", help="Coppie gold (predefinito: eval/alignment_gold.json).")] = None,
) -> None:
    """Precisione e recall dei collegamenti tra obiettivi di piani diversi."""
    from eval import alignment as scoring

    path = gold or scoring.GOLD
    if not path.is_file():
        fail(f"file gold inesistente: {path}")
    links = run(lambda: assistant().align_objectives())
    emit_json(scoring.score([link.to_dict() for link in links], path))


@eval_app.command("objectives")
def eval_objectives(
    gold: Annotated[Path, typer.Option("--gold", help="File JSON gold (formato objectives_sample.json).")],
    output: OutOption = None,
) -> None:
    """Recall/precisione degli obiettivi e di indicatori e target rispetto al gold."""
    from eval import objectives as scoring

    if not gold.is_file():
        fail(f"file gold inesistente: {gold}")
    a = assistant()
    records = [r.model_dump(mode="json") for r in run(lambda: a.objectives(include_previous=True))]
    texts = {d.meta.source: a.document(d.meta.doc_id).canonical.text for d in a.documents()}
    report = scoring.score(scoring.load_gold(gold), records, texts)
    typer.echo(scoring.format_table(report))
    if output is not None:
        output.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    emit_json(report["overall"])


# -- server ------------------------------------------------------------------------
@app.command()
def serve(
    host: Annotated[str, typer.Option("--host", help="Indirizzo di ascolto.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Porta.")] = 8000,
) -> None:
    """Avvia l'API HTTP e il widget di chat."""
    from api.server import serve as run_server

    typer.echo(f"Widget: http://{host}:{port}/  ·  API: http://{host}:{port}/docs", err=True)
    run_server(settings(), host=host, port=port)


def entrypoint() -> None:  # pragma: no cover - console script shim
    sys.exit(app())
