"""Chroma connection failures, wherever they happen, become ``StoreUnavailable``.

:func:`store_call` wraps every ``ChromaStore`` method: a store that does not
answer gives an Italian message without its address (logged instead), and the
store drops its client so the next call reconnects once Chroma is back.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Protocol, TypeVar, cast

from ingest.errors import StoreUnavailable

_F = TypeVar("_F", bound=Callable[..., Any])


class _Reconnecting(Protocol):
    def _unreachable(self, exc: BaseException) -> None: ...


UNAVAILABLE_MESSAGE = "L'archivio dei documenti non è raggiungibile: riprova tra poco."


def is_connection_failure(exc: BaseException) -> bool:
    """True for the errors of a Chroma that does not answer (as opposed to a bad request)."""
    import httpx

    if isinstance(exc, httpx.TransportError):  # connect, read, write, protocol errors, timeouts
        return True
    try:
        from chromadb.errors import ChromaError
    except ImportError:  # pragma: no cover - chromadb is a dependency
        return False
    # a server that is starting, stopping or behind a failing proxy
    return isinstance(exc, ChromaError) and exc.code() in {502, 503, 504}


def store_call(method: _F) -> _F:
    """Turn a connection failure inside ``method`` into StoreUnavailable and force a reconnect."""

    @functools.wraps(method)
    def guarded(self: _Reconnecting, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except StoreUnavailable:
            raise
        except Exception as exc:
            if not is_connection_failure(exc):
                raise
            self._unreachable(exc)
            raise StoreUnavailable(UNAVAILABLE_MESSAGE) from exc

    return cast(_F, guarded)


