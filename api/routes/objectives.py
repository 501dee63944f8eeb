"""Objective records (objectives, actions, indicators) as JSON, CSV or XLSX, and their review.

Reading is open (unless ``PDZ_API_READ_KEY``); reviewing (``PATCH``/``POST``/``DELETE``) needs the
API key. Corrections are an overlay on the extracted records (``assistant/review.py``) with an
audit trail at ``GET /v1/objectives/{id}/history``.
"""

from __future__ import annotations

from collections.abc import Callable
from io import BytesIO
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from api.deps import AssistantDep, limited, require_read_key, require_write_key
from api.problems import ApiProblem, responses
from api.responses import ReviewedList, ReviewHistory
from assistant.review import ReviewedObjective, ReviewError

router = APIRouter(prefix="/v1", tags=["obiettivi"], dependencies=[Depends(require_read_key)])
WRITE = [Depends(require_write_key), limited("upload")]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Format = Literal["json", "csv", "xlsx"]
ObjectiveId = Annotated[str, Path(max_length=64, description="objective_id del record.")]
T = TypeVar("T")

Text = Annotated[str | None, Field(default=None, max_length=4000)]
Items = Annotated[list[Annotated[str, Field(max_length=4000)]] | None, Field(default=None, max_length=100)]
Author = Annotated[str, Field(min_length=1, max_length=200, description="Chi fa la revisione (nome o ufficio).")]


class _Fields(BaseModel):
    """The correctable fields of a record; a field left out is left as it is."""

    model_config = ConfigDict(extra="forbid")

    title: Annotated[str | None, Field(default=None, max_length=1000)] = None
    statement: Text = None
    actions: Items = None
    indicators: Items = None
    targets: Items = None
    timing: Text = None
    resources: Text = None
    tools: Text = None
    evaluation_tools: Text = None
    kind: Text = None
    label: Text = None
    area: Text = None
    scope: Literal["plan", "regional", "previous"] | None = None
    category: Literal["objective", "guideline", "previous", "analysis", "heading"] | None = None

    def changes(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.model_fields_set if k in _Fields.model_fields}


class ObjectivePatch(_Fields):
    """Corrections and/or a decision on one record."""

    author: Author
    status: Literal["approvato", "rifiutato"] | None = Field(default=None, description="Decisione sul record.")

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"author": "Ufficio di Piano", "title": "Cartella sociale informatizzata",
                                         "status": "approvato"}]},
    )


class ObjectiveNew(_Fields):
    """A record the extraction missed."""

    doc_id: Annotated[str, Field(min_length=1, max_length=200)]
    author: Author
    title: Annotated[str, Field(min_length=1, max_length=1000)]  # type: ignore[assignment]
    char_start: Annotated[int | None, Field(default=None, ge=0, description="Inizio del passo che lo attesta.")] = None
    char_end: Annotated[int | None, Field(default=None, ge=0)] = None


def _reviewing(fn: Callable[[], T]) -> T:
    """Run one review action; its validation errors are 422 problems, nothing is stored."""
    try:
        return fn()
    except ReviewError as exc:
        raise ApiProblem(422, "Revisione non valida", exc.message, exc.code) from exc


def negotiate(requested: Format | None, accept: str) -> Format:
    """``format`` wins; otherwise the Accept header; JSON by default."""
    if requested:
        return requested
    if XLSX in accept:
        return "xlsx"
    if "text/csv" in accept:
        return "csv"
    return "json"


