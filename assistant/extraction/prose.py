"""Shape 3: objectives written as prose and lists inside thematic chapters.

Candidates come from the plan's own signals, then each is classified:

* list items, read with their lead-in sentence ("… deve porsi come obiettivi:",
  "… nei seguenti principali ambiti:") and the headings above them;
* titled sub-paragraphs under a heading or label line announcing objectives
  ("Proposte di sviluppo ed obiettivi …", "Linee d'azione", "Priorità"), also
  when normalisation dropped that label as a repeated line (the raw text has it);
* paragraphs of such a block when it has neither lists nor titled paragraphs;
* sentences of intent anywhere ("si propone di …", "si intende …", "l'obiettivo è …").

Each candidate gets a category (objective, guideline, previous, analysis,
heading), a score in 0..1 and the reason (the cues that fired); a scope
(plan, regional, previous). Nothing is dropped here: ``selection.select``
decides what the default table shows. Indicators and targets stated in the
text ("indicatori: …", "N. di …", "entro il 2020") are read with exact spans.
"""

from __future__ import annotations

import re

from assistant.extraction import cues
from assistant.extraction.common import ParsedLike, build
from assistant.extraction.grounding import FieldValues, is_bullet, lines
from assistant.extraction.prose_reading import (
    HEADING_WORDS,
    MAX_STATEMENT,
    MIN_ITEM,
    MIN_PARAGRAPH,
    Candidate,
    Classifier,
    Reader,
    title_span,
)
from assistant.extraction.schema import Objective
from ingest.structure import RANK_OBJECTIVE, RANK_TITLE_LINE


def _finish(c: Candidate, text: str) -> None:
    a, b = c.title or title_span(text, c.start, c.end)
    if len(re.findall(r"[A-Za-zÀ-ú]{2,}", text[a:b])) < 2:
        c.category, c.score = "heading", min(c.score, 0.2)  # "ICF 3": a fragment, not an aim
    c.score = round(max(0.0, min(1.0, c.score)), 2)
    if c.scope == "regional" and c.category == "objective":
        c.category = "guideline"  # what the Region asks is a guideline for the ambito


def _list_runs(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, list[tuple[int, int]]]]:
    """Runs of list items (index of the lead-in line or -1, item spans); a lower-case line continues an item."""
    runs: list[tuple[int, list[tuple[int, int]]]] = []
    i = 0
    while i < len(spans):
        a, b = spans[i]
        if not is_bullet(text[a:b]):
            i += 1
            continue
        lead = i - 1
        items: list[tuple[int, int]] = []
        while i < len(spans):
            a, b = spans[i]
            line = text[a:b].lstrip()
            if is_bullet(line):
                items.append((a, b))
            elif items and line[:1].islower():
                items[-1] = (items[-1][0], b)  # the item continues after a page break
            else:
                break
            i += 1
        runs.append((lead, items))
    return runs


