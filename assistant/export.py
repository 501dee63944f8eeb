"""Objective tables for people: JSON, CSV and XLSX (one sheet per plan, Italian headers), and linked objectives."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence
from typing import IO, Any

from assistant.alignment import Link, indicator_table
from assistant.extraction.schema import Objective

COLUMNS: list[tuple[str, str]] = [
    ("Area", "area"),
    ("Etichetta", "label"),
    ("Titolo", "title"),
    ("Tipo", "kind"),
    ("Descrizione", "statement"),
    ("Azioni", "actions"),
    ("Indicatori di esito", "indicators"),
    ("Target / range", "targets"),
    ("Tempi", "timing"),
    ("Risorse", "resources"),
    ("Strumenti", "tools"),
    ("Strumenti di valutazione", "evaluation_tools"),
    ("Stato", "_status"),
    ("Fonte", "_source"),
]
STATUS_LABELS = {"estratto": "estratto", "approvato": "approvato", "corretto": "corretto", "aggiunto": "aggiunto",
                 "rifiutato": "rifiutato", "da_rivedere": "da rivedere"}


def _source(o: Objective) -> str:
    parts = [o.source]
    if o.page:
        parts.append(f"p. {o.page}")
    if o.section:
        parts.append(o.section)
    parts.append(f"caratteri {o.char_start}-{o.char_end}")
    return " · ".join(parts)


def row(o: Objective) -> list[str]:
    out = []
    for _, name in COLUMNS:
        if name == "_source":
            out.append(_source(o))
            continue
        if name == "_status":  # reviewed rows carry their review status; plain records are as extracted
            out.append(STATUS_LABELS.get(getattr(o, "review_status", "estratto"), "estratto"))
            continue
        value = getattr(o, name)
        out.append("\n".join(value) if isinstance(value, list) else (value or ""))
    return out


def to_json(objs: Sequence[Objective]) -> str:
    return json.dumps([o.model_dump(mode="json") for o in objs], ensure_ascii=False, indent=2)


def to_csv(objs: Sequence[Objective]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["Piano", "Ambito", "Periodo"] + [h for h, _ in COLUMNS])
    for o in objs:
        writer.writerow([o.doc_id, o.ambito or "", o.period or ""] + row(o))
    return buffer.getvalue()


def _sheet_name(o: Objective, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", "-", " ".join(x for x in (o.ambito, o.period) if x) or o.doc_id)[:28] or "Piano"
    name, n = base, 2
    while name in used:
        name = f"{base[:26]} {n}"
        n += 1
    used.add(name)
    return name


def to_xlsx(objs: Sequence[Objective], target: str | IO[bytes]) -> None:
    """One sheet per plan, one row per objective; lists are line-separated in their cell."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    workbook = Workbook()
    workbook.remove(workbook.active)
    sheets: dict[str, Any] = {}
    used: set[str] = set()
    for o in objs:
        sheet = sheets.get(o.doc_id)
        if sheet is None:
            sheet = workbook.create_sheet(_sheet_name(o, used))
            sheet.append([h for h, _ in COLUMNS])
            for cell in sheet[1]:
                cell.font = Font(bold=True)
            sheet.freeze_panes = "A2"
            sheets[o.doc_id] = sheet
        sheet.append(row(o))
        for cell in sheet[sheet.max_row]:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    if not sheets:
        sheet = workbook.create_sheet("Obiettivi")
        sheet.append([h for h, _ in COLUMNS])
    workbook.save(target)


LINK_COLUMNS = ["Relazione", "Obiettivo (primo piano)", "Obiettivo (secondo piano)", "Indicatori (primo)",
                "Indicatori (secondo)", "Target (primo)", "Target (secondo)"]


def links_to_xlsx(links: Sequence[Link], target: str | IO[bytes]) -> None:
    """Linked objectives of two plans side by side, with their indicators and targets."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Collegamenti"
    sheet.append(LINK_COLUMNS)
    for r in indicator_table(list(links)):
        sheet.append([r["relation"], r["from"], r["to"], "\n".join(r["from_indicators"]), "\n".join(r["to_indicators"]),
                      "\n".join(r["from_targets"]), "\n".join(r["to_targets"])])
    workbook.save(target)
