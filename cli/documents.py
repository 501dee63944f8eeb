"""``pdz ingest``, ``pdz documents``, ``pdz remove``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from api.responses import DocumentOut
from cli.context import assistant, emit_json, fail, run, stderr_console
from cli.options import JsonOption


def ingest(
    paths: Annotated[list[Path] | None, typer.Argument(help="File o cartelle (predefinito: corpus/).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Reindicizza anche i documenti invariati.")] = False,
) -> None:
    """Indicizza documenti PDF, DOCX, TXT/MD (idempotente)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from ingest.pipeline import collect_files

    a = assistant()
    targets = paths or [a.settings.corpus_dir]
    missing = [p for p in targets if not p.exists()]
    if missing:
        fail(f"percorso inesistente: {', '.join(str(p) for p in missing)}")
    files = collect_files(targets)
    if not files:
        fail(f"nessun documento da indicizzare in {', '.join(str(p) for p in targets)}")
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=stderr_console(), transient=False,
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


def documents(as_json: JsonOption = False) -> None:
    """Elenca i documenti indicizzati con i loro metadati."""
    rows = [DocumentOut.of(d) for d in run(lambda: assistant().documents())]
    if as_json:
        emit_json(rows)
        return
    if not rows:
        typer.echo("Nessun documento indicizzato. Usa «pdz ingest».")
        return
    for r in rows:
        typer.echo(
            f"{r.doc_id:<40} {r.ambito or '-':<10} {r.period or '-':<10} {r.kind:<14} {r.chunks:>4}  "
            f"{r.state_label:<17} {r.title}"
        )


def remove(doc_id: Annotated[str, typer.Argument(help="Identificativo del documento.")]) -> None:
    """Rimuove un documento dall'indice (e i dati derivati)."""
    run(lambda: assistant().remove(doc_id))
    typer.echo(f"Documento «{doc_id}» rimosso.")