def extract_prose(doc: ParsedLike) -> list[Objective]:
    """Every candidate objective of the prose, classified, scored and grounded."""
    reader = Reader(doc)
    classify = Classifier(reader)
    text = reader.text
    candidates: list[Candidate] = []
    # 1. list items, with their lead-in and headings
    for section, path in reader.sections:
        if section.level == RANK_OBJECTIVE:
            continue
        body = lines(text, section.heading_end, section.end)
        for lead_index, items in _list_runs(text, body):
            lead = text[body[lead_index][0] : body[lead_index][1]] if lead_index >= 0 else None
            label = reader.label_before(items[0][0], section.heading_end)
            if lead is not None and lead.strip() == label:
                lead = None  # the line before the list is a label, read as a heading
            if lead is not None and not lead.rstrip().endswith((":", ";")):
                lead = None  # a lead-in introduces its list (":"), or is the list's first clause (";")
            emphasised = [reader.emphasised_lead(a, b) for a, b in items]
            titled = sum(e is not None for e in emphasised) >= 2  # the plan marks its items' titles
            first = next((k for k, e in enumerate(emphasised) if e is not None), len(items))
            # titled items detailed by plain ones: the plan's own structure of aims and their actions
            with_actions = titled and any(e is None for e in emphasised[first + 1 :])
            parent: Candidate | None = None
            for k, (a, b) in enumerate(items):
                item = text[a:b]
                if titled and emphasised[k] is None and parent is not None:
                    parent.actions.append((a, b))  # a plain item under an emphasised one details it
                    continue
                if b - a < MIN_ITEM:
                    continue
                nxt = items[k + 1][0] if k + 1 < len(items) else None
                follows = text.find("\n\n", b)
                heading_like = (len(item.split()) <= HEADING_WORDS and not item.rstrip().endswith((";", ".", ":"))
                                and nxt is None and follows >= 0 and len(items) == 1)
                c = Candidate(a, b, None, section, path)
                classify.heading_context(c, label)
                classify.lead_in(c, lead)
                classify.item_shape(c, item, heading_like=heading_like)
                if not heading_like:
                    c.cue(0.15, "voce di elenco")
                if emphasised[k] is not None and not heading_like:
                    c.title = emphasised[k]  # the plan's own title of the item; its plain items detail it
                    if with_actions:
                        c.cue(0.15, "voce titolata di un elenco con azioni")
                    else:
                        c.reasons.append("titolo in evidenza")
                    parent = c
                candidates.append(c)
    # 2. titled sub-paragraphs and paragraphs of announced blocks
    for i, (section, path) in enumerate(reader.sections):
        if section.level != RANK_TITLE_LINE or section.end - section.start > MAX_STATEMENT:
            continue
        parent_floor = max((s.start for s, _ in reader.sections[:i] if s.level < RANK_TITLE_LINE), default=0)
        label = reader.label_before(section.start, parent_floor)
        end = section.end
        for at, _, dropped in reader.labels:
            if section.heading_end < at < end and not dropped:
                end = at  # a further title line inside starts the next titled paragraph
                break
        c = Candidate(section.start, end, (section.start, section.heading_end), section, path)
        if cues.OBJECTIVE_HEADING.search(section.title):
            c.category, c.reasons = "heading", ["titolo che annuncia un blocco di obiettivi"]
            candidates.append(c)
            continue
        classify.heading_context(c, label, own=section.title)
        c.cue(0.35, "paragrafo titolato")
        if cues.describes_data(text[section.heading_end : section.end]):
            c.cue(-0.4, "dati statistici")
        candidates.append(c)
    shown_labels = [(at, line) for at, line, dropped in reader.labels if not dropped]
    for k, (at, line) in enumerate(shown_labels):
        holder, path = reader.context(at)
        if holder is None or holder.level == RANK_OBJECTIVE or len(line.split()) < 3 or line.endswith(":"):
            continue
        if cues.OBJECTIVE_HEADING.search(line):
            continue  # it announces the block, it is not one of its objectives
        end = min(shown_labels[k + 1][0] if k + 1 < len(shown_labels) else len(text), holder.end)
        paragraph = text[at + len(line) : end].strip()
        if end - at > MAX_STATEMENT or len(paragraph) < MIN_PARAGRAPH or is_bullet(paragraph):
            continue
        c = Candidate(at, end, (at, at + len(line)), holder, path)
        floor = max((s.start for s, _ in reader.sections if s.start <= at and s.level < RANK_TITLE_LINE), default=0)
        classify.heading_context(c, reader.label_before(at - 1, floor), own=line)
        c.cue(0.35, "paragrafo titolato")
        candidates.append(c)
    for section, path in reader.sections:
        if section.level == RANK_OBJECTIVE or not cues.OBJECTIVE_HEADING.search(path[-1]):
            continue
        end = min(section.end, reader.scope_end(section.start, section.level))
        spans = lines(text, section.heading_end, end)
        if any(is_bullet(text[a:b]) for a, b in spans) or any(
            s.level == RANK_TITLE_LINE and section.start < s.start < reader.scope_end(section.start, section.level)
            for s, _ in reader.sections
        ):
            continue
        for a, b in spans:
            if b - a >= MIN_PARAGRAPH and not text[a:b].rstrip().endswith(":"):
                c = Candidate(a, b, None, section, path)
                classify.heading_context(c, None)
                classify.item_shape(c, text[a:b], heading_like=False, listed=False)
                c.score -= 0.1  # a plain paragraph needs a cue of its own (intent, infinitive) to be shown
                intent = cues.INTENT.search(text, a, b)
                if intent:
                    c.cue(0.3, f"intenzione «{' '.join(intent.group(0).split())}»")
                candidates.append(c)
    # 3. sentences of intent
    taken = [(c.start, c.end) if c.title is None else (c.start, _first_paragraph_end(text, c.title[1], c.end))
             for c in candidates]
    for m in cues.INTENT.finditer(text, reader.body_start):
        if any(a <= m.start() < b for a, b in taken):
            continue
        start, end = _sentence_around(text, m.start())
        where, path = reader.context(start)
        if where is None or where.level == RANK_OBJECTIVE:
            continue
        aim = m.end() + _aim_offset(text[m.end() : end])
        rest = text[aim:end].strip()
        stated = cues.starts_with_infinitive(rest) or cues.starts_with_action_noun(rest)
        c = Candidate(start, end, (aim, _clause_end(text, aim, end)), where, path)
        classify.heading_context(c, reader.label_before(start, where.heading_end), stated=stated)
        if re.search(r"\bche\b[^.;:]*$", text[start : m.start()]):
            c.cue(-0.3, "in una proposizione relativa (descrive chi agisce)")
        if text[start:end].rstrip().endswith(":"):
            c.cue(-0.4, "introduce un elenco")  # its items are the aims ("si dovrà dare risposta su tre oggetti:")
        if stated:
            c.cue(0.55, f"intenzione «{' '.join(m.group(0).split())}» seguita da «{cues.first_word(rest)}»")
        else:
            c.cue(0.2, f"intenzione «{' '.join(m.group(0).split())}»")
        if cues.REGIONAL.search(text[start : m.start()]) and c.scope == "plan":
            c.scope = "regional"
        taken.append((start, end))
        candidates.append(c)
    for m in cues.INTENT_PAST.finditer(text, reader.body_start):
        if any(a <= m.start() < b for a, b in taken):
            continue
        start, end = _sentence_around(text, m.start())
        where, path = reader.context(start)
        if where is None:
            continue
        c = Candidate(start, end, None, where, path, category="previous", scope="previous")
        c.cue(0.5, f"intenzione al passato «{' '.join(m.group(0).split())}»")
        taken.append((start, end))
        candidates.append(c)
    out = []
    for c in sorted(candidates, key=lambda c: (c.start, c.end)):
        if c.start < reader.body_start:
            continue  # cover and contents pages
        _finish(c, text)
        record = _record(doc, c)
        if record is not None:
            out.append(record)
    return _dedupe(out)


