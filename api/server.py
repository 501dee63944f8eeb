"""Run the API and the widget with uvicorn (``pdz serve``, or ``python -m api.server``)."""

from __future__ import annotations

import argparse

import uvicorn

from api.app import create_app
from assistant.settings import Settings


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve until interrupted; one process, one worker (jobs and the warm-up live in memory)."""
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m api.server", description="API HTTP e widget di pdz-assistant.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    serve(Settings(), host=args.host, port=args.port)


if __name__ == "__main__":
    main()
