"""Evaluators: evidence grouped by plan, and links between objectives of different plans."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from api.deps import AssistantDep, require_read_key
from api.schemas import CompareRequest

router = APIRouter(prefix="/v1", tags=["confronti"], dependencies=[Depends(require_read_key)])


@router.post("/compare", summary="Come i piani trattano un tema: le fonti migliori di ciascun piano")
def compare(body: CompareRequest, assistant: AssistantDep) -> dict[str, Any]:
    return assistant.compare(body.topic, by=body.by, per_plan=body.k).to_dict()


@router.get("/objectives/alignment", summary="Obiettivi collegati tra piani (stesso scopo o correlati)")
def alignment(
    assistant: AssistantDep,
    source: Annotated[str | None, Query(alias="from", description="doc_id del primo piano")] = None,
    target: Annotated[str | None, Query(alias="to", description="doc_id del secondo piano")] = None,
) -> list[dict[str, Any]]:
    return [link.to_dict() for link in assistant.align_objectives(source=source, target=target)]
