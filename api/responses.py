"""Response models: the typed edge of the API and of the CLI's ``--json`` (one serialiser for both).

Each model is built from the assistant's own records by a ``from_*`` function,
so ``/openapi.json`` documents every response and ``pdz … --json`` prints the
same model dumped. Field names and order are the stable JSON contract.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel

from assistant.extraction.schema import Objective
from assistant.review import ReviewedObjective, ReviewEvent

if TYPE_CHECKING:
    from assistant.alignment import Link
    from assistant.answer import Answer
    from assistant.citations import Citation
    from assistant.compare import Comparison, PlanEvidence
    from assistant.retrieval import SearchResult
    from ingest.document import ParsedDocument
    from ingest.index import IndexedDocument
    from ingest.schemas import Chunk

AnswerStatus = Literal["answered", "partial", "not_found"]


def _provenance(chunk: Chunk) -> dict[str, Any]:
    return {
        "chunk_id": chunk.chunk_id, "doc_id": chunk.doc_id, "source": chunk.source, "title": chunk.title,
        "ambito": chunk.ambito, "period": chunk.period, "kind": chunk.kind, "section": chunk.section,
        "page": chunk.page, "char_start": chunk.char_start, "char_end": chunk.char_end, "text": chunk.text,
        "ocr": chunk.ocr,
    }


class SearchHit(BaseModel):
    rank: int
    score: float
    chunk_id: str
    doc_id: str
    source: str
    title: str
    ambito: str | None
    period: str | None
    kind: str
    section: str
    page: int | None
    char_start: int
    char_end: int
    text: str
    ocr: bool = False

    @classmethod
    def of(cls, result: SearchResult) -> SearchHit:
        return cls(rank=result.rank, score=round(result.score, 6), **_provenance(result.chunk))


class SearchResponse(BaseModel):
    query: str
    results: list[SearchHit]


class QuotedSpan(BaseModel):
    """A sentence the answer quotes: canonical offsets ``start``-``end`` of its document."""

    start: int
    end: int


class CitationOut(BaseModel):
    """A cited span: the sentences quoted (``char_start``-``char_end``) inside their passage."""

    n: int = Field(description="Il numero del marcatore [n] nella risposta.")
    score: float
    chunk_id: str
    doc_id: str
    source: str
    title: str
    ambito: str | None
    period: str | None
    kind: str
    section: str
    page: int | None
    char_start: int
    char_end: int
    text: str
    ocr: bool = False
    passage_start: int
    passage_end: int
    quoted: list[QuotedSpan] = Field(
        default_factory=list,
        description="Le frasi riportate nella risposta, dentro il passaggio citato (offset nel testo del documento).",
    )

    @classmethod
    def of(cls, citation: Citation) -> CitationOut:
        c = citation.chunk
        fields = _provenance(c) | {"char_start": citation.start, "char_end": citation.end, "text": citation.text}
        quoted = [QuotedSpan(start=c.char_start + s.start, end=c.char_start + s.end) for s in citation.sentences]
        return cls(
            n=citation.n, score=round(citation.score, 6), passage_start=c.char_start, passage_end=c.char_end,
            quoted=quoted, **fields,
        )


class AnswerOut(BaseModel):
    answer: str
    abstained: bool = Field(description="Vero quando i documenti non contengono la risposta (status not_found).")
    status: AnswerStatus = Field(
        default="answered",
        description="answered: risposta trovata; partial: i documenti dicono solo in parte ciò che si chiede "
        "(la risposta dice cosa manca); not_found: i documenti non contengono la risposta.",
    )
    citations: list[CitationOut]
    unsupported_sentences: list[str]
    backend: str

    @classmethod
    def of(cls, answer: Answer) -> AnswerOut:
        status: AnswerStatus = getattr(answer, "status", None) or ("not_found" if answer.abstained else "answered")
        return cls(
            answer=answer.answer, abstained=answer.abstained, status=status,
            citations=[CitationOut.of(c) for c in answer.citations], unsupported_sentences=list(answer.unsupported),
            backend=answer.backend,
        )


class DocumentOut(BaseModel):
    doc_id: str
    source: str
    title: str
    ambito: str | None
    period: str | None
    kind: str
    date: str | None
    detected: bool = Field(description="Metadati rilevati dal testo (il file non è nel manifest).")
    chunks: int
    version: str
    pages: int | None = Field(description="Numero di pagine (solo per i PDF).")
    state: Literal["in_coda", "testo_indicizzato", "semantico", "pronto", "errore"] = Field(
        "pronto", description="`in_coda` (caricato, in attesa), `testo_indicizzato` (cercabile per parole), "
        "`semantico` (embedding in corso), `pronto` (ricerca completa), `errore` (embedding non riuscito).")
    state_label: str = Field("pronto", description="Lo stato per le persone, p.es. «semantico 40 %».")
    embedded: int = Field(0, description="Passaggi con l'embedding già calcolato.")
    error: str | None = Field(None, description="Il motivo, nello stato `errore`.")

    @classmethod
    def of(cls, doc: IndexedDocument) -> DocumentOut:
        m = doc.meta
        return cls(
            doc_id=m.doc_id, source=m.source, title=m.title, ambito=m.ambito, period=m.period, kind=m.kind,
            date=m.date, detected=m.detected, chunks=doc.chunks, version=doc.version, pages=len(doc.pages) or None,
            state=doc.state, state_label=doc.state_label, embedded=doc.embedded_chunks,  # type: ignore[arg-type]
            error=doc.error or None,
        )

    @classmethod
    def queued(cls, doc_id: str, filename: str) -> DocumentOut:
        """A pseudo-entry for an upload not yet indexed."""
        return cls(
            doc_id=doc_id, source=filename, title=filename, ambito=None, period=None, kind="", date=None,
            detected=False, chunks=0, version="", pages=None, state="in_coda", state_label="in coda", embedded=0, error=None,
        )


class SectionOut(BaseModel):
    title: str
    level: int
    path: list[str]
    start: int
    end: int


class Window(BaseModel):
    """The text around a span, with the span's position in it, its section and page."""

    start: int
    end: int
    length: int
    text: str
    highlight_start: int
    highlight_end: int
    section: str
    page: int | None
    ocr: bool = Field(default=False, description="La pagina dello span è stata letta con l'OCR.")

    @classmethod
    def around(cls, doc: ParsedDocument, start: int, end: int, size: int) -> Window:
        text = doc.text
        ws, we = max(0, start - size), min(len(text), end + size)
        section = doc.section_at(start)
        return cls(
            start=ws, end=we, length=len(text), text=text[ws:we], highlight_start=start - ws,
            highlight_end=end - ws, section=section.path_text if section else "", page=doc.page_at(start),
            ocr=doc.page_is_ocr(doc.page_at(start)),
        )


