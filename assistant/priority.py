"""Lower CPU priority for background work (ingestion), so that it cannot starve answers.

On Linux every thread is a task with its own nice value, and threads it creates
inherit it: the OpenMP team the embedding engine starts from a thread (libgomp
keeps one pool per calling thread) runs at that thread's priority. Lowering the
priority of the thread that ingests therefore lowers the parsing, the embedding
and the store writes it causes, while request threads keep the normal priority.

A raised nice value cannot be lowered again without privileges, so priority is
only ever lowered on a thread dedicated to background work: either a worker's
own thread (:func:`lower_current_thread`) or a throwaway thread
(:func:`run_in_background`).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from typing import TypeVar

log = logging.getLogger(__name__)

BACKGROUND_NICE = 10
_T = TypeVar("_T")


def lower_current_thread(nice: int = BACKGROUND_NICE) -> bool:
    """Give the calling thread (and the threads it starts from now on) nice value ``nice``.

    Returns False where per-thread priorities are not available (non-Linux); the
    work then simply runs at normal priority.
    """
    if not hasattr(os, "setpriority") or not hasattr(threading, "get_native_id"):
        return False
    tid = threading.get_native_id()
    try:
        current = os.getpriority(os.PRIO_PROCESS, tid)
        if current < nice:
            os.setpriority(os.PRIO_PROCESS, tid, nice)
    except OSError as exc:
        log.warning("could not lower the priority of thread %s: %s", tid, exc)
        return False
    return True


def run_in_background(work: Callable[[], _T], *, nice: int = BACKGROUND_NICE, name: str = "pdz-background") -> _T:
    """Run ``work`` on a new low-priority thread and wait for it; its result or exception is passed on."""
    result: list[_T] = []
    error: list[BaseException] = []

    def target() -> None:
        lower_current_thread(nice)
        try:
            result.append(work())
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            error.append(exc)

    thread = threading.Thread(target=target, name=name, daemon=True)
    thread.start()
    thread.join()
    if error:
        raise error[0]
    return result[0]
