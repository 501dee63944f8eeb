from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from typer.testing import CliRunner

from assistant import cli


@pytest.fixture
def pdz(embedder) -> Iterator[Any]:  # noqa: ANN001
    """Run `pdz ...` in-process against the test's own data dir; returns (exit code, stdout, stderr)."""
    from assistant.service import Assistant
    from assistant.settings import Settings

    runner = CliRunner()

    def invoke(*args: str) -> tuple[int, str, str]:
        cli._state["assistant"] = Assistant(settings=Settings(), embedder=embedder)
        result = runner.invoke(cli.app, list(args))
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception
        return result.exit_code, result.stdout, result.stderr

    yield invoke
    cli._state["assistant"] = None


def lines_json(text: str) -> list[Any]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]
