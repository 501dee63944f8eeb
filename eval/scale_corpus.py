"""Synthetic corpora for the scale benchmark: real sections recombined under fictional ambiti, and a
cheap deterministic stand-in embedder (token hashes).
"""

from __future__ import annotations

import random
import re
import shutil
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

REPO = Path(__file__).resolve().parent.parent


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
