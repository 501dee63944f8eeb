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
from starlette.routing import Match

from assistant.errors import LLMTimeout, LLMUnavailable
from ingest import errors

log = logging.getLogger(__name__)
PROBLEM = "application/problem+json"

# error class -> (HTTP status, title); the first matching class wins, so subclasses come first
TABLE: list[tuple[type[errors.PdzError], int, str]] = [
    (errors.NotFound, 404, "Risorsa non trovata"),
    (errors.DuplicateDocument, 409, "Documento già presente"),
    (errors.FileTooLarge, 413, "File troppo grande"),
    (errors.UnsupportedFormat, 415, "Formato non supportato"),
    (errors.InputError, 422, "Documento non valido"),
    (errors.StoreUnavailable, 503, "Indice non disponibile"),
    (LLMUnavailable, 502, "Modello linguistico non raggiungibile"),
    (LLMTimeout, 504, "Modello linguistico troppo lento"),
    (errors.ConfigError, 500, "Configurazione non valida"),
]
GENERIC_500 = "Si è verificato un errore imprevisto. Riprova più tardi."
STORE_DOWN = "L'archivio dell'indice non è raggiungibile in questo momento. Riprova tra qualche secondo."
RETRY_AFTER_S = 5
"""Seconds a client should wait before retrying after a 503 (the store usually returns within seconds)."""


class Problem(BaseModel):
    """The body of every error response (for the OpenAPI document)."""

    type: str = Field(examples=["urn:pdz-assistant:errore:non_trovato"])
    title: str = Field(examples=["Risorsa non trovata"])
    status: int = Field(examples=[404])
    detail: str = Field(description="Spiegazione in italiano.", examples=["Documento «zeta» non presente nell'indice."])
    code: str = Field(description="Codice stabile dell'errore.", examples=["non_trovato"])


