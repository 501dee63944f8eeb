"""Reading prose for objectives: candidates, the document reader and the context classifier.

``prose.py`` walks a plan and collects candidates; this module holds what it
reads them with: the :class:`Candidate` record, the :class:`Reader` (canonical
text, sections, label lines recovered from the raw text) and the
:class:`Classifier` (cues of the headings, lead-ins and item shapes).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from assistant.extraction import cues
from assistant.extraction.common import ParsedLike
from assistant.extraction.grounding import is_bullet, lines
from ingest.schemas import Section
from ingest.structure import RANK_OBJECTIVE

_TOC_PAGE = re.compile(r"\s\d{1,3}$")
_CHAPTER_NO = re.compile(r"^(\d{1,2})(?:\.\d{1,2})*\.?\s")
_LEAD = re.compile(r"^(.{3,140}?)(?::\s|\s[–-]\s)")
_CLAUSE = re.compile(r"^(.{3,160}?)(?:[.;]\s|[.;]$|$)")
_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?](?=\s|$)|$)")
MAX_STATEMENT = 2500
_MAX_LABEL = 160
MIN_ITEM = 12
MIN_PARAGRAPH = 40
HEADING_WORDS = 7


@dataclass
class Candidate:
    start: int
    end: int
    title: tuple[int, int] | None
    section: Section | None
    path: tuple[str, ...]
    category: str = "objective"
    score: float = 0.0
    scope: str = "plan"
    reasons: list[str] = field(default_factory=list)
    actions: list[tuple[int, int]] = field(default_factory=list)
    """Spans of the items that detail this one (the plain items under an emphasised list item)."""

    def cue(self, weight: float, reason: str) -> None:
        self.score += weight
        self.reasons.append(reason)


def _short(text: str, limit: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _tail(text: str, limit: int) -> str:
    """The end of a lead-in sentence, where its cue usually is ("… deve porsi come obiettivi:")."""
    text = " ".join(text.split())
    return text if len(text) <= limit else "…" + text[-(limit - 1) :].lstrip()


class Reader:
    """One document's headings, label lines and announced blocks."""

    def __init__(self, doc: ParsedLike) -> None:
        self.doc = doc
        self.text = doc.canonical.text
        years = re.findall(r"20\d\d", doc.meta.period or "")
        self.plan_start = int(years[0]) if years else None
        self.sections = self._clean_sections()
        self.starts = [s.start for s, _ in self.sections]
        self.heading_starts = {s.start for s in doc.sections}
        first = next((s.start for s, _ in self.sections if s.level < RANK_OBJECTIVE), 0)
        self.body_start = first  # before the first real heading: cover and contents pages
        self.labels = self._labels()
        # labels with a cue (objectives, analysis, results); a plain sub-title says nothing about its block
        self.context_labels = [(at, label) for at, label, _ in self.labels if cues.OBJECTIVE_HEADING.search(label)
                               or cues.ANALYSIS.search(label) or cues.PREVIOUS.search(label)]

    def _clean_sections(self) -> list[tuple[Section, tuple[str, ...]]]:
        """Sections without table-of-contents ghosts ("4.4 TITLE 62"), paths rebuilt from the survivors."""
        later = [_fold(s.title) for s in self.doc.sections]
        out: list[tuple[Section, tuple[str, ...]]] = []
        stack: list[Section] = []
        chapter = 0
        for i, s in enumerate(self.doc.sections):
            if s.level == 0:
                continue
            bare = _TOC_PAGE.sub("", s.title)
            if bare != s.title and any(x.startswith(_fold(bare)) for x in later[i + 1 :]):
                continue
            number = _CHAPTER_NO.match(s.title)
            if s.level == 1 and number:
                if int(number.group(1)) < chapter:
                    continue  # a numbered line out of sequence is no chapter
                chapter = int(number.group(1))
            while stack and stack[-1].level >= s.level:
                stack.pop()
            stack.append(s)
            out.append((s, tuple(x.title for x in stack)))
        return out

    def context(self, pos: int) -> tuple[Section | None, tuple[str, ...]]:
        i = bisect.bisect_right(self.starts, pos) - 1
        if i < 0:
            return None, ()
        return self.sections[i]

    def scope_end(self, pos: int, level: int) -> int:
        for s, _ in self.sections:
            if s.start > pos and s.level <= level:
                return s.start
        return len(self.text)

    # -- label lines --------------------------------------------------------------------
    def _labels(self) -> list[tuple[int, str, bool]]:
        """Standalone short lines that are not headings (position, text, found in the raw text only)."""
        text = self.text
        out: list[tuple[int, str, bool]] = []
        for a, b in lines(text, self.body_start, len(text)):
            line = text[a:b].strip()
            if a in self.heading_starts or not _is_label_line(line):
                continue
            before = text.rfind("\n", 0, max(a - 1, 0))
            prev_blank = a == 0 or not text[before + 1 : a - 1].strip()
            after = text.find("\n", b + 1)
            next_blank = not text[b + 1 : after if after >= 0 else len(text)].strip()
            if prev_blank and next_blank:
                out.append((a, line, False))
        out.extend(self._dropped_labels())
        return sorted(out)

    def _dropped_labels(self) -> list[tuple[int, str, bool]]:
        """Announcing labels normalisation removed as repeated lines, placed where they were."""
        raw, canonical = self.doc.raw_text, self.doc.canonical
        out = []
        pos = 0
        for piece in raw.split("\n"):
            a, b = pos, pos + len(piece)
            pos = b + 1
            label = piece.strip()
            if not label or not _is_label_line(label) or not cues.OBJECTIVE_HEADING.search(label):
                continue
            ca, cb = canonical.canonical_span(a, b)
            if ca < cb or ca < self.body_start or ca >= len(self.text):
                continue
            out.append((ca, label, True))
        return out

    def emphasised_lead(self, start: int, end: int) -> tuple[int, int] | None:
        """The canonical span of the emphasised words an item opens with ("- **nuovo linguaggio**: …"),
        found in the raw text (normalisation drops the markers); None when the item does not open so."""
        body = _NUMBERING.match(self.text, start, end).end()  # type: ignore[union-attr]
        if body >= end:
            return None
        raw = self.doc.raw_text
        at = self.doc.canonical.offsets[body]
        marker = raw[max(at - 2, 0) : at]
        if marker not in ("**", "__"):
            return None
        line_end = raw.find("\n", at)
        close = raw.find(marker, at, len(raw) if line_end < 0 else line_end)
        if close <= at:
            return None
        a, b = self.doc.canonical.canonical_span(at, close)
        while b > a and self.text[b - 1] in ":;,.- ":
            b -= 1  # "**Riabilitazione e cura:**": the title without its colon
        return (a, b) if body <= a < b <= end else None

    def label_before(self, pos: int, floor: int) -> str | None:
        """The last label line with a cue (objectives, analysis, results) between ``floor`` and ``pos``."""
        best = None
        for at, label in self.context_labels:
            if floor <= at <= pos:
                best = label
            elif at > pos:
                break
        return best


