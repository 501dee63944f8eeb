"""Fixtures of the objective tests: a plan's metadata and a parser of purpose-made plan texts."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from assistant.extraction.extractor import extract_objectives, parse_text
from assistant.extraction.schema import Objective
from ingest.schemas import DocumentMeta


@pytest.fixture
def plan_meta() -> DocumentMeta:
    return DocumentMeta("prova", "prova.txt", "Piano di prova", "Cremona", "2019-2020", "piano")


@pytest.fixture
def extract(plan_meta: DocumentMeta) -> Callable[[str], tuple[str, list[Objective]]]:
    """Canonical text and every candidate record of a plan text (nothing filtered)."""

    def run(raw: str) -> tuple[str, list[Objective]]:
        doc = parse_text(raw, plan_meta)
        return doc.canonical.text, extract_objectives(doc)

    return run