@router.get(
    "/objectives",
    summary="Obiettivi, azioni e indicatori dei piani, con lo stato di revisione",
    description="Filtri facoltativi `ambito`, `period`, `doc_id`; `status=approvato` per i soli record approvati; "
    "`include=candidates` per i candidati con punteggio più basso. Formato con `format=json|csv|xlsx` oppure con "
    "l'intestazione Accept (`text/csv`, `" + XLSX + "`). I record rifiutati non compaiono.\n\n"
    "Paginazione facoltativa: `limit` (1-5000 righe) e `offset` (righe da saltare); senza `limit` l'elenco è "
    "completo. L'intestazione `X-Total-Count` dà sempre il numero di record che rispondono ai filtri e, se ne "
    "restano altri, `Link` indica la pagina seguente (`rel=\"next\"`).",
    response_model=None,
    responses={
        200: {
            "model": ReviewedList, "content": {"text/csv": {}, XLSX: {}}, "description": "Elenco degli obiettivi.",
            "headers": {
                "X-Total-Count": {"description": "Record che rispondono ai filtri (tutte le pagine).",
                                  "schema": {"type": "integer"}},
                "Link": {"description": "`<url>; rel=\"next\"` quando restano altre righe.", "schema": {"type": "string"}},
            },
        },
        **responses(401, 403, 422, 503),
    },
)
def list_objectives(
    request: Request,
    assistant: AssistantDep,
    ambito: Annotated[str | None, Query(max_length=100, examples=["Crema"])] = None,
    period: Annotated[str | None, Query(max_length=20, examples=["2015-2017"])] = None,
    doc_id: Annotated[str | None, Query(max_length=200)] = None,
    include_previous: Annotated[bool, Query(description="Anche i piani precedenti dello stesso ambito.")] = False,
    include: Annotated[Literal["candidates"] | None, Query(description="`candidates`: anche i candidati.")] = None,
    status: Annotated[
        Literal["estratto", "approvato", "corretto", "aggiunto", "da_rivedere"] | None,
        Query(description="Solo i record con questo stato di revisione."),
    ] = None,
    fmt: Annotated[Format | None, Query(alias="format")] = None,
    limit: Annotated[int | None, Query(ge=1, le=5000, description="Al massimo tante righe (tutte se assente).")] = None,
    offset: Annotated[int, Query(ge=0, le=10_000_000, description="Righe da saltare.")] = 0,
) -> Response:
    from assistant import export

    table = assistant.reviewed_table(
        ambito=ambito, period=period, doc_id=doc_id, include_previous=include_previous,
        include_candidates=include == "candidates", status=status, limit=limit, offset=offset,
        wait=False,  # while an ingestion merges its new records, the table as it was
    )
    headers = {"X-Total-Count": str(table.total)}
    if limit is not None and offset + limit < table.total:
        headers["Link"] = f'<{request.url.include_query_params(offset=offset + limit, limit=limit)}>; rel="next"'
    chosen = negotiate(fmt, request.headers.get("accept", ""))
    if chosen == "csv":
        return Response(export.to_csv(table.rows), media_type="text/csv; charset=utf-8",
                        headers=headers | {"Content-Disposition": 'attachment; filename="obiettivi.csv"'})
    if chosen == "xlsx":
        buffer = BytesIO()
        export.to_xlsx(table.rows, buffer)
        return Response(buffer.getvalue(), media_type=XLSX,
                        headers=headers | {"Content-Disposition": 'attachment; filename="obiettivi.xlsx"'})
    return Response(table.to_json(), media_type="application/json", headers=headers)


@router.get(
    "/objectives/{objective_id}", summary="Un record con il suo stato di revisione",
    response_model=ReviewedObjective, responses=responses(401, 403, 404, 503),
)
def get_objective(objective_id: ObjectiveId, assistant: AssistantDep) -> ReviewedObjective:
    return assistant.reviewed_objective(objective_id)


@router.patch(
    "/objectives/{objective_id}", summary="Correggere, approvare o rifiutare un record", dependencies=WRITE,
    response_model=ReviewedObjective, responses=responses(401, 403, 404, 413, 422, 429, 503),
)
def review_objective(objective_id: ObjectiveId, body: ObjectivePatch, assistant: AssistantDep) -> ReviewedObjective:
    return _reviewing(lambda: assistant.review_objective(
        objective_id, author=body.author, changes=body.changes(), status=body.status
    ))


@router.post(
    "/objectives", summary="Aggiungere un record mancante", status_code=201, dependencies=WRITE,
    response_model=ReviewedObjective, responses=responses(401, 403, 404, 413, 422, 429, 503),
)
def add_objective(body: ObjectiveNew, assistant: AssistantDep) -> JSONResponse:
    span = None
    if body.char_start is not None or body.char_end is not None:
        if body.char_start is None or body.char_end is None:
            raise ApiProblem(422, "Revisione non valida", "Indicare sia char_start sia char_end.", "intervallo_non_valido")
        span = (body.char_start, body.char_end)
    fields = body.changes() | {"title": body.title}
    row = _reviewing(lambda: assistant.add_objective(body.doc_id, author=body.author, fields=fields, span=span))
    return JSONResponse(row.model_dump(mode="json"), status_code=201,
                        headers={"Location": f"/v1/objectives/{row.objective_id}"})


@router.delete(
    "/objectives/{objective_id}", summary="Rifiutare un record (un record aggiunto viene ritirato)", dependencies=WRITE,
    response_model=ReviewedObjective, responses=responses(401, 403, 404, 422, 429, 503),
)
def reject_objective(
    objective_id: ObjectiveId, assistant: AssistantDep, author: Annotated[str, Query(min_length=1, max_length=200)],
) -> ReviewedObjective:
    return _reviewing(lambda: assistant.reject_objective(objective_id, author=author))


@router.get(
    "/objectives/{objective_id}/history", summary="Storico delle revisioni di un record (chi, quando, cosa)",
    response_model=ReviewHistory, responses=responses(401, 403, 404, 503),
)
def objective_history(objective_id: ObjectiveId, assistant: AssistantDep) -> ReviewHistory:
    return ReviewHistory(assistant.objective_history(objective_id))
