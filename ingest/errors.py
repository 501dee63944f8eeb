"""Ingestion errors: stable codes and Italian user messages."""

from __future__ import annotations


class PdzError(Exception):
    """Base of every error the project raises on purpose.

    ``code`` is stable (scripts and the API rely on it); ``message`` is the
    Italian text shown to users.
    """

    code = "errore"
    status = 500

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class InputError(PdzError):
    """A file that cannot be ingested (the other files still are)."""

    code = "input_non_valido"
    status = 422

    def __init__(self, source: str, reason: str, *, code: str | None = None) -> None:
        super().__init__(f"{source}: {reason}", code=code)
        self.source = source
        self.reason = reason


class UnsupportedFormat(InputError):
    code = "formato_non_supportato"
    status = 415


class EmptyDocument(InputError):
    code = "documento_vuoto"


class CorruptDocument(InputError):
    code = "documento_corrotto"


class EncryptedDocument(InputError):
    code = "documento_cifrato"


class NoTextLayer(InputError):
    code = "senza_testo"


class UndecodableText(InputError):
    code = "codifica_non_riconosciuta"


class FileTooLarge(InputError):
    code = "file_troppo_grande"
    status = 413


class NotFound(PdzError):
    code = "non_trovato"
    status = 404


class StoreUnavailable(PdzError):
    code = "archivio_non_raggiungibile"
    status = 503


class ConfigError(PdzError):
    code = "configurazione_non_valida"
    status = 500
