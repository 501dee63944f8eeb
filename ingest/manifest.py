"""Document metadata: read from ``manifest.yaml`` or detected from the text."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from dataclasses import replace
from pathlib import Path

import yaml

from ingest.errors import ConfigError
from ingest.schemas import KINDS, DocumentMeta

MANIFEST_NAME = "manifest.yaml"

# A place name: capitalised words on one line, possibly joined by an elision ("Valle Camonica", "Cassano d'Adda").
_PLACE = r"([A-ZÀ-Ý][\w’'-]+(?:[ \t]+(?:d[ei]?['’][ \t]*)?[A-ZÀ-Ý][\w’'-]+){0,3})"
_OF = r"[ \t]+(?:di|del|della|dell['’]|dei)[ \t]*"
# How plans name their ambito: "Ambito distrettuale di X", "Distretto sociale di X", "Piano di Zona ... di X".
_AMBITO_NAMES = (
    re.compile(r"\b(?i:ambit[oi](?:[ \t]+(?:territoriale|distrettuale|sociale|di[ \t]+zona|zonale))*)" + _OF + _PLACE),
    re.compile(r"\b(?i:distrett[oi](?:[ \t]+(?:socio[- ]?sanitario|sociale|socio[- ]?assistenziale))*)" + _OF + _PLACE),
    re.compile(r"\b(?i:piano[ \t]+di[ \t]+zona)\b[^\n.]{0,60}?" + _OF + _PLACE),
)
# Or by a place adjective: "distretto cremasco", "ambito lodigiano" is not caught, "territorio casalasco" is.
_AMBITO_ADJECTIVE = re.compile(r"\b(?i:ambito|distretto|territorio|piano di zona)[ \t]+([a-z]+(?:asc[oa]|esc[oa]|ense|ese))\b")
# Capitalised words that name a kind of body or document, not a place.
_NOT_PLACES = {
    "Piano", "Zona", "Ambito", "Distretto", "Comune", "Comuni", "Regione", "Provincia", "Sindaci", "Assemblea",
    "Accordo", "Ufficio", "Programma", "Legge", "Servizi", "Servizio",
}
_PERIOD = re.compile(r"\b(20\d\d)\s*[-–/]\s*(20\d\d|\d\d)\b")


_PARSED: dict[tuple[str, int, int], dict[str, DocumentMeta]] = {}


def load_manifest(path: Path) -> dict[str, DocumentMeta]:
    """Entries of a manifest file keyed by source file name (parsed once per file content: size and mtime)."""
    try:
        stat = path.stat()
    except OSError as exc:
        raise ConfigError(f"Manifest non leggibile: {path}: {exc}") from exc
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    if key not in _PARSED:
        _PARSED.clear()  # one manifest is in use at a time; keep memory flat
        _PARSED[key] = _parse_manifest(path)
    return dict(_PARSED[key])


def _parse_manifest(path: Path) -> dict[str, DocumentMeta]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"Manifest non leggibile: {path}: {exc}") from exc
    entries = data.get("documents") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise ConfigError(f"Manifest non valido: {path}: manca l'elenco «documents».")
    out: dict[str, DocumentMeta] = {}
    seen_ids: set[str] = set()
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or not entry.get("doc_id") or not entry.get("source"):
            raise ConfigError(f"Manifest non valido: {path}: la voce {i + 1} non ha doc_id e source.")
        kind = str(entry.get("kind") or "altro")
        if kind not in KINDS:
            raise ConfigError(f"Manifest non valido: {path}: tipo «{kind}» non ammesso ({', '.join(KINDS)}).")
        doc_id = str(entry["doc_id"])
        if doc_id in seen_ids:
            raise ConfigError(f"Manifest non valido: {path}: doc_id ripetuto «{doc_id}».")
        seen_ids.add(doc_id)
        out[str(entry["source"])] = DocumentMeta(
            doc_id=doc_id,
            source=str(entry["source"]),
            title=str(entry.get("title") or entry["source"]),
            ambito=_opt(entry.get("ambito")),
            period=_opt(entry.get("period")),
            kind=kind,
            date=_opt(entry.get("date")),
            detected=False,
            aliases=_aliases(entry.get("aliases"), path),
        )
    return _share_aliases(out)


def _aliases(value: object, path: Path) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"Manifest non valido: {path}: «aliases» deve essere un elenco di nomi.")
    return tuple(v.strip() for v in value if v.strip())


def _share_aliases(entries: dict[str, DocumentMeta]) -> dict[str, DocumentMeta]:
    """Every document of an ambito carries the aliases given for any of them."""
    shared: dict[str, list[str]] = {}
    for meta in entries.values():
        if meta.ambito:
            names = shared.setdefault(meta.ambito.lower(), [])
            names.extend(a for a in meta.aliases if a not in names)
    return {
        source: replace(meta, aliases=tuple(shared[meta.ambito.lower()])) if meta.ambito else meta
        for source, meta in entries.items()
    }


def _opt(value: object) -> str | None:
    return None if value is None or value == "" else str(value)


def manifest_for(path: Path) -> dict[str, DocumentMeta]:
    """The manifest that sits in the file's folder, if any."""
    candidate = path.parent / MANIFEST_NAME
    return load_manifest(candidate) if candidate.is_file() else {}