_SETS_AIM = re.compile(r"\s*(?:porre|porsi|darsi|assumere)\s+(?:come\s+)?(?:l.|un\s+)obiettivo\s+(?:di\s+)?", re.I)


def _aim_offset(rest: str) -> int:
    """Where the aim starts after an intent cue: past "porre l'obiettivo di" ("si vuole porre l'obiettivo
    di tornare …" -> "tornare …")."""
    m = _SETS_AIM.match(rest)
    return m.end() if m else 0


def _first_paragraph_end(text: str, start: int, end: int) -> int:
    """End of the first paragraph after a title (a titled paragraph's own statement)."""
    body = start
    while body < end and text[body] in " \n":
        body += 1
    stop = text.find("\n\n", body, end)
    return end if stop < 0 else stop


def _sentence_around(text: str, pos: int) -> tuple[int, int]:
    line_start = text.rfind("\n", 0, pos) + 1
    line_end = text.find("\n", pos)
    line_end = len(text) if line_end < 0 else line_end
    start = line_start
    for m in re.finditer(r"[.!?]\s+(?=[A-ZÀ-Ú\"“«])", text[line_start:pos]):
        start = line_start + m.end()
    end = re.search(r"[.!?](?=\s|$)", text[pos:line_end])
    return start, (pos + end.end()) if end else line_end


def _clause_end(text: str, start: int, end: int) -> int:
    m = re.search(r"[,;:.(]|\s[–-]\s", text[start:end])
    stop = start + m.start() if m else end
    if stop - start > 160:
        cut = text.rfind(" ", start, start + 160)
        stop = cut if cut > start else start + 160
    return stop


def _area(doc: ParsedLike, path: tuple[str, ...]) -> tuple[int, int] | None:
    """The numbered chapter a position sits in (depth 2 when there is one, e.g. "4.3 FRAGILITÀ")."""
    wanted = path[1] if len(path) > 1 else path[0] if path else None
    for s in doc.sections:
        if s.title == wanted:
            return s.start, s.heading_end
    return None


def _record(doc: ParsedLike, c: Candidate) -> Objective | None:
    text = doc.canonical.text
    fields = FieldValues(text)
    fields.set("title", *(c.title or title_span(text, c.start, c.end)))
    fields.set("statement", c.start, c.end)
    area = _area(doc, c.path)
    if area:
        fields.set("area", *area)
    for a, b in c.actions:
        fields.add("actions", a, b)
    stop = _evidence_end(text, c)
    indicators = cues.indicator_spans(text, c.start, stop)
    for a, b in indicators:
        fields.add("indicators", a, b)
    targets = cues.target_spans(text, c.start, stop, indicators)
    for a, b in targets:
        fields.add("targets", a, b)
    end = max([c.end] + [b for _, b in indicators + targets + c.actions])
    record = build(doc, fields, start=c.start, end=end, section=c.section, extractor="prose",
                   scope="previous" if c.scope == "previous" else "plan")
    if record is None:
        return None
    return record.model_copy(update={"scope": c.scope, "category": c.category, "score": c.score,
                                     "reason": "; ".join(c.reasons)})


def _evidence_end(text: str, c: Candidate) -> int:
    """Where a candidate's indicators may be stated: its own span, or for a sentence the rest of its
    paragraph and a following paragraph that opens with "Indicatori"."""
    if c.title is None or c.title[0] == c.start or is_bullet(text[c.start : c.end]):
        return c.end  # list items and titled paragraphs carry their own evidence
    stop = text.find("\n\n", c.end)
    stop = len(text) if stop < 0 else stop
    if cues.INDICATOR_LABEL.match(text, stop + 2) or text.startswith("Indicator", stop + 2):
        nxt = text.find("\n\n", stop + 2)
        stop = len(text) if nxt < 0 else nxt
    return stop


def _dedupe(records: list[Objective]) -> list[Objective]:
    """One record per span: a titled paragraph and its own list items both stay, exact duplicates do not."""
    seen: set[tuple[int, int]] = set()
    out = []
    for r in sorted(records, key=lambda r: (r.char_start, r.char_end, -r.score)):
        if (r.char_start, r.char_end) in seen:
            continue
        seen.add((r.char_start, r.char_end))
        out.append(r)
    return out
