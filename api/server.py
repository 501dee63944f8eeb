"""Run the API and widget with uvicorn."""

from __future__ import annotations

import uvicorn

from api.app import create_app
from assistant.settings import Settings


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 8000) -> None:
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")
