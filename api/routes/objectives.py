"""Objective records as JSON, CSV or XLSX."""

from __future__ import annotations

from io import BytesIO
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from api.deps import AssistantDep, require_read_key
from api.problems import ApiProblem

router = APIRouter(prefix="/v1", tags=["obiettivi"], dependencies=[Depends(require_read_key)])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _format(requested: str | None, accept: str) -> str:
    if requested:
        return requested
    if XLSX in accept:
        return "xlsx"
    if "text/csv" in accept:
        return "csv"
    return "json"


@router.get("/objectives", summary="Obiettivi, azioni e indicatori dei piani", response_model=None)
def list_objectives(
    request: Request,
    assistant: AssistantDep,
    ambito: str | None = None,
    period: str | None = None,
    doc_id: str | None = None,
    include_previous: bool = False,
    format: Annotated[str | None, Query(pattern="^(json|csv|xlsx)$")] = None,  # noqa: A002 - public parameter name
) -> Response | list[dict[str, Any]]:
    from assistant import export

    objs = assistant.objectives(ambito=ambito, period=period, doc_id=doc_id, include_previous=include_previous)
    fmt = _format(format, request.headers.get("accept", ""))
    if fmt == "json":
        return [o.model_dump(mode="json") for o in objs]
    if fmt == "csv":
        return Response(export.to_csv(objs), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="obiettivi.csv"'})
    if fmt == "xlsx":
        buffer = BytesIO()
        export.to_xlsx(objs, buffer)
        return Response(buffer.getvalue(), media_type=XLSX, headers={"Content-Disposition": 'attachment; filename="obiettivi.xlsx"'})
    raise ApiProblem(422, "Formato non valido", f"Formato «{fmt}» non disponibile.", "formato_non_valido")
