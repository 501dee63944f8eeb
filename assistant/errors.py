"""Errors of the assistant layer (generative backend, requests), under the one ``PdzError`` root."""

from __future__ import annotations

from ingest.errors import ConfigError, NotFound, PdzError, StoreUnavailable

__all__ = ["ConfigError", "LLMTimeout", "LLMUnavailable", "LLMNotConfigured", "NotFound", "PdzError", "StoreUnavailable"]


class LLMUnavailable(PdzError):
    """The configured chat model could not be reached or answered with an error."""

    code = "llm_non_raggiungibile"


class LLMTimeout(PdzError):
    """The configured chat model did not answer in time."""

    code = "llm_timeout"


class LLMNotConfigured(ConfigError):
    """A generative feature was asked for with no ``PDZ_LLM_MODEL``."""

    code = "llm_non_configurato"
