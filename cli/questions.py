"""``pdz search``, ``pdz ask``, ``pdz compare``: passages, cited answers, evidence by plan."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from pydantic import BaseModel

from api.responses import AnswerOut, ComparisonOut, SearchHit, SearchResponse
from cli.context import EXIT_USAGE, assistant, emit_json, fail, run
from cli.options import AmbitoOption, BatchOption, DocOption, JsonOption, KindOption, KOption, PeriodOption

if TYPE_CHECKING:
    from assistant.retrieval import SearchFilters


def _filters(ambito: str | None, period: str | None, kind: str | None, doc: str | None) -> SearchFilters:
    from assistant.retrieval import SearchFilters

    return SearchFilters(ambito=ambito, period=period, kind=kind, doc_id=doc)


def read_batch(path: Path) -> list[dict[str, Any]]:
    """Rows ``{id, question}`` of a JSONL file; a bad line is a clear error naming it."""
    if not path.is_file():
        fail(f"file batch inesistente: {path}")
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            fail(f"{path.name}: riga {n} non è JSON valido ({exc.msg})")
        if not isinstance(obj, dict) or not isinstance(obj.get("question"), str) or not obj["question"].strip():
            fail(f"{path.name}: riga {n} senza campo «question»")
        rows.append(obj)
    return rows


def _one_or_batch(question: str | None, batch: Path | None, handle: Callable[[str], BaseModel]) -> bool:
    """Validate "a question or --batch"; run the batch (one JSON line per row) and say if it did."""
    if (question is None) == (batch is None):
        fail("indicare una domanda oppure --batch FILE.jsonl", code=EXIT_USAGE)
    if batch is None:
        return False
    for row in read_batch(batch):
        text: str = row["question"]
        result = run(lambda: handle(text))  # noqa: B023 - called at once
        emit_json({"id": row.get("id"), **result.model_dump(mode="json", exclude={"query"})})
    return True


def search(
    query: Annotated[str | None, typer.Argument(help="La domanda o le parole da cercare.")] = None,
    k: KOption = 10,
    ambito: AmbitoOption = None,
    period: PeriodOption = None,
    kind: KindOption = None,
    doc: DocOption = None,
    batch: BatchOption = None,
    as_json: JsonOption = False,
) -> None:
    """Cerca i passaggi più pertinenti (ricerca ibrida lessicale + semantica)."""
    a = assistant()
    flt = _filters(ambito, period, kind, doc)

    def respond(q: str) -> SearchResponse:
        return SearchResponse(query=q, results=[SearchHit.of(r) for r in a.search(q, k=k, filters=flt)])

    if _one_or_batch(query, batch, respond):
        return
    assert query is not None
    response = run(lambda: respond(query))
    if as_json:
        emit_json(response)
        return
    if not response.results:
        typer.echo("Nessun passaggio trovato.")
    for r in response.results:
        where = f"{r.title} · {r.section or '-'}" + (f" · p. {r.page}" if r.page else "")
        typer.echo(f"[{r.rank}] {r.score:.4f}  {where}")
        typer.echo("    " + " ".join(r.text.split())[:300])


def ask(
    question: Annotated[str | None, typer.Argument(help="La domanda, in italiano.")] = None,
    ambito: AmbitoOption = None,
    period: PeriodOption = None,
    kind: KindOption = None,
    doc: DocOption = None,
    batch: BatchOption = None,
    as_json: JsonOption = False,
) -> None:
    """Risponde in italiano citando i passaggi dei documenti."""
    a = assistant()
    flt = _filters(ambito, period, kind, doc)

    def respond(q: str) -> AnswerOut:
        return AnswerOut.of(a.ask(q, filters=flt))

    if _one_or_batch(question, batch, respond):
        return
    assert question is not None
    answer = run(lambda: respond(question))
    if as_json:
        emit_json(answer)
        return
    typer.echo(answer.answer)
    for c in answer.citations:
        typer.echo(
            f"[{c.n}] {c.title} — {c.section or '-'}" + (f", p. {c.page}" if c.page else "")
            + f" (caratteri {c.char_start}-{c.char_end})"
        )
    for sentence in answer.unsupported_sentences:
        typer.echo(f"Attenzione: frase non verificata nelle fonti: {sentence}", err=True)


def compare(
    topic: Annotated[str, typer.Argument(help="Tema o domanda da confrontare tra i piani.")],
    by: Annotated[str, typer.Option("--by", help="Raggruppa per plan, ambito o period.")] = "plan",
    k: Annotated[int, typer.Option("--k", min=1, max=10, help="Passaggi per piano.")] = 3,
    as_json: JsonOption = False,
) -> None:
    """Confronta come i piani trattano un tema: le fonti migliori di ciascun piano."""
    if by not in {"plan", "ambito", "period"}:
        fail("--by ammette plan, ambito o period", code=EXIT_USAGE)
    result = ComparisonOut.of(run(lambda: assistant().compare(topic, by=by, per_plan=k)))
    if as_json:
        emit_json(result)
        return
    for key, plans in result.groups.items():
        typer.echo(f"== {key}")
        for ev in plans:
            if not ev.relevant:
                typer.echo(f"  {ev.title}: nessuna evidenza pertinente")
                continue
            typer.echo(f"  {ev.title}:")
            for p in ev.passages:
                typer.echo(f"    - [{p.section or '-'}] " + " ".join(p.text.split())[:200])
