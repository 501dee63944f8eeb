"""What every command shares: settings, the lazily built assistant, error handling and output.

Exit codes: 0 success, 1 domain/runtime failure (``Errore: ...`` on stderr,
traceback only with ``--debug``), 2 usage error.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import typer
from pydantic import BaseModel, ValidationError

from assistant.settings import Settings
from ingest.errors import PdzError

if TYPE_CHECKING:
    from assistant.service import Assistant

T = TypeVar("T")
EXIT_FAILURE = 1
EXIT_USAGE = 2


@dataclass
class CliContext:
    """State of one ``pdz`` invocation (``ctx.obj``); tests pass their own with a ready assistant."""

    debug: bool = False
    assistant: Assistant | None = None


_CURRENT: ContextVar[CliContext | None] = ContextVar("pdz_cli_context", default=None)


def enter(state: CliContext) -> None:
    """Make ``state`` the context of this invocation (called by the root callback)."""
    _CURRENT.set(state)


def current() -> CliContext:
    state = _CURRENT.get()
    if state is None:
        state = CliContext()
        _CURRENT.set(state)
    return state


def fail(message: str, code: int = EXIT_FAILURE) -> NoReturn:
    """Print ``Errore: message`` on stderr and exit with ``code``."""
    typer.echo(f"Errore: {message}", err=True)
    raise typer.Exit(code)


@contextmanager
def handled() -> Iterator[None]:
    """Turn project errors into ``Errore: ...`` and exit code 1 (the traceback only with ``--debug``)."""
    try:
        yield
    except PdzError as exc:
        if current().debug:
            raise
        fail(exc.message)


def run(fn: Callable[[], T]) -> T:
    """Call ``fn`` with project errors handled."""
    with handled():
        return fn()
    raise AssertionError("unreachable")  # handled() either returns fn's value or exits


def settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(x) for x in err["loc"]) or "impostazioni"
        fail(f"configurazione non valida: {where}: {err['msg']}")


def assistant() -> Assistant:
    """The assistant of this invocation, built once from the settings."""
    state = current()
    if state.assistant is None:
        from assistant.service import build_assistant

        config = settings()
        state.assistant = run(lambda: build_assistant(config))
    return state.assistant


def emit_json(data: Any) -> None:
    """One line of JSON on stdout; response models are dumped as the API sends them."""
    if isinstance(data, BaseModel):
        data = data.model_dump(mode="json", by_alias=True)
    elif isinstance(data, list):
        data = [d.model_dump(mode="json", by_alias=True) if isinstance(d, BaseModel) else d for d in data]
    typer.echo(json.dumps(data, ensure_ascii=False))


def stderr_console() -> Any:
    from rich.console import Console

    return Console(stderr=True)
