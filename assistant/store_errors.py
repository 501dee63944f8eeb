"""Connection failures of the objectives database become :class:`StoreUnavailable`.

The objective store (``assistant/objectives_store.py``) speaks SQLAlchemy; the
service wraps every call to it in :func:`objectives_db`, so a database that does
not answer (SQLite file unreachable, PostgreSQL down) is a 503 for the API and
an Italian message for the CLI, never a raw driver error. The URL, which may
hold a password, goes to the log only, masked.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from ingest.errors import StoreUnavailable

log = logging.getLogger(__name__)

OBJECTIVES_UNAVAILABLE = "L'archivio degli obiettivi non è raggiungibile: riprova tra poco."


def _masked(url: str) -> str:
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - a URL we cannot parse is not worth failing for
        return "<url non valido>"


@contextmanager
def objectives_db(url: str) -> Iterator[None]:
    """Map SQLAlchemy connection errors raised inside the block to StoreUnavailable."""
    from sqlalchemy.exc import InterfaceError, OperationalError

    try:
        yield
    except (OperationalError, InterfaceError) as exc:
        log.warning("objectives database at %s unreachable: %s", _masked(url), exc.orig or exc)
        raise StoreUnavailable(OBJECTIVES_UNAVAILABLE) from exc
