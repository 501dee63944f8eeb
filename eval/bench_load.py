"""Load benchmark of a running API: concurrent asks (JSON and SSE) idle and during an ingestion.

    .venv/bin/python -m eval.bench_load --url http://127.0.0.1:8000 --n 50 [--key K] [--json]

Not a test: it measures a server someone started (``pdz serve`` or ``python -m
api.server``) over a real index, e.g. a copy of a ready data dir. Point it at a
throw-away copy: it uploads (and then deletes) one document.

1. **Idle**: 20 streamed asks one after the other (time to first event of a lone
   client), then ``--n`` concurrent ``POST /v1/ask`` (JSON), then ``--n`` concurrent
   streamed asks (SSE), questions taken in turn from the dev set; latency of each
   request, and for SSE the time to the first event.
2. **During an ingestion**: a modified copy of the largest plan of ``--corpus``
   (``001_*`` when present; one line appended so it is not refused as a duplicate)
   is uploaded under a new name, twice. First upload: ``GET /v1/objectives`` is
   polled alone from the upload until the document is ``pronto`` (phase 1, text,
   then phase 2, embeddings). Second upload: the same JSON and SSE rounds run while
   its job runs (phase 1, ``testo``) and again while its embeddings are computed
   (phase 2, ``embedding``), the objectives still polled. Each copy is deleted at the end.

Prints p50/p95/max, errors (non-2xx or transport failures), SSE time-to-first-event
and ``GET /v1/objectives`` p95 during the ingestion. The server's rate limits apply
to this client like to any other: raise them for the run (``PDZ_RATE_ASK_PER_MINUTE=0``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

DEV_SET = Path("/work/shared/eval/qa_dev.jsonl")
FALLBACK_QUESTIONS = [
    "Come si attiva il voucher dimissioni protette?",
    "Quali sono gli obiettivi del Piano di Zona dell'ambito di Crema?",
    "Chi gestisce il servizio di assistenza domiciliare?",
]


@dataclass
class Round:
    """Latencies (seconds) of one batch of concurrent requests."""

    name: str
    latencies: list[float] = field(default_factory=list)
    first_event: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "requests": len(self.latencies) + len(self.errors),
                               "errors": len(self.errors), **_stats("latency", self.latencies)}
        if self.first_event:
            out |= _stats("first_event", self.first_event)
        if self.errors:
            out["error_samples"] = sorted(set(self.errors))[:5]
        return out


def _percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def _stats(prefix: str, values: Sequence[float]) -> dict[str, float]:
    if not values:
        return {}
    return {f"{prefix}_p50": round(statistics.median(values), 3), f"{prefix}_p95": round(_percentile(values, 95), 3),
            f"{prefix}_max": round(max(values), 3)}


def questions(path: Path = DEV_SET) -> list[str]:
    if not path.is_file():
        return FALLBACK_QUESTIONS
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [str(r["question"]) for r in rows if r.get("question")] or FALLBACK_QUESTIONS


def ask_json(client: httpx.Client, question: str) -> tuple[float, float | None]:
    started = time.perf_counter()
    r = client.post("/v1/ask", json={"question": question})
    if r.status_code != 200:
        raise RuntimeError(f"HTTP {r.status_code}")
    return time.perf_counter() - started, None


def ask_sse(client: httpx.Client, question: str) -> tuple[float, float | None]:
    started = time.perf_counter()
    first: float | None = None
    with client.stream("POST", "/v1/ask", json={"question": question, "stream": True}) as r:
        if r.status_code != 200:
            raise RuntimeError(f"HTTP {r.status_code}")
        text = ""
        for chunk in r.iter_text():
            if first is None and "event:" in chunk:
                first = time.perf_counter() - started
            text += chunk
        if "event: done" not in text:
            raise RuntimeError("stream without done")
    return time.perf_counter() - started, first


def run_round(url: str, name: str, call: Callable[[httpx.Client, str], tuple[float, float | None]],
              asked: Sequence[str], n: int) -> Round:
    """``n`` requests at once (one thread and one connection each)."""
    result = Round(name)
    barrier = threading.Barrier(n)

    def one(i: int) -> None:
        with httpx.Client(base_url=url, timeout=300) as client:
            barrier.wait()
            try:
                latency, first = call(client, asked[i % len(asked)])
            except (httpx.HTTPError, RuntimeError) as exc:
                result.errors.append(f"{type(exc).__name__}: {exc}")
                return
            result.latencies.append(latency)
            if first is not None:
                result.first_event.append(first)

    with ThreadPoolExecutor(max_workers=n) as pool:
        list(pool.map(one, range(n)))
    return result


def run_sequential(url: str, name: str, call: Callable[[httpx.Client, str], tuple[float, float | None]],
                   asked: Sequence[str], n: int) -> Round:
    """``n`` requests one after the other: the latency of a lone client (SSE: time to first event)."""
    result = Round(name)
    with httpx.Client(base_url=url, timeout=300) as client:
        for i in range(n):
            try:
                latency, first = call(client, asked[i % len(asked)])
            except (httpx.HTTPError, RuntimeError) as exc:
                result.errors.append(f"{type(exc).__name__}: {exc}")
                continue
            result.latencies.append(latency)
            if first is not None:
                result.first_event.append(first)
    return result


def poll_objectives(url: str, stop: threading.Event, out: Round) -> None:
    with httpx.Client(base_url=url, timeout=300) as client:
        while not stop.is_set():
            started = time.perf_counter()
            try:
                r = client.get("/v1/objectives")
                if r.status_code == 200:
                    out.latencies.append(time.perf_counter() - started)
                else:
                    out.errors.append(f"HTTP {r.status_code}")
            except httpx.HTTPError as exc:
                out.errors.append(type(exc).__name__)
            stop.wait(0.2)


def largest_plan(corpus: Path) -> Path:
    files = sorted(corpus.glob("001_*")) or sorted(p for p in corpus.iterdir() if p.suffix in (".txt", ".md", ".pdf"))
    return max(files, key=lambda p: p.stat().st_size)


def upload_copy(client: httpx.Client, plan: Path, key: str) -> str:
    """Upload a modified copy (not a duplicate) of ``plan``; return the job id."""
    name = f"bench-carico-{int(time.time())}{plan.suffix}"
    body = plan.read_bytes() + f"\n\nCopia di prova del benchmark di carico ({time.ctime()}).\n".encode()
    r = client.post("/v1/documents", files={"file": (name, body, "text/plain")}, headers={"X-API-Key": key})
    if r.status_code != 202:
        raise SystemExit(f"upload refused: {r.status_code} {r.text}")
    return str(r.json()["id"])


def wait_running(client: httpx.Client, job_id: str, key: str) -> None:
    while client.get(f"/v1/jobs/{job_id}", headers={"X-API-Key": key}).json()["status"] == "queued":
        time.sleep(0.05)


def job_status(client: httpx.Client, job_id: str, key: str) -> dict[str, Any]:
    return client.get(f"/v1/jobs/{job_id}", headers={"X-API-Key": key}).json()  # type: ignore[no-any-return]


def document_state(client: httpx.Client, doc_id: str) -> str:
    for doc in client.get("/v1/documents").json():
        if doc.get("doc_id") == doc_id:
            return str(doc.get("state", ""))
    return ""


def ingest_while(client: httpx.Client, args: argparse.Namespace, plan: Path, rounds: Callable[[str], None],
                 objectives: Round, limit: float = 600.0) -> tuple[str | None, float]:
    """Upload a copy of ``plan``; run ``rounds("testo")`` while its job runs (phase 1) and
    ``rounds("embedding")`` while its embeddings are computed (phase 2), polling the objectives
    table meanwhile; wait until the document is ``pronto``, delete it, return (doc_id, seconds)."""
    job_id = upload_copy(client, plan, args.key)
    wait_running(client, job_id, args.key)
    started = time.perf_counter()
    stop = threading.Event()
    poller = threading.Thread(target=poll_objectives, args=(args.url, stop, objectives), daemon=True)
    poller.start()
    try:
        if job_status(client, job_id, args.key)["status"] == "running":
            rounds("testo")
        job = job_status(client, job_id, args.key)
        while job["status"] in ("queued", "running"):
            time.sleep(0.2)
            job = job_status(client, job_id, args.key)
        doc_id = next((o["doc_id"] for o in job["outcomes"] if o["doc_id"] and o["status"] == "indicizzato"), None)
        if doc_id is None:
            raise SystemExit(f"upload not indexed: {job}")
        if document_state(client, doc_id) != "pronto":
            rounds("embedding")
        while document_state(client, doc_id) != "pronto" and time.perf_counter() - started < limit:
            time.sleep(0.5)
    finally:
        stop.set()
        poller.join()
    seconds = round(time.perf_counter() - started, 1)
    client.delete(f"/v1/documents/{doc_id}", headers={"X-API-Key": args.key})
    return doc_id, seconds


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m eval.bench_load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--n", type=int, default=50, help="concurrent requests per round")
    parser.add_argument("--key", default=os.environ.get("PDZ_API_KEY", ""), help="API key for the upload")
    parser.add_argument("--corpus", type=Path, default=Path("corpus"))
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    asked = questions()
    results: dict[str, Any] = {"url": args.url, "n": args.n}

    with httpx.Client(base_url=args.url, timeout=300) as client:
        if client.get("/ready").status_code != 200:
            raise SystemExit("server not ready")
        run_round(args.url, "warm-up", ask_json, asked, 4)
        idle = [run_sequential(args.url, "idle sse, one client", ask_sse, asked, 20),
                run_round(args.url, "idle json", ask_json, asked, args.n),
                run_round(args.url, "idle sse", ask_sse, asked, args.n)]

        plan = largest_plan(args.corpus)
        # 1. the objectives table alone, through a whole ingestion (text, then embeddings)
        objectives = Round("objectives during ingestion")
        doc_id, seconds = ingest_while(client, args, plan, lambda _phase: None, objectives)
        results["ingestion_objectives"] = {"doc_id": doc_id, "seconds": seconds}
        # 2. concurrent asks during phase 1 (text) and phase 2 (embeddings) of a second upload
        busy: list[Round] = []
        with_asks = Round("objectives during ingestion, with asks")

        def ask_rounds(phase: str) -> None:
            for name, call in ((f"{phase} json", ask_json), (f"{phase} sse", ask_sse)):
                busy.append(run_round(args.url, name, call, asked, args.n))

        doc_id, seconds = ingest_while(client, args, plan, ask_rounds, with_asks)
        results["ingestion"] = {"file": plan.name, "doc_id": doc_id, "seconds": seconds,
                                "rounds": [r.name for r in busy]}
        objectives_rounds = [objectives, with_asks]

    results["rounds"] = [r.summary() for r in idle + busy + objectives_rounds]
    if args.json:
        print(json.dumps(results, indent=2, ensure_ascii=False))
        return
    print(f"{args.url}  n={args.n}  copies of {plan.name}: objectives alone {results['ingestion_objectives']}, "
          f"with asks {results['ingestion']}")
    for row in results["rounds"]:
        extra = ""
        if "first_event_p50" in row:
            extra = f"  first event p50 {row['first_event_p50']:.3f} p95 {row['first_event_p95']:.3f} max {row['first_event_max']:.3f}"
        print(f"{row['name']:<30} {row['requests']:>4} req  {row['errors']:>3} err  "
              f"p50 {row.get('latency_p50', float('nan')):.3f}  p95 {row.get('latency_p95', float('nan')):.3f}  "
              f"max {row.get('latency_max', float('nan')):.3f}{extra}")
        for sample in row.get("error_samples", []):
            print(f"    {sample}")


if __name__ == "__main__":
    main()
