"""Errors as ``application/problem+json`` (RFC 9457) with an Italian ``detail``: one table for the API.

Every error a client can see goes through :func:`problem`: domain errors (``PdzError``
subclasses, mapped by :data:`TABLE`), problems raised by the API layer itself
(:class:`ApiProblem`: auth, limits, bad parameters), request validation errors and
HTTP errors of the router (unknown path, wrong method). Anything else is a 500 with
a generic message; the traceback goes to the log only.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant.llm import LLMTimeout, LLMUnavailable
from ingest import errors

log = logging.getLogger(__name__)
PROBLEM = "application/problem+json"

# error class -> (HTTP status, title); the first matching class wins, so subclasses come first
TABLE: list[tuple[type[errors.PdzError], int, str]] = [
    (errors.NotFound, 404, "Risorsa non trovata"),
    (errors.FileTooLarge, 413, "File troppo grande"),
    (errors.UnsupportedFormat, 415, "Formato non supportato"),
    (errors.InputError, 422, "Documento non valido"),
    (errors.StoreUnavailable, 503, "Indice non disponibile"),
    (LLMUnavailable, 502, "Modello linguistico non raggiungibile"),
    (LLMTimeout, 504, "Modello linguistico troppo lento"),
    (errors.ConfigError, 500, "Configurazione non valida"),
]
GENERIC_500 = "Si è verificato un errore imprevisto. Riprova più tardi."


class Problem(BaseModel):
    """The body of every error response (for the OpenAPI document)."""

    type: str = Field(examples=["urn:pdz-assistant:errore:non_trovato"])
    title: str = Field(examples=["Risorsa non trovata"])
    status: int = Field(examples=[404])
    detail: str = Field(description="Spiegazione in italiano.", examples=["Documento «zeta» non presente nell'indice."])
    code: str = Field(description="Codice stabile dell'errore.", examples=["non_trovato"])


class ApiProblem(Exception):
    """An HTTP-level problem raised by the API layer itself (auth, limits, bad parameters)."""

    def __init__(self, status: int, title: str, detail: str, code: str) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail, self.code = status, title, detail, code


class BodyTooLarge(StarletteHTTPException):
    """Raised while the body is read; an HTTPException so FastAPI's body parsing lets it through."""

    def __init__(self, detail: str, code: str) -> None:
        super().__init__(status_code=413, detail=detail)
        self.code = code


def problem(
    status: int, title: str, detail: str, code: str, *, headers: Mapping[str, str] | None = None, **extra: Any
) -> JSONResponse:
    body = {"type": f"urn:pdz-assistant:errore:{code}", "title": title, "status": status, "detail": detail, "code": code}
    return JSONResponse(body | extra, status_code=status, media_type=PROBLEM, headers=dict(headers or {}))


def status_of(exc: errors.PdzError) -> tuple[int, str]:
    """HTTP status and title of a domain error."""
    for cls, status, title in TABLE:
        if isinstance(exc, cls):
            return status, title
    return 500, "Errore interno"


# --- validation errors in Italian ------------------------------------------------------------
_MESSAGES = {
    "missing": "campo obbligatorio",
    "extra_forbidden": "campo non previsto",
    "json_invalid": "JSON non valido",
    "string_too_short": "testo troppo corto (minimo {min_length} caratteri)",
    "string_too_long": "testo troppo lungo (massimo {max_length} caratteri)",
    "too_short": "troppo pochi elementi (minimo {min_length})",
    "too_long": "troppi elementi (massimo {max_length})",
    "greater_than_equal": "deve essere almeno {ge}",
    "greater_than": "deve essere maggiore di {gt}",
    "less_than_equal": "deve essere al massimo {le}",
    "less_than": "deve essere minore di {lt}",
    "int_parsing": "deve essere un numero intero",
    "int_type": "deve essere un numero intero",
    "int_from_float": "deve essere un numero intero",
    "bool_parsing": "deve essere true o false",
    "bool_type": "deve essere true o false",
    "string_type": "deve essere un testo",
    "list_type": "deve essere un elenco",
    "dict_type": "deve essere un oggetto JSON",
    "model_type": "deve essere un oggetto JSON",
    "model_attributes_type": "deve essere un oggetto JSON",
    "string_pattern_mismatch": "valore non ammesso",
    "literal_error": "valore non ammesso (ammessi: {expected})",
    "enum": "valore non ammesso (ammessi: {expected})",
}


def italian_message(err: Mapping[str, Any]) -> str:
    """The Italian text of one pydantic error (our own validators already speak Italian)."""
    ctx = err.get("ctx") or {}
    if err.get("type") == "value_error" and "error" in ctx:
        return str(ctx["error"])
    template = _MESSAGES.get(str(err.get("type")), "valore non valido")
    values = {k: str(v).replace(" or ", " o ") for k, v in ctx.items()}  # "'a', 'b' or 'c'" from pydantic
    try:
        return template.format(**values)
    except (KeyError, IndexError):
        return template.split(" (")[0]


def field_name(loc: tuple[Any, ...] | list[Any], kind: str) -> str:
    where = [str(x) for x in loc[1:] if not isinstance(x, int)]  # loc[0] is body/query/path
    if kind == "json_invalid" or not where:
        return "corpo della richiesta"
    return ".".join(where)


def validation_problem(exc: RequestValidationError) -> JSONResponse:
    fields = []
    for err in exc.errors():
        kind = str(err.get("type", ""))
        fields.append({"campo": field_name(tuple(err.get("loc", ())), kind), "messaggio": italian_message(err)})
    detail = "Richiesta non valida: " + "; ".join(f"{f['campo']}: {f['messaggio']}" for f in fields) + "."
    return problem(422, "Richiesta non valida", detail, "richiesta_non_valida", errori=fields)


_HTTP = {
    400: ("Richiesta non valida", "Il corpo della richiesta non è leggibile.", "richiesta_non_valida"),
    404: ("Risorsa non trovata", "L'indirizzo richiesto non esiste.", "non_trovato"),
    405: ("Metodo non consentito", "Metodo HTTP non consentito per questo indirizzo.", "metodo_non_consentito"),
}


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
        return validation_problem(exc)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        if isinstance(exc, BodyTooLarge):
            return problem(413, "Richiesta troppo grande", str(exc.detail), exc.code)
        title, detail, code = _HTTP.get(exc.status_code, ("Errore", "Richiesta non eseguibile.", f"http_{exc.status_code}"))
        return problem(exc.status_code, title, detail, code, headers=exc.headers)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.error("unexpected error", exc_info=exc)
        return problem(500, "Errore interno", GENERIC_500, "errore_interno")


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the problem responses a route can give."""
    schema = Problem.model_json_schema()
    described = {
        401: "Chiave API mancante.", 403: "Chiave API non valida o scrittura disabilitata.", 404: "Risorsa non trovata.",
        413: "Richiesta o file troppo grande.", 415: "Formato non supportato.", 422: "Dati della richiesta non validi.",
        502: "Modello linguistico non raggiungibile.", 503: "Indice non pronto o non raggiungibile.",
    }
    return {s: {"description": described.get(s, "Errore."), "content": {PROBLEM: {"schema": schema}}} for s in statuses}
