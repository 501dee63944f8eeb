"""Upload jobs: queued, running, done or failed, with the outcome of each file."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from api.deps import JobsDep, require_write_key
from api.problems import ApiProblem, responses
from api.responses import JobOut

# the job belongs to whoever uploaded it: its status needs the same key as the upload
router = APIRouter(prefix="/v1", tags=["documenti"], dependencies=[Depends(require_write_key)])

JOB_EXAMPLE = {
    "id": "5f0c2b1e9a8d4c7f", "filename": "rotto.pdf", "status": "failed", "created_at": 1732460000.0,
    "started_at": 1732460000.1, "finished_at": 1732460000.4,
    "outcomes": [{"file": "rotto.pdf", "status": "errore", "doc_id": None, "chunks": 0,
                  "error": {"code": "documento_corrotto", "detail": "rotto.pdf: il PDF è danneggiato"}}],
    "error": {"code": "documento_corrotto", "detail": "rotto.pdf: il PDF è danneggiato"},
}


@router.get(
    "/jobs/{job_id}",
    summary="Stato di un caricamento",
    description="`status`: `queued`, `running`, `done` o `failed`; `outcomes` ha l'esito di ogni file "
    "(`indicizzato`, `invariato` o `errore`), `error` il messaggio in italiano quando il job fallisce. "
    "I job vivono in memoria: un riavvio del server li dimentica. Richiede la chiave API.",
    response_model=JobOut,
    responses={200: {"content": {"application/json": {"example": JOB_EXAMPLE}}}, **responses(401, 403, 404, 429)},
)
def get_job(job_id: str, jobs: JobsDep) -> JobOut:
    job = jobs.get(job_id)
    if job is None:
        raise ApiProblem(404, "Risorsa non trovata", f"Nessun caricamento con id «{job_id}».", "non_trovato")
    return JobOut.model_validate(job)