def slugify(text: str) -> str:
    """A stable ASCII id for a name; names with no Latin letters (``文書``) get a short hash, never a shared id."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if slug:
        return slug
    return "documento-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:10] if text.strip() else "documento"


def detect_meta(source: str, text: str) -> DocumentMeta:
    """Best-effort metadata for a document that has no manifest entry."""
    head = text[:5000]
    ambito = _detect_ambito(head) or _detect_ambito(text)
    period = _detect_period(text)
    kind = _detect_kind(head, text)
    title = _detect_title(text) or source
    return DocumentMeta(
        doc_id=slugify(Path(source).stem),
        source=source,
        title=title,
        ambito=ambito,
        period=period,
        kind=kind,
        date=None,
        detected=True,
    )


def _detect_ambito(text: str) -> str | None:
    """The place the document names most often as its ambito, district or plan's territory."""
    counts: Counter[str] = Counter()
    for rx in _AMBITO_NAMES:
        for m in rx.finditer(text):
            place = m.group(1).strip(" '’-")
            if place.split()[0] not in _NOT_PLACES and not place.isupper():
                counts[place] += 1
    if not counts:
        counts.update(m.group(1).capitalize() for m in _AMBITO_ADJECTIVE.finditer(text))
    return counts.most_common(1)[0][0] if counts else None


def _detect_period(text: str) -> str | None:
    periods: Counter[str] = Counter()
    for m in _PERIOD.finditer(text):
        start, end = int(m.group(1)), m.group(2)
        end_year = int(end) if len(end) == 4 else 2000 + int(end)
        if 0 < end_year - start <= 4:
            periods[f"{start}-{end_year}"] += 1
    return periods.most_common(1)[0][0] if periods else None


def _detect_kind(head: str, text: str) -> str:
    low = head.lower()
    if "verbale" in low[:2000]:
        return "verbale"
    if "regolamento" in low[:1000]:
        return "regolamento"
    lines = [ln for ln in text.splitlines() if ln.strip()]
    short = sum(len(ln) < 80 for ln in lines) / max(len(lines), 1)
    if text.lower().count("piano di zona") >= 5 and len(text) > 30000:
        return "piano"
    if short > 0.7 and len(text) < 40000:
        return "presentazione"
    return "piano" if "piano di zona" in low else "altro"


def _detect_title(text: str) -> str | None:
    for line in text.splitlines()[:40]:
        clean = re.sub(r"[#*_]+", "", line).strip()
        if len(clean) >= 10 and sum(c.isalpha() for c in clean) >= 8:
            return clean[:200]
    return None
