"""Gold datasets: questions with verbatim evidence quotes, and objective records."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ingest.errors import InputError


@dataclass(frozen=True)
class Evidence:
    doc: str
    quote: str


@dataclass(frozen=True)
class GoldQuestion:
    id: str
    question: str
    kind: str
    evidence: tuple[Evidence, ...]
    answer: str = ""
    declared_answerable: bool | None = None
    """The row's ``answerable`` field, when it has one."""

    @property
    def answerable(self) -> bool:
        if self.declared_answerable is False:
            return False
        return self.kind != "unanswerable" and bool(self.evidence)


def load_questions(path: Path) -> list[GoldQuestion]:
    """Read a JSONL file in the format of ``qa_dev.jsonl``."""
    rows: list[GoldQuestion] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InputError(path.name, f"file non leggibile ({exc.strerror})") from exc
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            rows.append(
                GoldQuestion(
                    id=str(obj["id"]),
                    question=str(obj["question"]),
                    kind=str(obj.get("kind") or "unknown"),
                    evidence=tuple(Evidence(str(e["doc"]), str(e["quote"])) for e in obj.get("evidence") or []),
                    answer=str(obj.get("answer") or ""),
                    declared_answerable=None if obj.get("answerable") is None else bool(obj["answerable"]),
                )
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise InputError(path.name, f"riga {n} non valida: {exc}") from exc
    return rows
