"""Errors as ``application/problem+json`` with an Italian ``detail``: one table for the whole API."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ingest import errors

log = logging.getLogger(__name__)
PROBLEM = "application/problem+json"

# error class -> (HTTP status, title); the first matching class wins (most specific first)
TABLE: list[tuple[type[errors.PdzError], int, str]] = [
    (errors.NotFound, 404, "Risorsa non trovata"),
    (errors.FileTooLarge, 413, "File troppo grande"),
    (errors.UnsupportedFormat, 415, "Formato non supportato"),
    (errors.InputError, 422, "Documento non valido"),
    (errors.StoreUnavailable, 503, "Indice non disponibile"),
    (errors.ConfigError, 500, "Configurazione non valida"),
]


class ApiProblem(Exception):
    """An HTTP-level problem raised by the API layer itself (auth, limits, bad parameters)."""

    def __init__(self, status: int, title: str, detail: str, code: str) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail, self.code = status, title, detail, code


def problem(status: int, title: str, detail: str, code: str, **extra: Any) -> JSONResponse:
    body = {"type": f"https://pdz-assistant/errori/{code}", "title": title, "status": status, "detail": detail, "code": code}
    return JSONResponse(body | extra, status_code=status, media_type=PROBLEM)


def status_of(exc: errors.PdzError) -> tuple[int, str]:
    for cls, status, title in TABLE:
        if isinstance(exc, cls):
            return status, title
    status = getattr(exc, "status", 500)
    return (status, "Servizio esterno non disponibile") if status in (502, 504) else (500, "Errore interno")


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into a problem document."""

    @app.exception_handler(errors.PdzError)
    async def _pdz(_: Request, exc: errors.PdzError) -> JSONResponse:
        status, title = status_of(exc)
        if status >= 500:
            log.error("error %s: %s", exc.code, exc, exc_info=exc)
        return problem(status, title, exc.message, exc.code)

    @app.exception_handler(ApiProblem)
    async def _api(_: Request, exc: ApiProblem) -> JSONResponse:
        return problem(exc.status, exc.title, exc.detail, exc.code)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        fields = []
        for err in exc.errors():
            where = ".".join(str(x) for x in err.get("loc", ()) if x != "body")
            fields.append({"campo": where, "errore": err.get("msg", "")})
        names = ", ".join(f["campo"] for f in fields) or "richiesta"
        return problem(422, "Richiesta non valida", f"Dati non validi: {names}.", "richiesta_non_valida", errori=fields)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        titles = {404: "Risorsa non trovata", 405: "Metodo non consentito"}
        return problem(exc.status_code, titles.get(exc.status_code, "Errore"), "Risorsa o metodo non disponibile.", "http")

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error", exc_info=exc)
        return problem(500, "Errore interno", "Si è verificato un errore imprevisto.", "errore_interno")
