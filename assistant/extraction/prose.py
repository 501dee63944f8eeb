"""Shape 3: objectives written as prose and lists inside thematic chapters.

Sections whose heading announces objectives ("Proposte di sviluppo ed obiettivi",
"Strategie per il ...", "Obiettivi di miglioramento", "Azioni proposte", ...)
and the forward-looking lists of the programming chapters carry the
objectives: each list item, or each titled sub-paragraph, is one objective;
where there is neither, each paragraph is. Title: the lead before a colon or
the first clause; statement: the whole item. Results of previous plans
("Esiti della programmazione ...") are marked ``scope="previous"``.
"""

from __future__ import annotations

import re

from assistant.extraction.common import ParsedLike, build, is_previous
from assistant.extraction.grounding import FieldValues, is_bullet, lines
from assistant.extraction.schema import Objective
from ingest.schemas import Section
from ingest.structure import RANK_OBJECTIVE, RANK_TITLE_LINE

OBJECTIVE_SECTION = re.compile(
    r"propost[ae]|obiettiv|strategi[ae] per|azioni propost|linee d.azione|prospettive|rafforzare|priorit[aà]",
    re.I,
)
# sections that describe the present (needs, problems, data) rather than set objectives
ANALYSIS_SECTION = re.compile(r"problem|criticit|analisi|bisogn|\bdati\b|esiti|inquadramento|contesto|quadro", re.I)
_TOC_LINE = re.compile(r"\s\d{1,3}$")
_MAX_STATEMENT = 2500
_LEAD = re.compile(r"^(.{3,140}?)(?::\s|\s[–-]\s)")
_FIRST_CLAUSE = re.compile(r"^(.{3,160}?)(?:[.;]\s|[.;]$|$)")
_MIN_ITEM = 12
_MAX_TITLE = 160


def _governs(doc: ParsedLike, index: int) -> int:
    """End of a section including its sub-sections."""
    here = doc.sections[index]
    for s in doc.sections[index + 1 :]:
        if 0 < s.level <= here.level:
            return s.start
    return len(doc.canonical.text)


def _title_span(text: str, start: int, end: int) -> tuple[int, int]:
    item = text[start:end]
    m = _LEAD.match(item) or _FIRST_CLAUSE.match(item)
    if m and len(m.group(1)) <= _MAX_TITLE:
        return start, start + len(m.group(1))
    cut = item.rfind(" ", 0, _MAX_TITLE)
    return start, start + (cut if cut > 0 else min(len(item), _MAX_TITLE))


def _area(doc: ParsedLike, section: Section) -> tuple[int, int] | None:
    """The chapter a section sits in: its numbered ancestor of depth 2 (e.g. "4.3 FRAGILITÀ")."""
    wanted = section.path[1] if len(section.path) > 1 else section.path[0]
    for s in doc.sections:
        if s.title == wanted:
            return s.start, s.heading_end
    return None


def _describes_data(item: str) -> bool:
    """Statistics and table-of-contents lines are not objectives."""
    chars = [c for c in item if not c.isspace()]
    digits = sum(c.isdigit() for c in chars)
    return "%" in item or (chars and digits / len(chars) > 0.05) or bool(_TOC_LINE.search(item.rstrip(" .;")))


def _record(doc: ParsedLike, section: Section, start: int, end: int, title: tuple[int, int] | None) -> Objective | None:
    text = doc.canonical.text
    if title is None and _describes_data(text[start:end]):
        return None
    fields = FieldValues(text)
    fields.set("title", *(title or _title_span(text, start, end)))
    fields.set("statement", start, end)
    area = _area(doc, section)
    if area:
        fields.set("area", *area)
    scope = "previous" if is_previous(section.path) else "plan"
    return build(doc, fields, start=start, end=end, section=section, extractor="prose", scope=scope)


def _items_of(doc: ParsedLike, section: Section, start: int, end: int) -> list[Objective]:
    text = doc.canonical.text
    spans = lines(text, start, end)
    bullets = [sp for sp in spans if is_bullet(text[sp[0] : sp[1]]) and sp[1] - sp[0] >= _MIN_ITEM]
    out: list[Objective] = []
    if bullets:
        for a, b in bullets:
            record = _record(doc, section, a, b, None)
            if record:
                out.append(record)
        return out
    if OBJECTIVE_SECTION.search(section.title):
        for a, b in spans:
            if b - a >= 40:
                record = _record(doc, section, a, b, None)
                if record:
                    out.append(record)
    return out


def extract_prose(doc: ParsedLike) -> list[Objective]:
    text = doc.canonical.text
    sections = doc.sections
    out: list[Objective] = []
    done: set[int] = set()
    for i, section in enumerate(sections):
        if i in done or section.level in (0, RANK_OBJECTIVE) or not OBJECTIVE_SECTION.search(section.title):
            continue
        end = _governs(doc, i)
        for j in range(i, len(sections)):
            sub = sections[j]
            if sub.start >= end:
                break
            done.add(j)
            body_end = min(sub.end, end)
            if any(ANALYSIS_SECTION.search(p) for p in sub.path[len(section.path) :]):
                continue
            if j > i and sub.level == RANK_TITLE_LINE and body_end - sub.start <= _MAX_STATEMENT:
                # a titled sub-paragraph: the heading is the title, its text the statement
                record = _record(doc, sub, sub.start, body_end, (sub.start, sub.heading_end))
                if record:
                    out.append(record)
                continue
            out.extend(_items_of(doc, sub, sub.heading_end, body_end))
    # forward-looking lists elsewhere in chapters about objectives ("... DEFINIZIONE DI OBIETTIVI")
    for i, section in enumerate(sections):
        if i in done or section.level in (0, RANK_OBJECTIVE) or not any(OBJECTIVE_SECTION.search(p) for p in section.path[:-1]):
            continue
        if any(ANALYSIS_SECTION.search(p) for p in section.path[1:]):
            continue
        for a, b in lines(text, section.heading_end, section.end):
            item = text[a:b]
            if is_bullet(item) and _MIN_ITEM <= b - a <= 400 and item.rstrip().endswith((";", ".")) and not is_previous(section.path):
                record = _record(doc, section, a, b, None)
                if record:
                    out.append(record)
    return out
