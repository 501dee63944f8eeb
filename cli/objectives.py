"""``pdz objectives``: the objectives table, its exports, links across plans, the LLM extractor."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from api.responses import LinkOut
from cli.context import EXIT_USAGE, assistant, emit_json, fail, run
from cli.options import AmbitoOption, DocOption, JsonOption, OutOption, PeriodOption

if TYPE_CHECKING:
    from assistant.review import ReviewedObjective

objectives_app = typer.Typer(
    help="Obiettivi, azioni, indicatori e target dei piani.", invoke_without_command=True, rich_markup_mode=None
)
FORMATS = ("csv", "xlsx", "json")


def _write(text: str, output: Path | None) -> None:
    if output is None:
        typer.echo(text, nl=not text.endswith("\n"))
    else:
        output.write_text(text, encoding="utf-8")


@objectives_app.callback()
def objectives(
    ctx: typer.Context,
    ambito: AmbitoOption = None,
    period: PeriodOption = None,
    doc: DocOption = None,
    previous: Annotated[bool, typer.Option("--previous", help="Includi gli esiti di piani precedenti.")] = False,
    everything: Annotated[bool, typer.Option("--all", help="Anche i candidati con punteggio più basso.")] = False,
    approved: Annotated[bool, typer.Option("--approved", help="Solo i record approvati in revisione.")] = False,
    as_json: JsonOption = False,
    fmt: Annotated[str | None, typer.Option("--format", help="csv, xlsx o json.")] = None,
    output: OutOption = None,
    limit: Annotated[int | None, typer.Option("--limit", min=1, max=5000, help="Al massimo tante righe.")] = None,
    offset: Annotated[int, typer.Option("--offset", min=0, help="Righe da saltare (con --limit: pagine).")] = 0,
) -> None:
    """Obiettivi, azioni, indicatori e target dei piani (tabella esportabile)."""
    from assistant import export

    if ctx.invoked_subcommand is not None:
        return
    if fmt is not None and fmt not in FORMATS:
        fail(f"formato «{fmt}» non ammesso: usare csv, xlsx o json", code=EXIT_USAGE)
    if fmt == "xlsx" and output is None:
        fail("--format xlsx richiede --output FILE", code=EXIT_USAGE)
    table = run(lambda: assistant().reviewed_table(
        ambito=ambito, period=period, doc_id=doc, include_previous=previous, include_candidates=everything,
        status="approvato" if approved else None, limit=limit, offset=offset,
    ))
    records = table.rows
    if (limit is not None or offset) and records:
        typer.echo(f"Righe {offset + 1}-{offset + len(records)} di {table.total}.", err=True)
    elif limit is not None or offset:
        typer.echo(f"Nessuna riga dopo la {offset}ª (in tutto {table.total}).", err=True)
    if as_json or fmt == "json":
        if output is not None:
            _write(table.to_json(), output)
        else:
            typer.echo(json.dumps([r.model_dump(mode="json") for r in records], ensure_ascii=False))
        return
    if fmt == "csv":
        _write(export.to_csv(records), output)
        return
    if fmt == "xlsx":
        assert output is not None
        export.to_xlsx(records, str(output))
        typer.echo(f"Esportati {len(records)} obiettivi in {output}")
        return
    if not records:
        typer.echo("Nessun obiettivo trovato.")
    for r in records:
        typer.echo(f"{r.objective_id:<24} {r.review_status:<11} {r.doc_id:<28} {r.label or '-':<16} {r.title[:80]}"
                   f"  (indicatori: {len(r.indicators)})")


@objectives_app.command("align")
def objectives_align(
    source: Annotated[str | None, typer.Option("--from", help="doc_id del primo piano.")] = None,
    target: Annotated[str | None, typer.Option("--to", help="doc_id del secondo piano.")] = None,
    as_json: JsonOption = False,
    fmt: Annotated[str | None, typer.Option("--format", help="xlsx (richiede --output).")] = None,
    output: OutOption = None,
) -> None:
    """Collega gli obiettivi di piani diversi che perseguono lo stesso scopo."""
    from assistant import export

    if fmt not in (None, "xlsx") or (fmt == "xlsx" and output is None):
        fail("usare --format xlsx --output FILE oppure --json", code=EXIT_USAGE)
    links = run(lambda: assistant().align_objectives(source=source, target=target))
    if as_json:
        emit_json([LinkOut.of(link) for link in links])
        return
    if fmt == "xlsx":
        assert output is not None
        export.links_to_xlsx(links, str(output))
        typer.echo(f"Esportati {len(links)} collegamenti in {output}")
        return
    if not links:
        typer.echo("Nessun collegamento trovato.")
    for link in links:
        a, b = link.source, link.target
        typer.echo(
            f"[{link.relation}, {link.score:.2f}] {a.doc_id} {a.label or ''} {a.title[:60]}  ↔  "
            f"{b.doc_id} {b.label or ''} {b.title[:60]}"
        )


@objectives_app.command("llm")
def objectives_llm(
    doc: Annotated[str, typer.Argument(help="doc_id del documento da leggere con il modello linguistico.")],
    as_json: JsonOption = False,
) -> None:
    """Estrae gli obiettivi di un documento con il modello linguistico configurato (PDZ_LLM_MODEL).

    Ogni valore proposto dal modello è riallineato al testo: ciò che non vi si trova è scartato e
    segnalato. Il risultato è una proposta da rivedere: non sostituisce la tabella estratta dalle regole.
    """
    result = run(lambda: assistant().extract_objectives_llm(doc))
    if as_json:
        emit_json({"objectives": [o.model_dump(mode="json") for o in result.objectives], "dropped": result.dropped})
        return
    for o in result.objectives:
        typer.echo(f"- {o.title}  (caratteri {o.char_start}-{o.char_end}; indicatori: {len(o.indicators)})")
    for d in result.dropped:
        typer.echo(f"Scartato ({d.get('field')}): {d.get('value')} — {d.get('reason')}", err=True)
    if not result.objectives:
        typer.echo("Nessun obiettivo verificabile nel testo.")


# -- review: approve, correct, reject, add, history ------------------------------------------
review_app = typer.Typer(
    help="Revisione della tabella: approvare, correggere, rifiutare o aggiungere record (con storico).",
    no_args_is_help=True, rich_markup_mode=None,
)
objectives_app.add_typer(review_app, name="review")
IdArg = Annotated[str, typer.Argument(help="objective_id del record (vedi `pdz objectives`).")]
AuthorOption = Annotated[
    str | None, typer.Option("--author", help="Chi fa la revisione (predefinito: l'utente di sistema).")
]
SetOption = Annotated[
    list[str] | None,
    typer.Option("--set", help="campo=valore; per azioni, indicatori e target ripetere l'opzione per ogni voce."),
]


def _author(author: str | None) -> str:
    import getpass

    return author or getpass.getuser()


def _fields(pairs: list[str] | None) -> dict[str, object]:
    from assistant.extraction.schema import LIST_FIELDS

    fields: dict[str, object] = {}
    for pair in pairs or []:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            fail(f"«{pair}» non è nella forma campo=valore", code=EXIT_USAGE)
        name = name.strip()
        if name in LIST_FIELDS:
            items = fields.setdefault(name, [])
            assert isinstance(items, list)
            if value.strip():
                items.append(value)
        else:
            fields[name] = value
    return fields


def _show(row: ReviewedObjective, as_json: bool) -> None:
    if as_json:
        emit_json(row)
    else:
        typer.echo(f"{row.review_status}: {row.objective_id} {row.title}")


@review_app.command("approve")
def review_approve(objective_id: IdArg, author: AuthorOption = None, as_json: JsonOption = False) -> None:
    """Approva un record."""
    _show(run(lambda: assistant().review_objective(objective_id, author=_author(author), status="approvato")), as_json)


@review_app.command("correct")
def review_correct(
    objective_id: IdArg, fields: SetOption = None, author: AuthorOption = None, as_json: JsonOption = False
) -> None:
    """Corregge uno o più campi di un record (il record estratto resta com'era)."""
    changes = _fields(fields)
    if not changes:
        fail("indicare almeno un --set campo=valore", code=EXIT_USAGE)
    _show(run(lambda: assistant().review_objective(objective_id, author=_author(author), changes=changes)), as_json)


@review_app.command("reject")
def review_reject(objective_id: IdArg, author: AuthorOption = None, as_json: JsonOption = False) -> None:
    """Rifiuta un record (un record aggiunto in revisione viene ritirato)."""
    _show(run(lambda: assistant().reject_objective(objective_id, author=_author(author))), as_json)


@review_app.command("add")
def review_add(
    doc: Annotated[str, typer.Argument(help="doc_id del piano.")],
    title: Annotated[str, typer.Option("--title", help="Titolo dell'obiettivo.")],
    fields: SetOption = None,
    author: AuthorOption = None,
    as_json: JsonOption = False,
) -> None:
    """Aggiunge un record che l'estrazione non ha trovato."""
    values = _fields(fields) | {"title": title}
    _show(run(lambda: assistant().add_objective(doc, author=_author(author), fields=values)), as_json)


def _quoted(value: object) -> str:
    items = value if isinstance(value, list) else [value]
    return ", ".join(f"«{x if x is not None else ''}»" for x in items) or "(vuoto)"


@review_app.command("history")
def review_history(objective_id: IdArg, as_json: JsonOption = False) -> None:
    """Storico delle revisioni di un record: chi, quando, cosa."""
    events = run(lambda: assistant().objective_history(objective_id))
    if as_json:
        emit_json(list(events))
        return
    if not events:
        typer.echo("Nessuna revisione per questo record.")
    for e in events:
        changed = "; ".join(f"{k}: {_quoted(v['prima'])} → {_quoted(v['dopo'])}" for k, v in e.changes.items())
        typer.echo(f"{e.at:%Y-%m-%d %H:%M} {e.author}: {e.action}" + (f" ({changed})" if changed else "")
                   + (f" — {e.note}" if e.note else ""))
