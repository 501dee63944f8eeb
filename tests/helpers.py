"""Plain helpers and sample data shared by test modules (fixtures live in conftest files)."""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF

from ingest.schemas import DocumentMeta

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "corpus"
MINI = REPO / "tests" / "fixtures" / "mini"
"""A six-document corpus of purpose-made Italian passages with known answers."""

FOOTER = "Piano di zona di prova per il triennio 2015-2017"
PAGES = [
    ["Capitolo 1 - La partecipazione", "Il percorso di parteci-", "pazione ha coinvolto i Comuni del distretto."],
    ["Capitolo 2 - I servizi", "Il servizio di assistenza domiciliare raggiunge gli anziani della città."],
    ["Capitolo 3 - Le risorse", "Il fondo sociale regionale finanzia i servizi per la famiglia."],
]


def make_pdf(path: Path, pages: list[list[str]], *, footer: bool = True) -> Path:
    """One text line per cell (core font, latin-1 only) and a numbered running footer."""
    pdf = FPDF()
    pdf.set_auto_page_break(False)
    for n, lines in enumerate(pages, 1):
        pdf.add_page()
        pdf.set_font("Helvetica", size=11)
        for line in lines:
            pdf.cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
        if footer:
            pdf.set_y(-20)
            pdf.cell(0, 8, f"{FOOTER}  {n}")
    pdf.output(str(path))
    return path




PLAN = DocumentMeta("prova", "prova.txt", "Piano di prova", "Crema", "2015-2017", "piano")

SECTIONED = """AREA DI PRIORITA' SERVIZI

Obiettivo n. 1

Sportello unico per l'accesso ai servizi

OBIETTIVO

Creare un accesso unico e semplice ai servizi del distretto.

AZIONI

- apertura di uno sportello in ogni sub-ambito
- formazione degli operatori

VALUTAZIONE

Indicatori di esito:

- N. di sportelli aperti
- N. di accessi registrati

Range di valutazione:

- almeno 4 sportelli entro il 2016

TEMPI

L'obiettivo è di natura strategica e si sviluppa nel triennio.
"""

BROKEN_TABLE = """Focus anziani

Obiettivo 1: Pasti a domicilio

Tipologia

obiettivo

Azioni  Risorse impiegate Strumenti  Indicatori di esito Range valutazione Strumenti

valutazione

Tempi

Specifico  Organizzare la
consegna dei pasti
caldi

Risorse comunali

Convenzione con
la mensa

N° pasti
consegnati
 
N° anziani
raggiunti

Almeno 50
anziani serviti

Report periodici  Nel corso del
triennio
"""
