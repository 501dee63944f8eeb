"""The objective record: strict, with an evidence span for the objective and every field item.

Field values are plain strings (as in ``objectives_sample.json``); ``spans``
maps each field name to the canonical-text spans of its values, in the same
order (one ``[start, end]`` per list item; one for a scalar field).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

LIST_FIELDS = ("actions", "indicators", "targets")
CATEGORIES = ("objective", "guideline", "previous", "analysis", "heading")
SHOWN_CATEGORIES = ("objective", "guideline")
"""Categories a plan's objective table shows by default (above the score threshold)."""
TEXT_FIELDS = ("title", "statement", "timing", "resources", "tools", "evaluation_tools", "kind", "label", "area")


class Objective(BaseModel):
    """One objective a plan sets, grounded in the document's canonical text."""

    model_config = ConfigDict(extra="forbid")

    objective_id: str
    doc_id: str
    source: str
    ambito: str | None = None
    period: str | None = None
    area: str | None = None
    label: str | None = None
    title: str
    kind: str | None = None
    statement: str | None = None
    actions: list[str] = Field(default_factory=list)
    indicators: list[str] = Field(default_factory=list)
    targets: list[str] = Field(default_factory=list)
    timing: str | None = None
    resources: str | None = None
    tools: str | None = None
    evaluation_tools: str | None = None
    page: int | None = None
    section: str = ""
    scope: Literal["plan", "regional", "previous"] = "plan"
    """Whose objective: ``plan`` the ambito's own; ``regional`` a guideline of the Region (or State) the plan
    restates; ``previous`` a result of an earlier plan reported in this document, not an objective of it."""
    category: Literal["objective", "guideline", "previous", "analysis", "heading"] = "objective"
    """What the passage is: an objective, a guideline (line of direction), a previous-plan result, an
    analysis/finding, or a heading. Structured shapes (numbered objectives, tables) are objectives."""
    score: float = Field(default=1.0, ge=0.0, le=1.0)
    """Confidence that the record is what ``category`` says, from the cues that fired."""
    reason: str = ""
    """The cue(s) that decided the category, in plain words (e.g. the lead-in sentence)."""
    extractor: Literal["sectioned", "table", "prose", "llm"] = "sectioned"
    char_start: int
    char_end: int
    spans: dict[str, list[tuple[int, int]]] = Field(default_factory=dict)
