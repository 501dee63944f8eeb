"""Request bodies of the API (responses are the models of ``api.responses``)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from assistant.retrieval import SearchFilters


class Filters(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ambito: str | None = Field(default=None, max_length=100, description="Ambito territoriale, es. Crema.")
    period: str | None = Field(default=None, max_length=20, description="Triennio del piano, es. 2015-2017.")
    kind: str | None = Field(default=None, max_length=40, description="Tipo di documento, es. piano.")
    doc_id: str | None = Field(default=None, max_length=200, description="Un solo documento.")

    def to_search(self) -> SearchFilters:
        return SearchFilters(ambito=self.ambito or None, period=self.period or None, kind=self.kind or None, doc_id=self.doc_id or None)


class AskRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"question": "Come si attiva il voucher dimissioni protette?", "filters": {"ambito": "Crema"}}]},
    )

    question: str = Field(min_length=1, max_length=2000, description="La domanda, in italiano.")
    filters: Filters | None = None
    history: list[Annotated[str, Field(max_length=2000)]] = Field(
        default_factory=list, max_length=20, description="Domande precedenti dell'utente, dalla più vecchia."
    )
    # strict: "0", 0 or "true" are refused rather than coerced (a client bug should show)
    stream: bool = Field(default=False, strict=True, description="Risposta come Server-Sent Events.")

    @field_validator("question")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("la domanda è vuota")
        return value.strip()


class SearchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"query": "cartella sociale informatizzata", "k": 5}]})

    query: str = Field(min_length=1, max_length=2000)
    k: int = Field(default=10, ge=1, le=100, strict=True)
    filters: Filters | None = None

    @field_validator("query")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("la ricerca è vuota")
        return value.strip()


class CompareRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"topic": "cartella sociale informatizzata", "by": "ambito"}]})

    topic: str = Field(min_length=1, max_length=2000)
    by: str = Field(default="plan", pattern="^(plan|ambito|period)$")
    k: int = Field(default=3, ge=1, le=10, strict=True)
