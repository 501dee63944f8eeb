"""Documents: list, detail with a text window, upload as a background job, delete."""

from __future__ import annotations

import re
import unicodedata
import uuid
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Query, UploadFile
from fastapi.responses import JSONResponse

from api.deps import AssistantDep, JobsDep, SettingsDep, require_read_key, require_write_key
from api.problems import ApiProblem
from ingest.index import IndexedDocument
from ingest.loaders import SUPPORTED_SUFFIXES

router = APIRouter(prefix="/v1", tags=["documenti"])
_CHUNK = 1024 * 1024


def _meta(doc: IndexedDocument) -> dict[str, Any]:
    m = doc.meta
    return {
        "doc_id": m.doc_id, "source": m.source, "title": m.title, "ambito": m.ambito, "period": m.period,
        "kind": m.kind, "date": m.date, "detected": m.detected, "chunks": doc.chunks, "version": doc.version,
        "pages": len(doc.pages) or None,
    }


@router.get("/documents", summary="Documenti indicizzati", dependencies=[Depends(require_read_key)])
def list_documents(assistant: AssistantDep) -> list[dict[str, Any]]:
    return [_meta(d) for d in assistant.documents()]


@router.get("/documents/{doc_id}", summary="Metadati, sezioni e testo (o una finestra del testo)", dependencies=[Depends(require_read_key)])
def get_document(
    doc_id: str,
    assistant: AssistantDep,
    start: Annotated[int | None, Query(ge=0, description="Inizio dello span (testo canonico).")] = None,
    end: Annotated[int | None, Query(ge=0, description="Fine dello span.")] = None,
    window: Annotated[int, Query(ge=0, le=20000, description="Caratteri di contesto per lato.")] = 600,
) -> dict[str, Any]:
    view = assistant.document(doc_id)
    text = view.canonical.text
    body: dict[str, Any] = _meta(view.document)
    body["sections"] = [
        {"title": s.title, "level": s.level, "path": list(s.path), "start": s.start, "end": s.end} for s in view.sections
    ]
    if start is None and end is None:
        body["text"] = text
        return body
    s, e = start or 0, end if end is not None else (start or 0)
    if not s <= e <= len(text):
        raise ApiProblem(422, "Span non valido", f"Lo span {s}-{e} è fuori dal testo (0-{len(text)}).", "span_non_valido")
    ws, we = max(0, s - window), min(len(text), e + window)
    section = next((x for x in reversed(view.sections) if x.start <= s), None)
    page = None
    if view.document.pages and s < len(text):
        raw = view.canonical.offsets[s]
        page = next((p.number for p in view.document.pages if p.start <= raw <= p.end), None)
    body["window"] = {
        "start": ws, "end": we, "text": text[ws:we], "highlight_start": s - ws, "highlight_end": e - ws,
        "section": " > ".join(section.path) if section else "", "page": page,
    }
    return body


def safe_filename(name: str) -> str:
    """A file name that is only ever a name: no directories, no odd characters."""
    base = Path(name.replace("\\", "/")).name
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    stem, suffix = Path(base).stem, Path(base).suffix.lower()
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("._") or "documento"
    return f"{stem[:80]}{suffix}"


@router.post(
    "/documents",
    status_code=202,
    summary="Carica un documento (indicizzato in background)",
    dependencies=[Depends(require_write_key)],
)
def upload_document(
    file: Annotated[UploadFile, File(description="PDF, DOCX, TXT o MD.")],
    settings: SettingsDep,
    jobs: JobsDep,
) -> JSONResponse:
    name = safe_filename(file.filename or "documento")
    suffix = Path(name).suffix
    if suffix not in SUPPORTED_SUFFIXES:
        raise ApiProblem(
            415, "Formato non supportato",
            f"{name}: formato non supportato ({suffix or 'senza estensione'}): formati ammessi .pdf, .docx, .txt, .md",
            "formato_non_supportato",
        )
    folder = settings.data_dir / "uploads" / uuid.uuid4().hex
    folder.mkdir(parents=True)
    target = folder / name
    size = 0
    with target.open("wb") as out:
        while chunk := file.file.read(_CHUNK):
            size += len(chunk)
            if size > settings.max_bytes:
                out.close()
                target.unlink(missing_ok=True)
                folder.rmdir()
                raise ApiProblem(
                    413, "File troppo grande", f"{name}: il file supera il limite di {settings.max_upload_mb} MB.",
                    "file_troppo_grande",
                )
            out.write(chunk)
    job = jobs.submit(name, target)
    return JSONResponse(job.to_dict(), status_code=202, headers={"Location": f"/v1/jobs/{job.id}"})


@router.delete("/documents/{doc_id}", summary="Rimuove un documento", dependencies=[Depends(require_write_key)])
def delete_document(doc_id: str, assistant: AssistantDep) -> dict[str, str]:
    assistant.remove(doc_id)
    return {"doc_id": doc_id, "status": "rimosso"}


@router.get("/jobs/{job_id}", summary="Stato di un caricamento", tags=["documenti"], dependencies=[Depends(require_read_key)])
def get_job(job_id: str, jobs: JobsDep) -> dict[str, Any]:
    job = jobs.get(job_id)
    if job is None:
        raise ApiProblem(404, "Risorsa non trovata", f"Nessun caricamento con id «{job_id}».", "non_trovato")
    return job.to_dict()
