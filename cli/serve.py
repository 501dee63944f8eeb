"""``pdz serve``: the HTTP API and the chat widget."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.context import settings


def serve(
    host: Annotated[str, typer.Option("--host", help="Indirizzo di ascolto.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Porta.")] = 8000,
) -> None:
    """Avvia l'API HTTP e il widget di chat."""
    from api.server import serve as run_server

    typer.echo(f"Widget: http://{host}:{port}/  ·  API: http://{host}:{port}/docs", err=True)
    run_server(settings(), host=host, port=port)
