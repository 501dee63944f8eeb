"""Uploaded files: a safe name, a private folder, a size limit and an early format check.

The client's file name is only ever a name: it is reduced to ASCII letters, digits,
``._-`` and stored as ``data_dir/uploads/<random id>/<name>``, so it can neither
choose a directory nor collide with another upload. The file is read once with the
loader of its format before it is queued, so a corrupt, encrypted or empty file is
answered at once (4xx) instead of becoming a failed job.
"""

from __future__ import annotations

import re
import shutil
import unicodedata
import uuid
from pathlib import Path
from typing import BinaryIO

from api.problems import ApiProblem
from ingest.loaders import SUPPORTED_SUFFIXES, load

_CHUNK = 1024 * 1024
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_filename(name: str) -> str:
    """A file name that is only ever a name: no directories, no odd characters, lower-case suffix."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    stem, dot, suffix = base.rpartition(".")
    if not dot or not stem.strip("._ "):
        stem, suffix = base, ""
    stem = _UNSAFE.sub("_", stem).strip("._") or "documento"
    suffix = _UNSAFE.sub("", suffix).lower()
    return f"{stem[:80]}.{suffix}" if suffix else stem[:80]


def check_suffix(name: str) -> None:
    suffix = Path(name).suffix
    if suffix not in SUPPORTED_SUFFIXES:
        allowed = ", ".join(SUPPORTED_SUFFIXES)
        raise ApiProblem(
            415, "Formato non supportato",
            f"{name}: formato non supportato ({suffix or 'senza estensione'}): formati ammessi {allowed}",
            "formato_non_supportato",
        )


def store_upload(source: BinaryIO, name: str, *, uploads: Path, max_bytes: int, max_mb: int) -> Path:
    """Copy the upload to ``uploads/<random id>/<name>``; refuse it (and leave nothing) past the limit."""
    folder = uploads / uuid.uuid4().hex
    folder.mkdir(parents=True)
    target = folder / name
    size = 0
    try:
        with target.open("wb") as out:
            while chunk := source.read(_CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise ApiProblem(413, "File troppo grande", f"{name}: il file supera il limite di {max_mb} MB.", "file_troppo_grande")
                out.write(chunk)
        load(target, max_bytes=max_bytes)  # early check: the same loader the ingestion will use
    except BaseException:  # refused (ApiProblem, InputError) or broken: leave nothing behind
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return target
