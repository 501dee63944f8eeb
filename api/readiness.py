"""Warm-up in a background thread, so that ``/ready`` can tell the truth while models load."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from ingest.errors import PdzError

log = logging.getLogger(__name__)


class WarmUp:
    """Runs ``warm_up`` until it succeeds (a Chroma server may come up later), then stays ready."""

    def __init__(self, warm_up: Callable[[], None], *, retry_seconds: float = 5.0) -> None:
        self._warm_up = warm_up
        self._retry = retry_seconds
        self._ready = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._last_error: str | None = None
        self._thread = threading.Thread(target=self._run, name="pdz-warm-up", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    @property
    def ready(self) -> bool:
        return self._ready.is_set()

    @property
    def last_error(self) -> str | None:
        """Italian message of the last failed attempt, when there is one worth showing."""
        with self._lock:
            return self._last_error

    def wait(self, timeout: float) -> bool:
        return self._ready.wait(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._warm_up()
            except Exception as exc:  # noqa: BLE001 - /ready keeps answering 503 and the log says why
                log.warning("warm-up failed, retrying in %.0fs", self._retry, exc_info=exc)
                with self._lock:
                    self._last_error = exc.message if isinstance(exc, PdzError) else None
                self._stop.wait(self._retry)
                continue
            with self._lock:
                self._last_error = None
            self._ready.set()
            return
