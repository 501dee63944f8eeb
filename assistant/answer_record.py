"""The answer record exchanged by the service, the CLI and the API."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from assistant.citations import Citation

Status = Literal["answered", "partial", "not_found"]
STATUSES: tuple[Status, ...] = ("answered", "partial", "not_found")


@dataclass
class Answer:
    """A cited answer and how well the documents ground it.

    ``status``: ``answered`` (the evidence holds what was asked), ``partial``
    (the answer says what the documents lack, then gives the closest
    evidence) or ``not_found`` (nothing relevant; ``abstained`` is then true).
    """

    question: str
    answer: str
    abstained: bool
    citations: list[Citation] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)
    backend: str = "estrattivo"
    status: Status | None = None

    def __post_init__(self) -> None:
        if self.status is None:
            self.status = "not_found" if self.abstained else "answered"
        if self.status not in STATUSES:
            raise ValueError(f"unknown answer status {self.status!r}")
        self.abstained = self.status == "not_found"
