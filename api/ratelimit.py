"""Per-client rate limits: token buckets by client IP, in memory, one set per limited resource.

A bucket holds ``burst`` tokens and refills at ``per_minute / 60`` tokens a second; a
request takes one token or is answered 429 with ``Retry-After`` (the seconds until the
next token). Failed authentications use the same buckets with their own budget, so a
client that guesses keys is locked out until its window passes, while its valid
requests are counted elsewhere. One process, one worker: the limits live in memory.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from api.problems import ApiProblem

MAX_CLIENTS = 10_000
"""Buckets kept per limiter; the least recently seen client is forgotten first."""


@dataclass
class _Bucket:
    tokens: float
    stamp: float


class RateLimiter:
    """A token bucket per client key: ``per_minute`` sustained, ``burst`` at once."""

    def __init__(
        self, *, per_minute: float, burst: int | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if per_minute <= 0:
            raise ValueError("per_minute must be positive")
        self.rate = per_minute / 60.0
        self.burst = float(burst if burst is not None else max(1, math.ceil(per_minute)))
        self._clock = clock
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()
        self._lock = threading.Lock()

    def _bucket(self, key: str, now: float) -> _Bucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(self.burst, now)
            while len(self._buckets) > MAX_CLIENTS:
                self._buckets.popitem(last=False)
        else:
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.stamp) * self.rate)
            bucket.stamp = now
            self._buckets.move_to_end(key)
        return bucket

    def take(self, key: str) -> float:
        """Take one token: 0 when granted, else the seconds to wait for the next one."""
        with self._lock:
            now = self._clock()
            bucket = self._bucket(key, now)
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                return 0.0
            return (1 - bucket.tokens) / self.rate

    def wait(self, key: str) -> float:
        """Seconds until ``key`` gets a token again (0 when it has one), without taking it."""
        with self._lock:
            bucket = self._bucket(key, self._clock())
            return 0.0 if bucket.tokens >= 1 else (1 - bucket.tokens) / self.rate


def too_many(wait_s: float, what: str) -> ApiProblem:
    """The 429 problem: Italian detail, ``Retry-After`` in whole seconds."""
    seconds = max(1, math.ceil(wait_s))
    return ApiProblem(
        429, "Troppe richieste", f"Troppe {what} da questo indirizzo: riprova tra {seconds} secondi.",
        "troppe_richieste", headers={"Retry-After": str(seconds)},
    )


class Limits:
    """The limiters of one app, by name (``ask``, ``expensive``, ``upload``, ``auth``)."""

    WHAT = {
        "ask": "domande o ricerche", "expensive": "richieste onerose", "upload": "richieste di scrittura",
        "auth": "richieste con chiave API mancante o errata",
    }

    def __init__(self, limiters: dict[str, RateLimiter]) -> None:
        self._limiters = limiters

    def check(self, name: str, client: str) -> None:
        """Take a token from ``client``'s bucket of ``name``, or raise the 429."""
        limiter = self._limiters.get(name)
        if limiter is None:
            return
        wait = limiter.take(client)
        if wait > 0:
            raise too_many(wait, self.WHAT.get(name, "richieste"))

    def locked_out(self, client: str) -> None:
        """Raise the 429 when ``client`` has used up its failed-authentication budget."""
        limiter = self._limiters.get("auth")
        if limiter is not None and (wait := limiter.wait(client)) > 0:
            raise too_many(wait, self.WHAT["auth"])

    def failed_auth(self, client: str) -> None:
        """Count one failed authentication of ``client``."""
        limiter = self._limiters.get("auth")
        if limiter is not None:
            limiter.take(client)
