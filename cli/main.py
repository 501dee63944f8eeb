"""The ``pdz`` application: the root options and every command group, registered in help order."""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from cli import documents, objectives, questions, serve
from cli.context import CliContext, enter
from cli.evaluation import eval_app

app = typer.Typer(
    name="pdz",
    help="pdz-assistant: risposte citate e obiettivi strutturati dai Piani di Zona.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


@app.callback()
def main(
    ctx: typer.Context,
    debug: Annotated[bool, typer.Option("--debug", help="Mostra il traceback degli errori.")] = False,
) -> None:
    state = ctx.obj if isinstance(ctx.obj, CliContext) else CliContext()
    state.debug = debug
    ctx.obj = state
    enter(state)
    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING)


app.command()(documents.ingest)
app.command()(documents.documents)
app.command()(documents.remove)
app.command()(questions.search)
app.command()(questions.ask)
app.add_typer(eval_app, name="eval")
app.add_typer(objectives.objectives_app, name="objectives")
app.command()(questions.compare)
app.command()(serve.serve)
