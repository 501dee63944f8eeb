"""Uploaded files: a safe name, a private folder, a size limit and an early format check.

The client's file name is only ever a name: accented Latin letters become ASCII,
letters, marks and digits of other scripts are kept (``文書.txt`` stays ``文書.txt``),
anything else becomes ``_``; it is stored as ``data_dir/uploads/<random id>/<name>``,
so it can neither choose a directory nor collide with another upload. The file is read once with the
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
from ingest.loaders import load, loader_for

_CHUNK = 1024 * 1024
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_DROPPED = "\x00"
_MAX_STEM_CHARS = 80
_MAX_STEM_BYTES = 200  # file systems allow 255 bytes per name; CJK letters take 3 each


def _safe_char(ch: str) -> str:
    """ASCII for Latin letters with accents, the letter itself for other scripts, else a placeholder."""
    if ch.isascii():
        return ch if ch.isalnum() or ch in "._-" else _DROPPED
    ascii_form = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode()
    if ascii_form and all(c.isalnum() for c in ascii_form):
        return ascii_form
    return ch if unicodedata.category(ch)[0] in "LMN" else _DROPPED


def _safe_stem(stem: str) -> str:
    text = re.sub(f"{_DROPPED}+", "_", "".join(_safe_char(ch) for ch in stem)).strip("._")
    text = text[:_MAX_STEM_CHARS]
    while len(text.encode()) > _MAX_STEM_BYTES:
        text = text[:-1]
    return unicodedata.normalize("NFC", text) or "documento"


def safe_filename(name: str) -> str:
    """A file name that is only ever a name: no directories, no odd characters, lower-case ASCII suffix."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = unicodedata.normalize("NFKC", base)
    stem, dot, suffix = base.rpartition(".")
    if not dot or not stem.strip("._ "):
        stem, suffix = base, ""
    stem = _safe_stem(stem)
    suffix = _UNSAFE.sub("", unicodedata.normalize("NFKD", suffix).encode("ascii", "ignore").decode()).lower()
    return f"{stem}.{suffix}" if suffix else stem


def check_suffix(name: str) -> None:
    """Refuse at once a name no loader reads (the loaders' own check: ``UnsupportedFormat``, 415)."""
    loader_for(name)


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


def discard_upload(path: Path) -> None:
    """Remove a stored upload that will not be queued (its private folder with it)."""
    shutil.rmtree(path.parent, ignore_errors=True)