class DocumentDetail(DocumentOut):
    """Metadata and sections, plus either the whole canonical ``text`` or a ``window`` around a span."""

    sections: list[SectionOut]
    text: str | None = None
    window: Window | None = None

    @classmethod
    def of_parsed(cls, record: IndexedDocument, doc: ParsedDocument) -> DocumentDetail:
        sections = [
            SectionOut(title=s.title, level=s.level, path=list(s.path), start=s.start, end=s.end) for s in doc.sections
        ]
        return cls(**DocumentOut.of(record).model_dump(), sections=sections)


class Removed(BaseModel):
    doc_id: str
    status: Literal["rimosso"] = "rimosso"


class JobError(BaseModel):
    code: str
    detail: str


class JobOutcome(BaseModel):
    file: str
    status: Literal["indicizzato", "invariato", "errore"]
    doc_id: str | None
    chunks: int
    error: JobError | None


class JobOut(BaseModel):
    id: str
    filename: str
    status: Literal["queued", "running", "done", "failed"]
    created_at: float
    started_at: float | None
    finished_at: float | None
    outcomes: list[JobOutcome]
    error: JobError | None


class PlanEvidenceOut(BaseModel):
    doc_id: str
    title: str
    ambito: str | None
    period: str | None
    kind: str
    relevant: bool = Field(description="Falso quando il piano non ha evidenze pertinenti sul tema.")
    coverage: float
    passages: list[SearchHit]


class ComparisonOut(BaseModel):
    topic: str
    by: Literal["plan", "ambito", "period"]
    groups: dict[str, list[PlanEvidenceOut]]

    @classmethod
    def of(cls, comparison: Comparison) -> ComparisonOut:
        def plan(ev: PlanEvidence) -> PlanEvidenceOut:
            m = ev.doc.meta
            return PlanEvidenceOut(
                doc_id=m.doc_id, title=m.title, ambito=m.ambito, period=m.period, kind=m.kind, relevant=ev.relevant,
                coverage=round(ev.coverage, 3), passages=[SearchHit.of(r) for r in ev.results] if ev.relevant else [],
            )

        groups = {key: [plan(ev) for ev in plans] for key, plans in comparison.groups.items()}
        return cls.model_validate({"topic": comparison.topic, "by": comparison.by, "groups": groups})


class LinkSide(BaseModel):
    objective_id: str
    doc_id: str
    ambito: str | None
    period: str | None
    area: str | None
    label: str | None
    title: str
    source: str
    page: int | None
    section: str
    char_start: int
    char_end: int
    indicators: list[str]
    targets: list[str]


class LinkOut(BaseModel):
    """Two objectives of different plans that pursue the same aim (or a related one)."""

    model_config = ConfigDict(populate_by_name=True)

    relation: str
    score: float
    source: LinkSide = Field(alias="from")
    target: LinkSide = Field(alias="to")

    @classmethod
    def of(cls, link: Link) -> LinkOut:
        def side(o: Any) -> LinkSide:
            return LinkSide(
                objective_id=o.objective_id, doc_id=o.doc_id, ambito=o.ambito, period=o.period, area=o.area,
                label=o.label, title=o.title, source=o.source, page=o.page, section=o.section,
                char_start=o.char_start, char_end=o.char_end, indicators=list(o.indicators), targets=list(o.targets),
            )

        return cls.model_validate(
            {"relation": link.relation, "score": round(link.score, 4), "from": side(link.source), "to": side(link.target)}
        )


class ObjectiveList(RootModel[list[Objective]]):
    """The objective records of the plans (JSON form of the objectives table)."""


class ReviewedList(RootModel[list[ReviewedObjective]]):
    """The objectives table as reviewed: each record with its ``review_status``."""


class ReviewHistory(RootModel[list[ReviewEvent]]):
    """The audit trail of one record's review, oldest first."""


class Health(BaseModel):
    status: Literal["ok"] = "ok"


class Ready(BaseModel):
    status: Literal["pronto"] = "pronto"
    documents: int
    embedder: str


def dump(model: BaseModel | list[Any]) -> Any:
    """The JSON-ready form of a response model (aliases as on the wire), for the CLI."""
    if isinstance(model, list):
        return [dump(m) for m in model]
    return model.model_dump(mode="json", by_alias=True)
