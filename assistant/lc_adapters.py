"""LangChain at the seams: our records as ``Document``s, our retriever and embedder as LangChain objects."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from assistant.retrieval import HybridRetriever, SearchFilters, SearchResult
from ingest.embeddings import Embedder


def to_document(result: SearchResult) -> Document:
    """A search result as a LangChain Document (provenance in metadata)."""
    meta = result.to_dict()
    text = meta.pop("text")
    return Document(page_content=text, metadata=meta, id=result.chunk.chunk_id)


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


class PdzEmbeddings(Embeddings):
    """Our embedder behind LangChain's ``Embeddings`` interface."""

    def __init__(self, embedder: Embedder) -> None:
        self._embedder = embedder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._embedder.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        return self._embedder.embed_query(text)
