"""Documents: list, detail (whole canonical text or a window around a span), upload as a job, delete."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Query, UploadFile
from fastapi.responses import JSONResponse

from api.deps import AssistantDep, JobsDep, SettingsDep, require_read_key, require_write_key
from api.problems import ApiProblem, responses
from api.uploads import check_suffix, safe_filename, store_upload
from assistant.service import DocumentView
from ingest.index import IndexedDocument

router = APIRouter(prefix="/v1", tags=["documenti"])

DOC_EXAMPLE = {
    "doc_id": "alfa", "source": "piano_alfa.md", "title": "Piano Alfa (prova)", "ambito": "Crema",
    "period": "2015-2017", "kind": "piano", "date": None, "detected": False, "chunks": 3,
    "version": "9c1d…", "pages": None,
}
WINDOW_EXAMPLE = {
    "start": 0, "end": 820, "length": 1430, "text": "Il Piano di Zona dell'ambito di Crema…",
    "highlight_start": 212, "highlight_end": 371, "section": "Piano di Zona 2015-2017 > 2. Servizi per la domiciliarità",
    "page": None,
}


def meta(doc: IndexedDocument) -> dict[str, Any]:
    m = doc.meta
    return {
        "doc_id": m.doc_id, "source": m.source, "title": m.title, "ambito": m.ambito, "period": m.period,
        "kind": m.kind, "date": m.date, "detected": m.detected, "chunks": doc.chunks, "version": doc.version,
        "pages": len(doc.pages) or None,
    }


def window(view: DocumentView, start: int, end: int, size: int) -> dict[str, Any]:
    """The text around ``[start, end)`` with the span's position in it, its section and page."""
    text = view.canonical.text
    ws, we = max(0, start - size), min(len(text), end + size)
    inside = [s for s in view.sections if s.start <= start < max(s.end, s.start + 1)]
    section = max(inside, key=lambda s: (s.start, s.level), default=None)
    page = None
    if view.document.pages and start < len(view.canonical.offsets):
        raw = view.canonical.offsets[start]
        page = next((p.number for p in view.document.pages if p.start <= raw <= p.end), None)
    return {
        "start": ws, "end": we, "length": len(text), "text": text[ws:we],
        "highlight_start": start - ws, "highlight_end": end - ws,
        "section": " > ".join(section.path) if section else "", "page": page,
    }


@router.get(
    "/documents", summary="Documenti indicizzati", dependencies=[Depends(require_read_key)],
    responses={200: {"content": {"application/json": {"example": [DOC_EXAMPLE]}}}},
)
def list_documents(assistant: AssistantDep) -> list[dict[str, Any]]:
    return [meta(d) for d in assistant.documents()]


@router.get(
    "/documents/{doc_id}",
    summary="Metadati, sezioni e testo (o una finestra del testo)",
    description="Senza `start`/`end` restituisce tutto il testo canonico (`text`). Con `start` ed `end` (gli "
    "offset `char_start`/`char_end` di una citazione) restituisce `window`: il testo attorno allo span, "
    "`window` caratteri per lato, con la posizione dello span (`highlight_start`/`highlight_end`), la "
    "sezione e la pagina.",
    dependencies=[Depends(require_read_key)],
    responses={
        200: {"content": {"application/json": {"example": DOC_EXAMPLE | {
            "sections": [{"title": "2. Servizi per la domiciliarità", "level": 2,
                          "path": ["Piano di Zona 2015-2017", "2. Servizi per la domiciliarità"], "start": 180, "end": 700}],
            "window": WINDOW_EXAMPLE}}}},
        **responses(404, 422),
    },
)
def get_document(
    doc_id: str,
    assistant: AssistantDep,
    start: Annotated[int | None, Query(ge=0, description="Inizio dello span nel testo canonico.")] = None,
    end: Annotated[int | None, Query(ge=0, description="Fine dello span (esclusa).")] = None,
    window_chars: Annotated[int, Query(alias="window", ge=0, le=20000, description="Caratteri di contesto per lato.")] = 600,
) -> dict[str, Any]:
    view = assistant.document(doc_id)
    body = meta(view.document)
    body["sections"] = [
        {"title": s.title, "level": s.level, "path": list(s.path), "start": s.start, "end": s.end} for s in view.sections
    ]
    if start is None and end is None:
        body["text"] = view.canonical.text
        return body
    length = len(view.canonical.text)
    s = start if start is not None else 0
    e = end if end is not None else s
    if not s <= e <= length:
        raise ApiProblem(422, "Span non valido", f"Lo span {s}-{e} non è dentro il testo (0-{length}).", "span_non_valido")
    body["window"] = window(view, s, e, window_chars)
    return body


@router.post(
    "/documents",
    status_code=202,
    summary="Carica un documento (indicizzato in background)",
    description="Carica un file PDF, DOCX, TXT o MD (campo `file`, multipart). Il file viene controllato "
    "subito (formato, dimensione, leggibilità) e poi indicizzato in background: la risposta 202 contiene il "
    "job da seguire con `GET /v1/jobs/{id}` (intestazione `Location`). Un documento con lo stesso "
    "identificativo di uno già indicizzato lo sostituisce. Richiede la chiave API.",
    dependencies=[Depends(require_write_key)],
    responses={
        202: {"content": {"application/json": {"example": {
            "id": "5f0c…", "filename": "relazione_gamma.txt", "status": "queued", "created_at": 1732460000.0,
            "started_at": None, "finished_at": None, "outcomes": [], "error": None}}}},
        **responses(401, 403, 413, 415, 422),
    },
)
def upload_document(
    file: Annotated[UploadFile, File(description="PDF, DOCX, TXT o MD.")],
    settings: SettingsDep,
    jobs: JobsDep,
) -> JSONResponse:
    name = safe_filename(file.filename or "documento")
    check_suffix(name)
    path = store_upload(
        file.file, name, uploads=settings.data_dir / "uploads", max_bytes=settings.max_bytes, max_mb=settings.max_upload_mb
    )
    job = jobs.submit(name, path)
    return JSONResponse(job, status_code=202, headers={"Location": f"/v1/jobs/{job['id']}"})


@router.delete(
    "/documents/{doc_id}", summary="Rimuove un documento dall'indice", dependencies=[Depends(require_write_key)],
    responses={200: {"content": {"application/json": {"example": {"doc_id": "alfa", "status": "rimosso"}}}},
               **responses(401, 403, 404)},
)
def delete_document(doc_id: str, assistant: AssistantDep) -> dict[str, str]:
    assistant.remove(doc_id)
    return {"doc_id": doc_id, "status": "rimosso"}
