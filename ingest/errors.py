"""The project's error catalogue (ingestion and storage part): stable codes and Italian messages.

Every error the project raises on purpose is a :class:`PdzError` with a stable
``code`` and an Italian ``message``; errors of the assistant layer live in
``assistant/errors.py``. How an error becomes an HTTP status is decided in one
table (``api/problems.py``); the CLI turns every ``PdzError`` into exit code 1.
"""

from __future__ import annotations


class PdzError(Exception):
    """Base of every error the project raises on purpose.

    ``code`` is stable (scripts and the API rely on it); ``message`` is the
    Italian text shown to users.
    """

    code = "errore"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class InputError(PdzError):
    """A file that cannot be ingested (the other files still are)."""

    code = "input_non_valido"

    def __init__(self, source: str, reason: str, *, code: str | None = None) -> None:
        super().__init__(f"{source}: {reason}", code=code)
        self.source = source
        self.reason = reason


class UnsupportedFormat(InputError):
    code = "formato_non_supportato"


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


class DuplicateDocument(InputError):
    """The file's bytes are those of a document already indexed under another id."""

    code = "documento_duplicato"

    def __init__(self, source: str, existing: str) -> None:
        super().__init__(source, f"contenuto identico al documento «{existing}» già indicizzato")
        self.existing = existing


class NotFound(PdzError):
    code = "non_trovato"


class StoreUnavailable(PdzError):
    """A store (Chroma, the objectives database) does not answer: retry later."""

    code = "archivio_non_raggiungibile"


class ConfigError(PdzError):
    code = "configurazione_non_valida"
