"""Background ingestion jobs: a thread-safe in-memory registry and two worker threads.

Ingestion is serialised (one upload at a time, in submission order); requests never
wait for it. A job runs phase 1 of indexing (text: the document is searchable by its
words when the job is done); phase 2 (embeddings) runs on a second thread at lower
CPU priority, woken after each job and once at start (to resume documents a stopped
process left unembedded), so the next upload never waits for an embedding. Each job owns the folder its upload was stored in and removes it when it
ends: the index keeps the document's text, so the uploaded file is not needed after.
"""

from __future__ import annotations

import logging
import queue
import shutil
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ingest.errors import PdzError
from ingest.pipeline import IngestReport

log = logging.getLogger(__name__)
JobStatus = Literal["queued", "running", "done", "failed"]
FINISHED: tuple[JobStatus, ...] = ("done", "failed")
INTERNAL_ERROR = {"code": "errore_interno", "detail": "Errore imprevisto durante l'indicizzazione."}
STOPPED_ERROR = {"code": "servizio_in_arresto", "detail": "Il servizio si è arrestato prima dell'indicizzazione: ricarica il file."}


@dataclass
class Job:
    """One uploaded file on its way into the index."""

    id: str
    filename: str
    status: JobStatus = "queued"
    created_at: float = field(default_factory=time.time)
    started_at: float | None = None
    finished_at: float | None = None
    outcomes: list[dict[str, Any]] = field(default_factory=list)
    error: dict[str, str] | None = None
    doc_id: str | None = None  # the id the file will get, for the documents list while queued

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "filename": self.filename, "status": self.status, "created_at": self.created_at,
            "started_at": self.started_at, "finished_at": self.finished_at,
            "outcomes": [dict(o) for o in self.outcomes], "error": dict(self.error) if self.error else None,
        }


def _outcomes(report: IngestReport) -> list[dict[str, Any]]:
    return [
        {
            "file": o.path.name, "status": o.status, "doc_id": o.doc_id, "chunks": o.chunks,
            "error": {"code": o.error.code, "detail": o.error.message} if o.error is not None else None,
        }
        for o in report.outcomes
    ]


EmbedPending = Callable[..., Any]  # called as ``embed(cancel=stopping)``


class JobRunner:
    """Runs ``ingest(path)`` for each submitted upload, one at a time, off the request threads;
    then ``embed(cancel=...)`` (phase 2, when given) on a low-priority thread."""

    def __init__(
        self, ingest: Callable[[Path], IngestReport], *, embed: EmbedPending | None = None, keep: int = 500
    ) -> None:
        self._ingest = ingest
        self._embed = embed
        self._keep = keep
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()
        self._queue: queue.Queue[tuple[str, Path] | None] = queue.Queue()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._work, name="pdz-ingest-jobs", daemon=True)
        self._thread.start()
        self._embed_wanted = threading.Event()
        self._embed_thread: threading.Thread | None = None
        if embed is not None:
            self._embed_thread = threading.Thread(target=self._embed_work, name="pdz-embed", daemon=True)
            self._embed_thread.start()
            self._embed_wanted.set()  # resume what a stopped process left unembedded

    def submit(self, filename: str, path: Path, *, doc_id: str | None = None) -> dict[str, Any]:
        """Queue ``path`` (alone in its own folder) and return the job as the client sees it."""
        job = Job(id=uuid.uuid4().hex, filename=filename, doc_id=doc_id)
        with self._lock:
            self._jobs[job.id] = job
            self._forget_old()
            snapshot = job.to_dict()
        self._queue.put((job.id, path))
        return snapshot

    def get(self, job_id: str) -> dict[str, Any] | None:
        with self._lock:
            job = self._jobs.get(job_id)
            return job.to_dict() if job else None

    def waiting(self) -> list[tuple[str, str]]:
        """(doc_id, filename) of the uploads not yet indexed (queued or running)."""
        with self._lock:
            return [(j.doc_id, j.filename) for j in self._jobs.values() if j.status in ("queued", "running") and j.doc_id]

    def stop(self, timeout: float = 30) -> None:
        """Finish the running job (if any), drop the queued ones, stop embedding at the next batch, end the workers."""
        self._stopping.set()
        self._queue.put(None)
        self._embed_wanted.set()
        self._thread.join(timeout=timeout)
        if self._embed_thread is not None:
            self._embed_thread.join(timeout=timeout)

    def _embed_work(self) -> None:
        from assistant.priority import lower_current_thread

        lower_current_thread()  # embeddings must not slow answers down
        assert self._embed is not None
        while True:
            self._embed_wanted.wait()
            if self._stopping.is_set():
                return
            self._embed_wanted.clear()
            try:
                self._embed(cancel=self._stopping.is_set)
            except Exception:  # noqa: BLE001 - failures are recorded per document; the worker lives on
                log.exception("background embedding failed")

    def _forget_old(self) -> None:
        finished = [k for k, j in self._jobs.items() if j.status in FINISHED]
        for key in finished[: max(0, len(self._jobs) - self._keep)]:
            del self._jobs[key]

    def _update(self, job_id: str, **changes: Any) -> None:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is not None:
                for name, value in changes.items():
                    setattr(job, name, value)

    def _work(self) -> None:
        while (item := self._queue.get()) is not None:
            job_id, path = item
            try:
                if self._stopping.is_set():
                    self._update(job_id, status="failed", error=STOPPED_ERROR, finished_at=time.time())
                    continue
                self._update(job_id, status="running", started_at=time.time())
                self._run(job_id, path)
            finally:
                shutil.rmtree(path.parent, ignore_errors=True)
                self._embed_wanted.set()

    def _run(self, job_id: str, path: Path) -> None:
        try:
            outcomes = _outcomes(self._ingest(path))
        except PdzError as exc:
            self._update(job_id, status="failed", error={"code": exc.code, "detail": exc.message}, finished_at=time.time())
            return
        except Exception:  # noqa: BLE001 - a job must never kill the worker
            log.exception("ingestion job %s failed", job_id)
            self._update(job_id, status="failed", error=INTERNAL_ERROR, finished_at=time.time())
            return
        failed = [o["error"] for o in outcomes if o["error"] is not None]
        self._update(
            job_id, status="failed" if failed or not outcomes else "done", outcomes=outcomes,
            error=failed[0] if failed else (None if outcomes else INTERNAL_ERROR), finished_at=time.time(),
        )