class ApiProblem(Exception):
    """An HTTP-level problem raised by the API layer itself (auth, limits, bad parameters)."""

    def __init__(
        self, status: int, title: str, detail: str, code: str, *, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail, self.code = status, title, detail, code
        self.headers = dict(headers or {})


def store_unavailable() -> ApiProblem:
    """The 503 of an unreachable store, with ``Retry-After`` and no internal address."""
    return ApiProblem(503, "Indice non disponibile", STORE_DOWN, errors.StoreUnavailable.code,
                      headers={"Retry-After": str(RETRY_AFTER_S)})


class BodyProblem(StarletteHTTPException):
    """Raised while the body is read; an HTTPException so FastAPI's body parsing lets it through."""

    status = 400
    title = "Richiesta non valida"

    def __init__(self, detail: str, code: str) -> None:
        super().__init__(status_code=self.status, detail=detail)
        self.code = code


class BodyTooLarge(BodyProblem):
    status = 413
    title = "Richiesta troppo grande"


class BodyTimeout(BodyProblem):
    status = 408
    title = "Richiesta incompleta"


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


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def allowed_methods(request: Request) -> list[str]:
    """Every method some route accepts at the request's path (asked of the router, method by method)."""
    routes = request.app.router.routes
    return [m for m in _METHODS if any(r.matches(dict(request.scope, method=m))[0] == Match.FULL for r in routes)]


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into a problem document."""

    @app.exception_handler(errors.PdzError)
    async def _pdz(_: Request, exc: errors.PdzError) -> JSONResponse:
        status, title = status_of(exc)
        if isinstance(exc, errors.StoreUnavailable):
            # the message names the store's address: it goes to the log, not to the client
            log.warning("store unavailable: %s", exc)
            return problem(status, title, STORE_DOWN, exc.code, headers={"Retry-After": str(RETRY_AFTER_S)})
        if status >= 500:
            log.error("error %s: %s", exc.code, exc, exc_info=exc)
        return problem(status, title, exc.message, exc.code)

    @app.exception_handler(ApiProblem)
    async def _api(_: Request, exc: ApiProblem) -> JSONResponse:
        return problem(exc.status, exc.title, exc.detail, exc.code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        return validation_problem(exc)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if isinstance(exc, BodyProblem):
            # the rest of the body is never read: the connection cannot be reused
            return problem(exc.status, exc.title, str(exc.detail), exc.code, headers={"Connection": "close"})
        title, detail, code = _HTTP.get(exc.status_code, ("Errore", "Richiesta non eseguibile.", f"http_{exc.status_code}"))
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            # the router names the methods of the first route that matched the path only
            headers["Allow"] = ", ".join(allowed_methods(request))
        return problem(exc.status_code, title, detail, code, headers=headers)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.error("unexpected error", exc_info=exc)
        return problem(500, "Errore interno", GENERIC_500, "errore_interno")


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the problem responses a route can give."""
    schema = Problem.model_json_schema()
    described = {
        400: "Corpo della richiesta illeggibile.", 401: "Chiave API mancante.",
        403: "Chiave API non valida o scrittura disabilitata.", 404: "Risorsa non trovata.",
        405: "Metodo non consentito (anche OPTIONS, salvo le richieste preliminari CORS).",
        408: "Corpo della richiesta non arrivato in tempo.", 409: "Documento già presente con lo stesso contenuto.",
        413: "Richiesta o file troppo grande.", 415: "Formato non supportato.", 422: "Dati della richiesta non validi.",
        429: "Troppe richieste: riprovare dopo i secondi indicati da Retry-After.",
        502: "Modello linguistico non raggiungibile.", 503: "Indice non pronto o non raggiungibile (vedi Retry-After).",
        504: "Modello linguistico troppo lento.",
    }
    return {s: {"description": described.get(s, "Errore."), "content": {PROBLEM: {"schema": schema}}} for s in statuses}


LIMITED = {"/v1/ask", "/v1/search", "/v1/compare", "/v1/objectives/alignment", "/v1/documents", "/v1/documents/{doc_id}"}
"""Paths with a per-client rate limit (see ``api/ratelimit.py``)."""


def document_errors(app: FastAPI) -> None:
    """Complete every operation's documented problem responses from what the app can answer.

    Key-protected operations can give 401/403 (and 429 after repeated failures); a body can
    be unreadable (400), incomplete in time (408), too large (413) or invalid (422);
    parameters can be invalid (422); every ``/v1`` operation reads the index (503). The
    routes' own lists (404, 409, 415, 502…) are kept.
    """
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = original()
        for path, operations in schema.get("paths", {}).items():
            for op in operations.values():
                if not isinstance(op, dict) or "responses" not in op:
                    continue
                statuses: set[int] = set()
                if op.get("security"):
                    statuses |= {401, 403, 429}
                if op.get("requestBody"):
                    statuses |= {400, 408, 413, 422}
                if op.get("parameters"):
                    statuses.add(422)
                if path in LIMITED:
                    statuses.add(429)
                if path.startswith("/v1/") and not path.startswith("/v1/jobs"):
                    statuses.add(503)
                for status, entry in responses(*sorted(statuses)).items():
                    op["responses"].setdefault(str(status), entry)
                if "422" in op["responses"]:  # FastAPI's default shape is not what the handlers send
                    op["responses"]["422"] = responses(422)[422]
        _homogeneous_tuples(schema)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _homogeneous_tuples(node: Any) -> None:
    """``prefixItems`` of one repeated type (a ``tuple[int, int]``) as plain ``items`` with a fixed length.

    The same constraint, in the form every OpenAPI tool reads (some validators mishandle
    ``prefixItems`` in response schemas).
    """
    if isinstance(node, dict):
        prefix = node.get("prefixItems")
        if isinstance(prefix, list) and prefix and all(p == prefix[0] for p in prefix) and "items" not in node:
            node["items"] = node.pop("prefixItems")[0]
            node["minItems"] = node["maxItems"] = len(prefix)
        for value in node.values():
            _homogeneous_tuples(value)
    elif isinstance(node, list):
        for value in node:
            _homogeneous_tuples(value)
