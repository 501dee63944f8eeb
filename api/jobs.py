"""Background ingestion jobs: an in-memory registry and one worker thread (ingestion is serialised)."""

from __future__ import annotations

import queue
import shutil
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ingest.errors import PdzError
from ingest.pipeline import IngestReport


@dataclass
class Job:
    id: str
    filename: str
    status: str = "in_coda"  # in_coda | in_corso | completato | fallito
    created_at: float = field(default_factory=time.time)
    finished_at: float | None = None
    doc_id: str | None = None
    chunks: int = 0
    outcome: str | None = None
    error: dict[str, str] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "filename": self.filename, "status": self.status, "created_at": self.created_at,
            "finished_at": self.finished_at, "doc_id": self.doc_id, "chunks": self.chunks,
            "outcome": self.outcome, "error": self.error,
        }


class JobRunner:
    """Runs ``ingest([path])`` for each submitted upload, one at a time, off the request threads."""

    def __init__(self, ingest: Callable[[list[Path]], IngestReport]) -> None:
        self._ingest = ingest
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._queue: queue.Queue[tuple[Job, Path] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._work, name="pdz-ingest-jobs", daemon=True)
        self._thread.start()

    def submit(self, filename: str, path: Path) -> Job:
        job = Job(id=uuid.uuid4().hex, filename=filename)
        with self._lock:
            self._jobs[job.id] = job
        self._queue.put((job, path))
        return job

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def stop(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=30)

    def _work(self) -> None:
        while (item := self._queue.get()) is not None:
            job, path = item
            job.status = "in_corso"
            try:
                report = self._ingest([path])
                outcome = report.outcomes[0]
                job.outcome, job.doc_id, job.chunks = outcome.status, outcome.doc_id, outcome.chunks
                if outcome.error is not None:
                    job.status = "fallito"
                    job.error = {"code": outcome.error.code, "detail": outcome.error.message}
                else:
                    job.status = "completato"
            except PdzError as exc:
                job.status, job.error = "fallito", {"code": exc.code, "detail": exc.message}
            except Exception:  # noqa: BLE001 - a job must never kill the worker
                job.status = "fallito"
                job.error = {"code": "errore_interno", "detail": "Errore imprevisto durante l'indicizzazione."}
            finally:
                job.finished_at = time.time()
                shutil.rmtree(path.parent, ignore_errors=True)
