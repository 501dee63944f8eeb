"""Documents: list, detail (whole canonical text or a window around a span), upload as a job, delete."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Query, UploadFile
from fastapi.responses import JSONResponse

from api.deps import (
    AssistantDep,
    JobsDep,
    SettingsDep,
    limited,
    require_read_key,
    require_store,
    require_write_key,
)
from api.problems import ApiProblem, responses
from api.responses import DocumentDetail, DocumentOut, JobOut, Removed, Window
from api.uploads import check_suffix, discard_upload, safe_filename, store_upload
from ingest.pipeline import doc_id_for

router = APIRouter(prefix="/v1", tags=["documenti"])

DOC_EXAMPLE = {
    "doc_id": "alfa", "source": "piano_alfa.md", "title": "Piano Alfa (prova)", "ambito": "Crema",
    "period": "2015-2017", "kind": "piano", "date": None, "detected": False, "chunks": 3,
    "version": "9c1d…", "pages": None, "state": "semantico", "state_label": "semantico 40 %", "embedded": 2,
    "error": None,
}
WINDOW_EXAMPLE = {
    "start": 0, "end": 820, "length": 1430, "text": "Il Piano di Zona dell'ambito di Crema…",
    "highlight_start": 212, "highlight_end": 371, "section": "Piano di Zona 2015-2017 > 2. Servizi per la domiciliarità",
    "page": None,
}


@router.get(
    "/documents", summary="Documenti indicizzati",
    description="Ogni documento ha uno `state`: `in_coda` (caricato, in attesa), `testo_indicizzato` (già "
    "cercabile per parole), `semantico` (embedding in corso, `state_label` «semantico 40 %»), `pronto`, "
    "`errore` (con `error`). Finché non è `pronto` la ricerca sul documento è solo lessicale.", dependencies=[Depends(require_read_key)],
    response_model=list[DocumentOut],
    responses={200: {"content": {"application/json": {"example": [DOC_EXAMPLE]}}}, **responses(401, 403, 503)},
)
def list_documents(assistant: AssistantDep, jobs: JobsDep) -> list[DocumentOut]:
    indexed = [DocumentOut.of(d) for d in assistant.documents()]
    known = {d.doc_id for d in indexed}
    # uploads still in the queue are shown as `in_coda` until their text is indexed
    waiting = {doc_id: name for doc_id, name in jobs.waiting() if doc_id not in known}
    return sorted(indexed + [DocumentOut.queued(d, n) for d, n in waiting.items()], key=lambda d: d.doc_id)


@router.get(
    "/documents/{doc_id}",
    summary="Metadati, sezioni e testo (o una finestra del testo)",
    description="Senza `start`/`end` restituisce tutto il testo canonico (`text`). Con `start` ed `end` (gli "
    "offset `char_start`/`char_end` di una citazione) restituisce `window`: il testo attorno allo span, "
    "`window` caratteri per lato, con la posizione dello span (`highlight_start`/`highlight_end`), la "
    "sezione e la pagina.",
    dependencies=[Depends(require_read_key)],
    response_model=DocumentDetail,
    response_model_exclude_unset=True,
    responses={
        200: {"content": {"application/json": {"example": DOC_EXAMPLE | {
            "sections": [{"title": "2. Servizi per la domiciliarità", "level": 2,
                          "path": ["Piano di Zona 2015-2017", "2. Servizi per la domiciliarità"], "start": 180, "end": 700}],
            "window": WINDOW_EXAMPLE}}}},
        **responses(401, 403, 404, 422, 503),
    },
)
def get_document(
    doc_id: str,
    assistant: AssistantDep,
    start: Annotated[int | None, Query(ge=0, description="Inizio dello span nel testo canonico.")] = None,
    end: Annotated[int | None, Query(ge=0, description="Fine dello span (esclusa).")] = None,
    window_chars: Annotated[int, Query(alias="window", ge=0, le=20000, description="Caratteri di contesto per lato.")] = 600,
) -> DocumentDetail:
    record = assistant.indexed(doc_id)
    doc = assistant.document(doc_id)
    body = DocumentDetail.of_parsed(record, doc)
    if start is None and end is None:
        body.text = doc.text
        return body
    length = len(doc.text)
    s = start if start is not None else 0
    e = end if end is not None else s
    if not s <= e <= length:
        raise ApiProblem(422, "Span non valido", f"Lo span {s}-{e} non è dentro il testo (0-{length}).", "span_non_valido")
    body.window = Window.around(doc, s, e, window_chars)
    return body


@router.post(
    "/documents",
    status_code=202,
    summary="Carica un documento (indicizzato in background)",
    description="Carica un file PDF, DOCX, TXT o MD (campo `file`, multipart). Il file viene controllato "
    "subito (formato, dimensione, leggibilità) e poi indicizzato in background: la risposta 202 contiene il "
    "job da seguire con `GET /v1/jobs/{id}` (intestazione `Location`). Un documento con lo stesso "
    "identificativo di uno già indicizzato lo sostituisce; un file con lo stesso contenuto di un documento "
    "indicizzato con un altro identificativo è rifiutato (409, `documento_duplicato`, con il documento esistente). "
    "Con l'indice non raggiungibile la richiesta è rifiutata (503) prima di creare il job. Richiede la chiave API.",
    dependencies=[Depends(require_write_key), limited("upload"), Depends(require_store)],
    response_model=JobOut,
    responses={
        202: {"content": {"application/json": {"example": {
            "id": "5f0c…", "filename": "relazione_gamma.txt", "status": "queued", "created_at": 1732460000.0,
            "started_at": None, "finished_at": None, "outcomes": [], "error": None}}}},
        **responses(401, 403, 408, 409, 413, 415, 422, 429, 503),
    },
)
def upload_document(
    file: Annotated[UploadFile, File(description="PDF, DOCX, TXT o MD.")],
    settings: SettingsDep,
    jobs: JobsDep,
    assistant: AssistantDep,
) -> JSONResponse:
    name = safe_filename(file.filename or "documento")
    check_suffix(name)
    path = store_upload(
        file.file, name, uploads=settings.data_dir / "uploads", max_bytes=settings.max_bytes, max_mb=settings.max_upload_mb
    )
    try:
        assistant.check_duplicate(path)  # a copy under another name would be a second document with the same text
    except BaseException:
        discard_upload(path)
        raise
    job = JobOut.model_validate(jobs.submit(name, path, doc_id=doc_id_for(path)))
    return JSONResponse(job.model_dump(mode="json"), status_code=202, headers={"Location": f"/v1/jobs/{job.id}"})


@router.delete(
    "/documents/{doc_id}", summary="Rimuove un documento dall'indice",
    dependencies=[Depends(require_write_key), limited("upload"), Depends(require_store)],
    response_model=Removed,
    responses={200: {"content": {"application/json": {"example": {"doc_id": "alfa", "status": "rimosso"}}}},
               **responses(401, 403, 404, 429, 503)},
)
def delete_document(doc_id: str, assistant: AssistantDep) -> Removed:
    assistant.remove(doc_id)
    return Removed(doc_id=doc_id)
