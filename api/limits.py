"""Request body limits, enforced while the body arrives: size (not only from Content-Length) and time."""

from __future__ import annotations

import asyncio
import time

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.problems import BodyTimeout, BodyTooLarge, problem

MULTIPART_OVERHEAD = 64 * 1024
"""Room for the multipart envelope around an uploaded file of the maximum size."""


class BodyLimit:
    """Pure ASGI middleware: JSON bodies up to ``json_bytes``, multipart uploads up to ``upload_bytes``.

    A declared ``Content-Length`` over the limit is refused before anything is read;
    a chunked body is counted as it streams and refused as soon as it passes the limit
    (the route never sees it). The upload route checks the file itself too, so a file
    just over ``upload_bytes`` gets the more precise ``file_troppo_grande``.

    A body that stops arriving is answered 408 (``richiesta_incompleta``): when no part
    of it comes for ``idle_s`` seconds, or the whole of it takes more than ``total_s``
    (a trickle). Once the body is complete, ``receive`` is passed through untouched
    (a streaming response waits on it for the client's disconnect).
    """

    def __init__(
        self, app: ASGIApp, *, json_bytes: int, upload_bytes: int, upload_mb: int,
        idle_s: float | None = None, total_s: float | None = None,
    ) -> None:
        self.app = app
        self.json_bytes = json_bytes
        self.upload_bytes = upload_bytes + MULTIPART_OVERHEAD
        self.upload_mb = upload_mb
        self.idle_s = idle_s or None
        self.total_s = total_s or None

    def _limit(self, headers: Headers) -> tuple[int, str, str]:
        if headers.get("content-type", "").startswith("multipart/"):
            return self.upload_bytes, f"Il file supera il limite di {self.upload_mb} MB.", "file_troppo_grande"
        kb = self.json_bytes // 1024
        return self.json_bytes, f"La richiesta supera la dimensione massima consentita ({kb} KB).", "richiesta_troppo_grande"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        limit, detail, code = self._limit(headers)
        declared = headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await problem(413, "Richiesta troppo grande", detail, code)(scope, receive, send)
            return
        received = 0
        complete = False
        deadline = time.monotonic() + self.total_s if self.total_s else None

        async def timed() -> Message:
            waits = [w for w in (self.idle_s, deadline and deadline - time.monotonic()) if w is not None]
            if not waits:
                return await receive()
            try:
                return await asyncio.wait_for(receive(), timeout=max(0.0, min(waits)))
            except TimeoutError:
                raise BodyTimeout(
                    "Il corpo della richiesta non è arrivato completo in tempo: riprova.", "richiesta_incompleta"
                ) from None

        async def counted() -> Message:
            nonlocal received, complete
            if complete:
                return await receive()
            message = await timed()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(detail, code)
                complete = not message.get("more_body", False)
            return message

        await self.app(scope, counted, send)
