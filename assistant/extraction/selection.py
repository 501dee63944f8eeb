"""What an objective table shows: objectives and guidelines above a score threshold.

A pure function over records (``Objective`` models or their JSON dicts), so the
CLI (``--all``), the API (``?include=candidates``) and the evaluation share one rule.
Lower-scored candidates and other categories (previous-plan results, analysis,
headings) are never dropped by extraction: ``include_candidates=True`` returns them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from assistant.extraction.schema import SHOWN_CATEGORIES, Objective

THRESHOLD = 0.5
"""Minimum score of a shown record (chosen on the dev chapters of the Cremona plan)."""

R = TypeVar("R", Objective, Mapping[str, Any])


def _get(record: Objective | Mapping[str, Any], name: str, default: Any) -> Any:
    if isinstance(record, Mapping):
        return record.get(name, default)
    return getattr(record, name, default)


def is_shown(record: Objective | Mapping[str, Any], threshold: float = THRESHOLD) -> bool:
    """True for an objective or guideline (not a previous-plan result) scoring at least ``threshold``."""
    return (
        _get(record, "category", "objective") in SHOWN_CATEGORIES
        and _get(record, "scope", "plan") != "previous"
        and float(_get(record, "score", 1.0)) >= threshold
    )


def select(records: Iterable[R], include_candidates: bool = False, threshold: float = THRESHOLD) -> list[R]:
    """The records a table shows by default, or every record when ``include_candidates``."""
    if include_candidates:
        return list(records)
    return [r for r in records if is_shown(r, threshold)]
