"""Request dependencies: the shared assistant, the job runner, the settings and the API-key checks.

Write endpoints (upload, delete) always need the key: with no ``PDZ_API_KEY`` configured
they are disabled rather than open. Reading is open unless ``PDZ_API_READ_KEY`` is true.
The key comes in ``X-API-Key`` or ``Authorization: Bearer <key>``.
"""

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
    return request.app.state.settings  # type: ignore[no-any-return]


def presented_key(request: Request) -> str | None:
    key = request.headers.get("x-api-key", "").strip()
    auth = request.headers.get("authorization", "")
    if not key and auth[:7].lower() == "bearer ":
        key = auth[7:].strip()
    return key or None


def check_key(request: Request, expected: str | None) -> None:
    if not expected:
        raise ApiProblem(
            403, "Scrittura disabilitata",
            "Caricamenti e rimozioni sono disabilitati: il server non ha una chiave API (PDZ_API_KEY).",
            "scrittura_disabilitata",
        )
    key = presented_key(request)
    if key is None:
        raise ApiProblem(401, "Autenticazione richiesta", "Serve una chiave API (intestazione X-API-Key o Authorization: Bearer).", "chiave_mancante")
    if not hmac.compare_digest(key.encode(), expected.encode()):
        raise ApiProblem(403, "Accesso negato", "La chiave API non è valida.", "chiave_non_valida")


SettingsDep = Annotated[Settings, Depends(get_settings)]
AssistantDep = Annotated[Assistant, Depends(get_assistant)]
JobsDep = Annotated[JobRunner, Depends(get_jobs)]


def require_write_key(request: Request, settings: SettingsDep) -> None:
    """Write endpoints need the API key; without a configured key they are disabled."""
    check_key(request, settings.api_key)


def require_read_key(request: Request, settings: SettingsDep) -> None:
    """Reading is open unless PDZ_API_READ_KEY is true."""
    if settings.api_read_key:
        check_key(request, settings.api_key)
