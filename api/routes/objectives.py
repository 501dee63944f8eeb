"""Objective records (objectives, actions, indicators) as JSON, CSV or XLSX."""

from __future__ import annotations

from io import BytesIO
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from api.deps import AssistantDep, require_read_key
from api.problems import responses

router = APIRouter(prefix="/v1", tags=["obiettivi"], dependencies=[Depends(require_read_key)])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Format = Literal["json", "csv", "xlsx"]


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
    summary="Obiettivi, azioni e indicatori dei piani",
    description="Filtri facoltativi `ambito`, `period`, `doc_id`. Formato con `format=json|csv|xlsx` oppure con "
    "l'intestazione Accept (`text/csv`, `" + XLSX + "`).",
    response_model=None,
    responses={
        200: {"content": {"application/json": {}, "text/csv": {}, XLSX: {}}, "description": "Elenco degli obiettivi."},
        **responses(422),
    },
)
def list_objectives(
    request: Request,
    assistant: AssistantDep,
    ambito: Annotated[str | None, Query(max_length=100, examples=["Crema"])] = None,
    period: Annotated[str | None, Query(max_length=20, examples=["2015-2017"])] = None,
    doc_id: Annotated[str | None, Query(max_length=200)] = None,
    include_previous: Annotated[bool, Query(description="Anche i piani precedenti dello stesso ambito.")] = False,
    fmt: Annotated[Format | None, Query(alias="format")] = None,
) -> Response:
    from assistant import export

    objs = assistant.objectives(ambito=ambito, period=period, doc_id=doc_id, include_previous=include_previous)
    chosen = negotiate(fmt, request.headers.get("accept", ""))
    if chosen == "csv":
        return Response(export.to_csv(objs), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="obiettivi.csv"'})
    if chosen == "xlsx":
        buffer = BytesIO()
        export.to_xlsx(objs, buffer)
        return Response(buffer.getvalue(), media_type=XLSX, headers={"Content-Disposition": 'attachment; filename="obiettivi.xlsx"'})
    return Response(export.to_json(objs), media_type="application/json")
