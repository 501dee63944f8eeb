"""Request dependencies: the shared assistant, the job runner and API-key checks."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request

from api.jobs import JobRunner
from api.problems import ApiProblem
from assistant.service import Assistant
from assistant.settings import Settings


def get_assistant(request: Request) -> Assistant:
    return request.app.state.assistant  # type: ignore[no-any-return]


def get_jobs(request: Request) -> JobRunner:
    return request.app.state.jobs  # type: ignore[no-any-return]


def get_settings(request: Request) -> Settings:
    return request.app.state.assistant.settings  # type: ignore[no-any-return]


def _presented_key(request: Request) -> str | None:
    key = request.headers.get("x-api-key")
    auth = request.headers.get("authorization", "")
    if not key and auth.lower().startswith("bearer "):
        key = auth[7:].strip()
    return key or None


def _check(request: Request, settings: Settings) -> None:
    expected = settings.api_key
    if not expected:
        return
    key = _presented_key(request)
    if key is None:
        raise ApiProblem(401, "Autenticazione richiesta", "Serve una chiave API (intestazione X-API-Key).", "chiave_mancante")
    if not hmac.compare_digest(key.encode(), expected.encode()):
        raise ApiProblem(403, "Accesso negato", "La chiave API non è valida.", "chiave_non_valida")


def require_write_key(request: Request, settings: Annotated[Settings, Depends(get_settings)]) -> None:
    """Write endpoints need the API key whenever one is configured."""
    _check(request, settings)


def require_read_key(request: Request, settings: Annotated[Settings, Depends(get_settings)]) -> None:
    """Reading is open unless PDZ_API_READ_KEY is set."""
    if settings.api_read_key:
        _check(request, settings)


AssistantDep = Annotated[Assistant, Depends(get_assistant)]
JobsDep = Annotated[JobRunner, Depends(get_jobs)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
