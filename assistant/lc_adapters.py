"""LangChain at the seams: our search results as ``Document``s and our retriever as a ``BaseRetriever``."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from assistant.retrieval import HybridRetriever, SearchFilters, SearchResult


def to_document(result: SearchResult) -> Document:
    """A search result as a LangChain Document (provenance in metadata)."""
    meta = {"rank": result.rank, "score": round(result.score, 6), **result.chunk.provenance()}
    text = meta.pop("text")
    return Document(page_content=str(text), metadata=meta, id=result.chunk.chunk_id)


class PdzRetriever(BaseRetriever):
    """Hybrid retriever usable in LangChain chains: ``PdzRetriever(retriever=..., k=5).invoke("domanda")``."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    retriever: HybridRetriever
    k: int = 5
    filters: SearchFilters | None = None

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, **kwargs: Any
    ) -> list[Document]:
        return [to_document(r) for r in self.retriever.search(query, k=self.k, filters=self.filters)]
