"""Shape 1: numbered objectives with headed parts (OBIETTIVO, AZIONI, ... VALUTAZIONE, TEMPI)."""

from __future__ import annotations

import re

from assistant.extraction.common import OBJECTIVE_HEADING, ParsedLike, build, is_previous, set_stated_kind
from assistant.extraction.grounding import FieldValues, is_bullet, lines
from assistant.extraction.schema import Objective
from ingest.structure import RANK_OBJECTIVE

PART_LABEL = re.compile(
    r"^(OBIETTIVO|OBIETTIVI|AZIONI|AZIONE|INTEGRAZIONE|RISORSE|STRUMENTI|VALUTAZIONE|TEMPI|TEMPISTICA)\s*:?\s*$", re.M
)
_PART_FIELD = {"OBIETTIVO": "statement", "OBIETTIVI": "statement", "RISORSE": "resources", "STRUMENTI": "tools",
               "TEMPI": "timing", "TEMPISTICA": "timing"}
_EVALUATION = [
    ("indicators", re.compile(r"^indicatori(?: di esito| di risultato)?\s*:?", re.I | re.M)),
    ("targets", re.compile(r"^(?:range di valutazione|risultati attesi|target)\s*:?", re.I | re.M)),
    ("evaluation_tools", re.compile(r"^strumenti di valutazione\s*:?", re.I | re.M)),
]


def _end_of(doc: ParsedLike, index: int) -> int:
    here = doc.sections[index]
    for s in doc.sections[index + 1 :]:
        if 0 < s.level <= RANK_OBJECTIVE and s.start > here.start:
            return s.start
    return len(doc.canonical.text)


def _items(fields: FieldValues, name: str, text: str, start: int, end: int) -> None:
    spans = lines(text, start, end)
    bullets = [sp for sp in spans if is_bullet(text[sp[0] : sp[1]])]
    for a, b in bullets or spans:
        fields.add(name, a, b)


def _evaluation(fields: FieldValues, text: str, start: int, end: int) -> None:
    marks = sorted(
        ((m.start(), m.end(), name) for name, rx in _EVALUATION for m in rx.finditer(text, start, end)),
        key=lambda x: x[0],
    )
    for i, (_, body_start, name) in enumerate(marks):
        body_end = marks[i + 1][0] if i + 1 < len(marks) else end
        if name == "evaluation_tools":
            fields.set(name, body_start, body_end)
        else:
            _items(fields, name, text, body_start, body_end)


def extract_sectioned(doc: ParsedLike) -> list[Objective]:
    text = doc.canonical.text
    out: list[Objective] = []
    for i, section in enumerate(doc.sections):
        heading = OBJECTIVE_HEADING.match(section.title)
        if section.level != RANK_OBJECTIVE or heading is None:
            continue
        end = _end_of(doc, i)
        labels = list(PART_LABEL.finditer(text, section.heading_end, end))
        if len({m.group(1) for m in labels}) < 2:
            continue  # not this shape (e.g. a table follows the heading)
        fields = FieldValues(text)
        fields.set("label", section.start, section.start + len(heading.group(1)))
        if heading.group(2).strip():
            fields.set("title", section.start + heading.start(2), section.heading_end)
        else:
            first = lines(text, section.heading_end, labels[0].start())
            if first:
                fields.set("title", *first[0])
        if len(section.path) >= 2:
            area = next((s for s in reversed(doc.sections[:i]) if s.title == section.path[-2]), None)
            if area is not None:
                fields.set("area", area.start, area.heading_end)
        for j, label in enumerate(labels):
            part_end = labels[j + 1].start() if j + 1 < len(labels) else end
            name = label.group(1)
            if name.startswith("AZION"):
                _items(fields, "actions", text, label.end(), part_end)
            elif name == "VALUTAZIONE":
                _evaluation(fields, text, label.end(), part_end)
            elif name in _PART_FIELD:
                fields.set(_PART_FIELD[name], label.end(), part_end)
        set_stated_kind(fields, section.start, end)
        record = build(doc, fields, start=section.start, end=end, section=section, extractor="sectioned",
                       scope="previous" if is_previous(section.path[:-1]) else "plan")
        if record is not None:
            out.append(record)
    return out
