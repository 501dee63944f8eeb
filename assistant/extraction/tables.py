"""Shape 2: objective tables broken by PDF extraction.

After an ``Obiettivo N Title`` heading comes a table whose header (split over
lines) names the columns, e.g. ``Tipologia obiettivo | Azioni | Risorse
impiegate | Strumenti | Indicatori di esito | Range valutazione | Strumenti
valutazione | Tempi``; the cells follow in column order as blocks of short
lines. The raw text is read line by line (layout matters here), cut into
fragments (blank lines, list bullets, runs of spaces, and the start of
typical cell contents), and fragments are assigned to the header's columns
by a monotone best-score alignment over cue words. Spans are mapped back to
the canonical text, so a cell never mixes the words of two cells.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.extraction.common import OBJECTIVE_HEADING, ParsedLike, build, enclosing, is_previous
from assistant.extraction.grounding import FieldValues
from assistant.extraction.schema import Objective
from ingest.structure import RANK_OBJECTIVE

# header names in the order they are matched (longest first where they share words)
COLUMNS = [
    ("kind", r"tipologia(?:\s+obiettivo)?"),
    ("actions", r"azioni"),
    ("resources", r"risorse(?:\s+impiegate)?"),
    ("evaluation_tools", r"strumenti\s+(?:di\s+)?valutazione"),
    ("tools", r"strumenti"),
    ("indicators", r"indicatori(?:\s+di\s+esito)?"),
    ("targets", r"range(?:\s+(?:di\s+)?valutazione)?"),
    ("timing", r"tempi"),
]
_HEADER_WORD = re.compile(r"^(?:tipologia|obiettivo|azioni|risorse|impiegate|strumenti|indicatori|di|esito|range|valutazione|tempi)$", re.I)
_AREA = re.compile(r"^(?:Focus|FOCUS|Area|AREA)\b[^\n]{0,120}$", re.M)
_CUT = re.compile(r"\s{2,}|\s(?=(?:N°|n°|Nel corso|Entro |Report |Monitoraggio |Verifica ))")
# a cell cut before "N°"/"Entro" is wrong when the text before ends with a word that needs a continuation
_JOINS = re.compile(r"\b(?:del|dello|della|dei|degli|delle|di|da|con|e|ed|il|lo|la|i|gli|le|al|allo|alla|ai|agli|alle"
                    r"|nel|nella|nei|per|tra|fra|su|sul|sulla|rapporto|aumento|incremento|riduzione)\s*$", re.I)
_BULLET = re.compile(r"^\s*[•\uf0b7\uf0a7▪-]\s*")

CUES: dict[str, list[tuple[re.Pattern[str], float]]] = {
    "kind": [(re.compile(r"^(strategic|specific|operativ|gestional)[oa]\b", re.I), 6.0)],
    "actions": [(re.compile(r"^\w+(?:are|ere|ire)\b", re.I), 1.0), (re.compile(r"^\w+zion[ei]\b", re.I), 0.5)],
    "resources": [
        (re.compile(r"^(?:risors|cost|fna|fnps|fsr|fond[oi]|budget|personal[ei]|finanzi|bilanc|welfare legami)", re.I), 2.5),
        (re.compile(r"€|\beuro\b", re.I), 1.0),
    ],
    "tools": [(re.compile(r"^(?:protocoll|cartell|progett|pian[oi]|regolament|accord|convenzion|band[oi]|mappatur|tavol|[ée]quipe|strument|sportell|banca dati|modulistic|linee guida|albo|sistema)", re.I), 1.5)],
    "indicators": [
        (re.compile(r"^(?:n°|n\.|nr\.?|numero)\s", re.I), 3.5),
        # "Aumento del N° di …": a change in a count is measured, not a target value
        (re.compile(r"^(?:aumento|incremento|riduzione|diminuzione)\s+de\w*\s+(?:n°|n\.|nr\.?|numero)\s", re.I), 3.5),
        (re.compile(r"^(?:grado|percentuale|tasso|adozione|approvazione|presenza|integrazione fra|diffusione|stipula|definizione|realizzazione|attivazione)\b", re.I), 1.5),
    ],
    "targets": [(re.compile(r"\d+\s?%|\balmeno\b|\bincremento\b|\baumento\b|\briduzione\b|\bin progress\b", re.I), 2.0)],
    "evaluation_tools": [(re.compile(r"^(?:report|monitoraggi|verific|relazion|questionar|follow|sched|incontri|rilevazion|controll|approvazione\s+nei)", re.I), 2.5)],
    "timing": [
        (re.compile(r"^(?:nel corso|entro|dal |da |a partire|triennio|annual|\d{4}|giugno|dicembre|settembre|gennaio|primo|secondo|terzo)", re.I), 2.5),
        (re.compile(r"\b(?:entro|nel corso del|triennio|semestre)\b", re.I), 1.0),
    ],
}


@dataclass
class _Fragment:
    start: int  # raw offsets
    end: int

    def text(self, raw: str) -> str:
        return raw[self.start : self.end]


def _columns(header: str) -> list[str]:
    names: list[str] = []
    pos = 0
    low = " ".join(header.lower().split())
    while pos < len(low):
        for name, rx in COLUMNS:
            m = re.compile(rx).match(low, pos)
            if m:
                names.append(name)
                pos = m.end()
                break
        else:
            nxt = low.find(" ", pos)
            pos = len(low) if nxt < 0 else nxt + 1
            continue
        while pos < len(low) and low[pos] == " ":
            pos += 1
    return [n for i, n in enumerate(names) if n not in names[:i]]


def _raw_lines(raw: str, start: int, end: int) -> list[tuple[int, int]]:
    out, pos = [], start
    for piece in raw[start:end].split("\n"):
        out.append((pos, pos + len(piece)))
        pos += len(piece) + 1
    return out


def _fragments(raw: str, lines: list[tuple[int, int]], kept: set[int]) -> list[list[_Fragment]]:
    """Cells as lists of item fragments: blank lines and cuts end a cell, bullets start an item."""
    cells: list[list[_Fragment]] = []
    current: list[_Fragment] = []
    for a, b in lines:
        text = raw[a:b]
        if not text.strip():
            if current:
                cells.append(current)
                current = []
            continue
        if a not in kept:  # a running footer dropped by normalisation
            continue
        pieces, pos = [], a
        for m in _CUT.finditer(raw, a, b):
            if m.end() - m.start() == 1 and _JOINS.search(raw, pos, m.start()):
                continue  # "Aumento del N° di …", "rapporto con N° …": the phrase goes on
            pieces.append((pos, m.start()))
            pos = m.end()
        pieces.append((pos, b))
        pieces = [(s, e) for s, e in pieces if raw[s:e].strip()]
        for k, (s, e) in enumerate(pieces):
            if k > 0 and current:
                cells.append(current)
                current = []
            bullet = _BULLET.match(raw, s, e)
            piece_start = bullet.end() if bullet else s
            if bullet or not current or _starts_item(raw, current[-1], s):
                current.append(_Fragment(piece_start, e))
            else:
                current[-1] = _Fragment(current[-1].start, e)
    if current:
        cells.append(current)
    return cells


def _starts_item(raw: str, previous: _Fragment, start: int) -> bool:
    """A capitalised line after a line that ended a sentence or a lower-case word opens a new item."""
    words = raw[start:].split(maxsplit=1)
    word = words[0] if words else ""
    if not word[:1].isupper() or (len(word) > 1 and word.isupper()):
        return False  # lower case, or an acronym continuing the sentence ("regolamento / ISEE")
    prev = raw[previous.start : previous.end].rstrip()
    last = prev.split()[-1] if prev.split() else ""
    return prev.endswith(".") or (last[:1].islower() and len(last) > 1)


def _score(cell: list[_Fragment], raw: str, column: str, is_last: bool) -> float:
    text = raw[cell[0].start : cell[-1].end].strip()
    score = sum(w for rx, w in CUES[column] if rx.search(text))
    if column == "timing" and is_last:
        score += 2.0
    if column == "kind" and score == 0:
        score = -3.0
    return score


def _assign(cells: list[list[_Fragment]], raw: str, columns: list[str]) -> list[int]:
    """Monotone alignment of cells to columns maximising cue scores (ties: stay in the column)."""
    n, m = len(cells), len(columns)
    neg = float("-inf")
    best = [[neg] * m for _ in range(n)]
    back = [[0] * m for _ in range(n)]
    for j in range(m):
        best[0][j] = _score(cells[0], raw, columns[j], n == 1) - 0.01 * j
    for i in range(1, n):
        for j in range(m):
            k = max(range(j + 1), key=lambda x: (best[i - 1][x], x))
            best[i][j] = best[i - 1][k] + _score(cells[i], raw, columns[j], i == n - 1) - 0.01 * (j - k)
            back[i][j] = k
    j = max(range(m), key=lambda x: (best[n - 1][x], -x))
    path = [j]
    for i in range(n - 1, 0, -1):
        j = back[i][j]
        path.append(j)
    return path[::-1]


def _survives(doc: ParsedLike, start: int, end: int) -> bool:
    """True when some character of the raw line made it into the canonical text."""
    a, b = doc.canonical.canonical_span(start, end)
    return a < b


def _rows_assignment(cells: list[list[_Fragment]], raw: str, columns: list[str]) -> list[int]:
    """Column of each cell; a table row continued after a page break starts again at the first column.

    When cells follow the one recognised as the last column (``Tempi``), the PDF
    put the rest of the row after it: those cells are aligned again as a second row.
    """
    assignment = _assign(cells, raw, columns)
    last = len(columns) - 1
    if columns[last] == "timing" and last in assignment:
        cut = assignment.index(last) + 1
        if cut < len(cells) and _score(cells[cut - 1], raw, "timing", False) >= 2.5:
            rest = _assign(cells[cut:], raw, columns[:last]) if last > 0 else []
            assignment = assignment[:cut] + [max(1, j) for j in rest]
    return assignment


_SCALAR = {"kind", "resources", "tools", "evaluation_tools", "timing"}


def extract_tables(doc: ParsedLike) -> list[Objective]:
    text, raw = doc.canonical.text, doc.raw_text
    heads = [s for s in doc.sections if s.level == RANK_OBJECTIVE and OBJECTIVE_HEADING.match(s.title)]
    out: list[Objective] = []
    for idx, section in enumerate(heads):
        end = heads[idx + 1].start if idx + 1 < len(heads) else len(text)
        for s in doc.sections:
            if section.start < s.start < end and 0 < s.level < RANK_OBJECTIVE:
                end = s.start
                break
        area = None
        for m in _AREA.finditer(text, section.heading_end, end):
            end = m.start()  # the next focus area starts a new group of tables
            break
        raw_start, raw_end = doc.canonical.offsets[section.heading_end - 1] + 1, doc.canonical.offsets[end - 1] + 1
        lines = _raw_lines(raw, raw_start, raw_end)
        header_words: list[str] = []
        body = 0
        for i, (a, b) in enumerate(lines):
            words = raw[a:b].split()
            if not words:
                continue
            if all(_HEADER_WORD.match(w) for w in words):
                header_words += words
                body = i + 1
            elif header_words:
                break
        columns = _columns(" ".join(header_words))
        if len(columns) < 4:
            continue  # not a table under this heading
        kept = {a for a, b in lines[body:] if _survives(doc, a, b)}
        cells = _fragments(raw, lines[body:], kept)
        if not cells:
            continue
        assignment = _rows_assignment(cells, raw, columns)
        fields = FieldValues(text)
        heading = OBJECTIVE_HEADING.match(section.title)
        assert heading is not None
        fields.set("label", section.start, section.start + len(heading.group(1)))
        if heading.group(2).strip():
            fields.set("title", section.start + heading.start(2), section.heading_end)
        areas = [m for m in _AREA.finditer(text, 0, section.start)]
        if areas:
            area = areas[-1]
            fields.set("area", area.start(), area.end())
        for cell, col in zip(cells, assignment, strict=True):
            name = columns[col]
            spans = [doc.canonical.canonical_span(f.start, f.end) for f in cell]
            if name in _SCALAR:
                fields.extend(name, spans[0][0], spans[-1][1])
            else:
                for a, b in spans:
                    fields.add(name, a, b)
        enclosing_section = enclosing(doc.sections, section.start)
        record = build(doc, fields, start=section.start, end=end, section=enclosing_section, extractor="table",
                       scope="previous" if is_previous(section.path[:-1]) else "plan")
        if record is not None:
            out.append(record)
    return out