def _fold(title: str) -> str:
    return " ".join(title.lower().replace("’", "'").split())


def _is_label_line(line: str) -> bool:
    if not line or len(line) > _MAX_LABEL or is_bullet(line) or _TOC_PAGE.search(line):
        return False
    if line.endswith((".", ";", ",")) or not (line[0].isupper() or line[0].isdigit()):
        return False
    if line.endswith(":") and len(line.split()) > 3:  # a lead-in sentence, not a label
        return False
    return len(line.split()) <= 20


_NUMBERING = re.compile(r"\s*(?:[-–•·▪►\u2022\uf0b7\uf0a7*]\s+)?(?:\d{1,2}[.)]\s+)?")


def title_span(text: str, start: int, end: int) -> tuple[int, int]:
    start = _NUMBERING.match(text, start, end).end()  # type: ignore[union-attr]
    item = text[start:end]
    m = _LEAD.match(item) or _CLAUSE.match(item)
    if m and len(m.group(1)) <= 160:
        return start, start + len(m.group(1))
    cut = item.rfind(" ", 0, 160)
    return start, start + (cut if cut > 0 else min(len(item), 160))


class Classifier:
    """Context cues of a position: headings above it, the label line or lead-in before it."""

    def __init__(self, reader: Reader) -> None:
        self.r = reader

    def heading_context(self, c: Candidate, label: str | None, *, stated: bool = False, own: str | None = None) -> None:
        """Cues of the headings (nearest first) and of the label line above the candidate."""
        above = list(reversed(c.path))
        if own is not None and above and above[0] == own:
            above = above[1:]
        titles = ([own] if own else []) + ([label] if label else []) + above
        forward = previous = None
        for depth, title in enumerate(titles):
            bare = re.sub(r"^\d+(?:\.\d+)*\.?\s*", "", title)
            if forward is None and (cues.OBJECTIVE_HEADING.search(bare) or cues.starts_with_infinitive(bare)
                                    or re.match(r"(?i)come\s+\w+re\b", bare)):
                forward = (depth, title)
            if previous is None and cues.is_previous_heading(bare, self.r.plan_start):
                previous = (depth, title)
        if forward and (previous is None or forward[0] <= previous[0]):
            c.cue((0.4, 0.3, 0.15)[forward[0]] if forward[0] <= 2 else 0.0, f"titolo «{_short(forward[1])}»")
        elif previous:
            c.category, c.scope = "previous", "previous"
            c.reasons.append(f"esiti di una programmazione precedente: «{_short(previous[1])}»")
        near = titles[:2]
        if any(cues.ANALYSIS.search(t) for t in near) and not (forward and forward[0] <= 1) and not stated:
            c.cue(-0.35, "sezione di analisi")
            if c.category == "objective":
                c.category = "analysis"
        if any(cues.GUIDELINE.search(t) for t in near) and c.category == "objective":
            c.category = "guideline"
        if any(cues.REGIONAL.search(t) for t in near[:2]) and c.scope == "plan":
            c.scope = "regional"

    def lead_in(self, c: Candidate, lead: str | None) -> None:
        if not lead:
            return
        sentence = last_sentence(lead)
        if cues.LEAD_MEASURES.search(sentence):
            c.cue(-0.45, f"introduzione di criteri di misura «{_tail(sentence, 60)}»")
            if c.category == "objective":
                c.category = "analysis"
            return
        if cues.LEAD_PAST.search(sentence) and not re.search(r"(?i)\bdeve\b|\bnecessari|\bobiettiv", sentence):
            c.cue(-0.25, f"introduzione descrittiva «{_short(sentence, 60)}»")
            if c.category == "objective":
                c.category = "analysis"
        elif cues.LEAD_FORWARD.search(sentence):
            c.cue(0.45, f"introduzione «{_tail(sentence, 60)}»")
            if c.category in ("previous", "analysis"):
                c.category, c.scope = "objective", "plan"  # "… deve porsi come obiettivi:" inside a results chapter
        if cues.GUIDELINE.search(sentence) and c.category == "objective":
            c.category = "guideline"
        if cues.REGIONAL.search(sentence) and c.scope == "plan":
            c.scope = "regional"

    def item_shape(self, c: Candidate, item: str, *, heading_like: bool, listed: bool = True) -> None:
        if heading_like:
            c.category, c.score = "heading", min(c.score, 0.2)
            c.reasons.append("titolo di paragrafo")
            return
        if cues.describes_data(item):
            c.cue(-0.5, "dati statistici")
            c.category = "analysis" if c.category != "previous" else c.category
        if item.rstrip().endswith("?"):
            c.cue(-0.4, "domanda")
            c.category = "analysis" if c.category != "previous" else c.category
        if listed and cues.starts_with_complement(item):
            c.cue(-0.35, f"complemento del periodo introduttivo «{cues.first_word(item)}»")
            if c.category == "objective":
                c.category = "analysis"
        elif cues.states_problem(item):
            c.cue(-0.5, f"problema «{cues.first_word(item)}»")
            if c.category == "objective":
                c.category = "analysis"
        elif cues.starts_with_infinitive(item):
            c.cue(0.2, f"verbo all'infinito «{cues.first_word(item)}»")
        elif cues.starts_with_action_noun(item):
            c.cue(0.1, f"nome d'azione «{cues.first_word(item)}»")

def last_sentence(text: str) -> str:
    parts = [p for p in re.split(r"(?<=[.!?])\s+", text.strip()) if p.strip()]
    return parts[-1] if parts else text
