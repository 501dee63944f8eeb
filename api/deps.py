"""Request dependencies: the shared assistant, the job runner, the settings, the API-key checks and the rate limits.

Write endpoints (upload, delete) and job status always need the key: with no
``PDZ_API_KEY`` configured they are disabled rather than open. Reading is open unless
``PDZ_API_READ_KEY`` is true. The key comes in ``X-API-Key`` or ``Authorization: Bearer
<key>`` (both declared as security schemes in the OpenAPI document). A client whose
key was wrong or missing too often is answered 429 until its window passes.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request, Security, params
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from api.jobs import JobRunner
from api.problems import ApiProblem, store_unavailable
from api.ratelimit import Limits
from assistant.service import Assistant
from assistant.settings import Settings

API_KEY_HEADER = APIKeyHeader(
    name="X-API-Key", auto_error=False, scheme_name="ChiaveAPI", description="La chiave API (PDZ_API_KEY)."
)
BEARER = HTTPBearer(auto_error=False, scheme_name="Bearer", description="La chiave API come token Bearer.")


def get_assistant(request: Request) -> Assistant:
    return request.app.state.assistant  # type: ignore[no-any-return]


def get_jobs(request: Request) -> JobRunner:
    return request.app.state.jobs  # type: ignore[no-any-return]


def get_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def get_limits(request: Request) -> Limits:
    return request.app.state.limits  # type: ignore[no-any-return]


def client_of(request: Request) -> str:
    return request.client.host if request.client else "sconosciuto"


def presented_key(request: Request) -> str | None:
    key = request.headers.get("x-api-key", "").strip()
    auth = request.headers.get("authorization", "")
    if not key and auth[:7].lower() == "bearer ":
        key = auth[7:].strip()
    return key or None


def check_key(request: Request, expected: str | None, limits: Limits | None = None) -> None:
    if not expected:
        raise ApiProblem(
            403, "Scrittura disabilitata",
            "Caricamenti e rimozioni sono disabilitati: il server non ha una chiave API (PDZ_API_KEY).",
            "scrittura_disabilitata",
        )
    client = client_of(request)
    if limits is not None:
        limits.locked_out(client)
    key = presented_key(request)
    if key is None:
        if limits is not None:
            limits.failed_auth(client)
        raise ApiProblem(401, "Autenticazione richiesta", "Serve una chiave API (intestazione X-API-Key o Authorization: Bearer).", "chiave_mancante")
    if not hmac.compare_digest(key.encode(), expected.encode()):
        if limits is not None:
            limits.failed_auth(client)
        raise ApiProblem(403, "Accesso negato", "La chiave API non è valida.", "chiave_non_valida")


SettingsDep = Annotated[Settings, Depends(get_settings)]
AssistantDep = Annotated[Assistant, Depends(get_assistant)]
JobsDep = Annotated[JobRunner, Depends(get_jobs)]
LimitsDep = Annotated[Limits, Depends(get_limits)]
# declared for the OpenAPI document; the key itself is read by presented_key (either header)
_HeaderKey = Annotated[str | None, Security(API_KEY_HEADER)]
_BearerKey = Annotated[HTTPAuthorizationCredentials | None, Security(BEARER)]


def require_write_key(request: Request, settings: SettingsDep, limits: LimitsDep, _k: _HeaderKey, _b: _BearerKey) -> None:
    """Write endpoints need the API key; without a configured key they are disabled."""
    check_key(request, settings.api_key, limits)


def require_read_key(request: Request, settings: SettingsDep, limits: LimitsDep, _k: _HeaderKey, _b: _BearerKey) -> None:
    """Reading is open unless PDZ_API_READ_KEY is true."""
    if settings.api_read_key:
        check_key(request, settings.api_key, limits)


def require_store(assistant: AssistantDep) -> None:
    """Writes are refused (503) before anything is stored or queued when the index store does not answer."""
    if not assistant.ready():
        raise store_unavailable()


def limited(name: str) -> params.Depends:
    """A dependency taking one token of the ``name`` limit for the calling client."""

    def take(request: Request, limits: LimitsDep) -> None:
        limits.check(name, client_of(request))

    return Depends(take)
