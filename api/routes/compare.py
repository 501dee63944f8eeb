"""Evaluators: evidence grouped by plan, and links between objectives of different plans."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from api.deps import AssistantDep, limited, require_read_key
from api.problems import responses
from api.responses import ComparisonOut, LinkOut
from api.schemas import CompareRequest

router = APIRouter(prefix="/v1", tags=["confronti"], dependencies=[Depends(require_read_key), limited("expensive")])


@router.post(
    "/compare", summary="Come i piani trattano un tema: le fonti migliori di ciascun piano",
    response_model=ComparisonOut, responses=responses(401, 403, 422, 429, 503),
)
def compare(body: CompareRequest, assistant: AssistantDep) -> ComparisonOut:
    return ComparisonOut.of(assistant.compare(body.topic, by=body.by, per_plan=body.k))


@router.get(
    "/objectives/alignment", summary="Obiettivi collegati tra piani (stesso scopo o correlati)",
    response_model=list[LinkOut], response_model_by_alias=True, responses=responses(401, 403, 404, 422, 429, 503),
)
def alignment(
    assistant: AssistantDep,
    source: Annotated[str | None, Query(alias="from", description="doc_id del primo piano")] = None,
    target: Annotated[str | None, Query(alias="to", description="doc_id del secondo piano")] = None,
) -> list[LinkOut]:
    return [LinkOut.of(link) for link in assistant.align_objectives(source=source, target=target)]
