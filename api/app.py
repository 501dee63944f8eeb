"""The FastAPI application: factory, lifespan, middleware, routers and the widget's pages."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from api import problems
from api.jobs import JobRunner
from api.limits import BodyLimit
from api.ratelimit import Limits, RateLimiter
from api.readiness import WarmUp
from api.routes import ask, compare, documents, health, jobs, objectives, search
from assistant.service import Assistant, build_assistant
from assistant.settings import Settings

STATIC = Path(__file__).resolve().parent / "static"
PAGES = {"/": "index.html", "/obiettivi": "obiettivi.html", "/confronto": "confronto.html"}
DESCRIPTION = """Risposte citate e obiettivi strutturati dai Piani di Zona della provincia di Cremona.

* Lettura aperta (salvo `PDZ_API_READ_KEY=true`); caricamento e rimozione richiedono la chiave API
  (`X-API-Key` oppure `Authorization: Bearer`).
* Anche lo stato dei caricamenti (`GET /v1/jobs/{id}`) richiede la chiave API.
* Gli errori sono `application/problem+json` con `detail` in italiano e un `code` stabile. Un indice non
  raggiungibile dà 503 con `Retry-After`; troppe richieste (o troppe chiavi errate) dallo stesso indirizzo
  danno 429 con `Retry-After`; un corpo che non arriva completo in tempo dà 408.
* `OPTIONS` è usato solo per le richieste preliminari CORS (quando `PDZ_CORS_ORIGINS` è impostato);
  altrimenti risponde 405 con l'intestazione `Allow`.
* Widget: `<script src="/static/pdz-widget.js"></script><pdz-assistant api="https://…"></pdz-assistant>`.
"""
TAGS = [
    {"name": "domande", "description": "Risposte in italiano con citazioni verificabili."},
    {"name": "ricerca", "description": "Passaggi pertinenti con la loro provenienza."},
    {"name": "documenti", "description": "Documenti indicizzati, testo canonico, caricamenti."},
    {"name": "obiettivi", "description": "Obiettivi, azioni e indicatori estratti dai piani."},
    {"name": "confronti", "description": "Confronti tra piani."},
    {"name": "stato", "description": "Liveness e readiness."},
]


def create_app(settings: Settings | None = None, *, assistant: Assistant | None = None) -> FastAPI:
    """Build the app.

    ``settings`` configure the HTTP layer (keys, CORS, size limits) and, when no ``assistant``
    is given, the assistant the lifespan builds once at startup. A given ``assistant`` is
    shared as is (tests, embedding apps); its settings are used when ``settings`` is None.
    """
    if settings is None:
        settings = assistant.settings if assistant is not None else Settings()
    http_settings = settings

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if assistant is not None:
            service = assistant
        else:
            service = await run_in_threadpool(build_assistant, http_settings)
        app.state.settings = http_settings
        app.state.assistant = service
        app.state.warm = WarmUp(service.warm_up)
        # phase 1 (text) in the job, phase 2 (embeddings) on the runner's low-priority worker
        app.state.jobs = JobRunner(lambda path: service.ingest([path], embed_later=True), embed=service.embed_pending)
        app.state.warm.start()
        try:
            yield
        finally:
            app.state.warm.stop()
            await run_in_threadpool(app.state.jobs.stop)

    app = FastAPI(
        title="pdz-assistant", version="0.1.0", description=DESCRIPTION, openapi_tags=TAGS, lifespan=lifespan,
    )
    app.state.limits = _limits(settings)
    problems.install(app)
    # added first = innermost: CORS headers also go on 413 answers of the body limit
    app.add_middleware(
        BodyLimit, json_bytes=settings.max_body_kb * 1024, upload_bytes=settings.max_bytes, upload_mb=settings.max_upload_mb,
        idle_s=settings.body_timeout_s, total_s=settings.body_total_timeout_s,
    )
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["GET", "POST", "PATCH", "DELETE"],
            allow_headers=["Content-Type", "Accept", "X-API-Key", "Authorization"], expose_headers=["Location", "X-Total-Count", "Link"],
        )
    for module in (health, ask, search, documents, jobs, compare, objectives):
        # compare before objectives: /v1/objectives/alignment is more specific than /v1/objectives
        app.include_router(module.router)
    _add_pages(app)
    problems.document_errors(app)
    return app


def _limits(settings: Settings) -> Limits:
    """The per-client rate limits; a limit of 0 is no limit."""
    per_minute = {
        "ask": settings.rate_ask_per_minute, "expensive": settings.rate_expensive_per_minute,
        "upload": settings.rate_upload_per_minute, "auth": settings.rate_auth_failures_per_minute,
    }
    return Limits({name: RateLimiter(per_minute=rate) for name, rate in per_minute.items() if rate > 0})


def _add_pages(app: FastAPI) -> None:
    """The demo page with the widget, the objectives table and the comparison page."""
    for route, filename in PAGES.items():
        app.add_api_route(route, _page(STATIC / filename), methods=["GET"], include_in_schema=False)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")


def _page(path: Path) -> Callable[[], FileResponse]:
    # a closure, not a default argument: FastAPI would expose a parameter as a query string
    def serve() -> FileResponse:
        return FileResponse(path, media_type="text/html; charset=utf-8")

    return serve
