"""Options shared by several commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

KOption = Annotated[int, typer.Option("--k", min=1, max=100, help="Numero di passaggi.")]
AmbitoOption = Annotated[str | None, typer.Option("--ambito", help="Filtra per ambito (es. Crema).")]
PeriodOption = Annotated[str | None, typer.Option("--period", help="Filtra per periodo (es. 2015-2017).")]
KindOption = Annotated[str | None, typer.Option("--kind", help="Filtra per tipo (piano, presentazione...).")]
DocOption = Annotated[str | None, typer.Option("--doc", help="Filtra per doc_id.")]
BatchOption = Annotated[Path | None, typer.Option("--batch", help="File JSONL con righe {id, question}.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Output JSON.")]
OutOption = Annotated[Path | None, typer.Option("--output", help="File di destinazione.")]
