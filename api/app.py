"""The FastAPI application: factory, lifespan, middleware and routers."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from api import problems
from api.jobs import JobRunner
from api.routes import ask, documents, health
from assistant.service import Assistant, build_assistant
from assistant.settings import Settings

log = logging.getLogger(__name__)
STATIC = Path(__file__).resolve().parent / "static"


def _warm_up(app: FastAPI) -> None:
    try:
        app.state.assistant.retriever().warm_up()
    except Exception:  # noqa: BLE001 - /ready keeps saying "not ready" and the log says why
        log.exception("warm-up failed")
        return
    app.state.warm.set()


def create_app(settings: Settings | None = None, *, assistant: Assistant | None = None) -> FastAPI:
    """Build the app; the assistant (models, indexes) is created once, here or by the caller."""
    assistant = assistant or build_assistant(settings or Settings())
    settings = assistant.settings

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.assistant = assistant
        app.state.warm = threading.Event()
        app.state.jobs = JobRunner(lambda paths: assistant.ingest(paths))
        threading.Thread(target=_warm_up, args=(app,), name="pdz-warm-up", daemon=True).start()
        yield
        app.state.jobs.stop()

    app = FastAPI(
        title="pdz-assistant",
        version="0.1.0",
        description="Risposte citate e obiettivi strutturati dai Piani di Zona della provincia di Cremona.",
        lifespan=lifespan,
    )
    problems.install(app)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Content-Type", "X-API-Key", "Authorization"],
        )

    @app.middleware("http")
    async def limit_body(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        length = int(request.headers.get("content-length") or 0)
        multipart = request.headers.get("content-type", "").startswith("multipart/")
        limit = settings.max_bytes + 1024 * 1024 if multipart else settings.max_body_kb * 1024
        if length > limit:
            return problems.problem(413, "Richiesta troppo grande", "La richiesta supera la dimensione massima consentita.", "richiesta_troppo_grande")
        return await call_next(request)

    for router in (health.router, ask.router, documents.router):
        app.include_router(router)
    _mount_optional_routers(app)

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC / "index.html")

    @app.get("/obiettivi", include_in_schema=False)
    def objectives_page() -> FileResponse:
        return FileResponse(STATIC / "obiettivi.html")

    @app.get("/confronto", include_in_schema=False)
    def compare_page() -> FileResponse:
        return FileResponse(STATIC / "confronto.html")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


def _mount_optional_routers(app: FastAPI) -> None:
    """Routers of features that live in their own modules (objectives, comparisons)."""
    from api.routes import compare, objectives

    app.include_router(compare.router)  # before objectives: /v1/objectives/alignment is more specific
    app.include_router(objectives.router)
