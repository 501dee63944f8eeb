"""Passage search (hybrid: BM25 + dense, fused)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from api.deps import AssistantDep, limited, require_read_key
from api.problems import responses
from api.responses import SearchHit, SearchResponse
from api.schemas import SearchRequest

router = APIRouter(prefix="/v1", tags=["ricerca"], dependencies=[Depends(require_read_key), limited("ask")])

SEARCH_EXAMPLE = {
    "query": "voucher dimissioni protette",
    "results": [{
        "rank": 1, "score": 0.0476, "chunk_id": "alfa:3f2c9d0e", "doc_id": "alfa", "source": "piano_alfa.md",
        "title": "Piano Alfa (prova)", "ambito": "Crema", "period": "2015-2017", "kind": "piano",
        "section": "2. Servizi per la domiciliarità", "page": None, "char_start": 180, "char_end": 620,
        "text": "Il voucher per le dimissioni protette si attiva tramite il servizio sociale del Comune…",
    }],
}


@router.post(
    "/search",
    summary="Passaggi più pertinenti (ricerca ibrida)",
    description="I `k` passaggi più pertinenti, con la loro provenienza (documento, sezione, pagina, offset).",
    response_model=SearchResponse,
    responses={200: {"content": {"application/json": {"example": SEARCH_EXAMPLE}}}, **responses(401, 403, 422, 429, 503)},
)
def search(body: SearchRequest, assistant: AssistantDep) -> SearchResponse:
    filters = body.filters.to_search() if body.filters else None
    results = assistant.search(body.query, k=body.k, filters=filters)
    return SearchResponse(query=body.query, results=[SearchHit.of(r) for r in results])
