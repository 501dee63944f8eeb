"""Cues of Italian planning language that tell objectives from analysis, and indicators in prose.

Every pattern here is about how plans are written in general ("si propone di…",
"deve porsi come obiettivi:", "Esiti della programmazione…", "N. di…"), never
about one document's titles. ``prose.py`` combines them into a score; the
indicator and target finders also serve any shape that has free text.
"""

from __future__ import annotations

import re

# Headings (or standalone label lines) that announce objectives.
OBJECTIVE_HEADING = re.compile(
    r"\bpropost[ae]\b|\bobiettiv[oi]\b|\bstrategi[ae]\s+per\b|\bazioni\s+(?:propost|da\s+(?:sviluppare|realizzare|attivare))"
    r"|\blinee\s+d.azione\b|\bdirettric[ei]\b|\bpriorit[aà]\b|\bprospettive\b|\bsviluppi\s+futuri\b"
    r"|\bimpegni\b|\blinee\s+(?:di\s+)?(?:indirizzo|programmatiche|strategiche)\b|\bindirizzi\b|\brisultati\s+attesi\b",
    re.I,
)
# Headings of guidance rather than of the plan's own targets.
GUIDELINE = re.compile(r"\blinee\s+(?:di\s+|regionali\s+di\s+)?indirizzo\b|\blinee\s+guida\b|\bindirizz[io]\b"
                       r"|\borientament[io]\b|\bprincip[iì]\b|\bconcetti\s+chiave\b", re.I)
REGIONAL = re.compile(r"\bregional[ei]\b|\bregione\b|\bnazional[ei]\b|\bministe|\bdgr\b|\bdelibera\b|\bstato\b", re.I)
# Headings of sections that describe the present: data, needs, problems, context, law.
ANALYSIS = re.compile(
    r"\banalisi\b|\bdati\b|\bbisogn[oi]\b|\bproblem|\bcriticit|\binquadramento\b|\bcontesto\b|\bquadro\b"
    r"|\bdemografi|\bspesa\b|\bnormativ|\bfotografia\b|\bmappatura\b|\blettura\b|\bprofilo\b|\bdescrizione\b",
    re.I,
)
PREVIOUS = re.compile(r"\besit[io]\b|\bbilancio della programmazione\b|\brisultati\s+(?:raggiunti|ottenuti|conseguiti)\b"
                      r"|\bconsuntivo\b|\brendicontazione\b|\bverifica\s+(?:del|della)\s+(?:precedente|programmazione)", re.I)
_YEARS = re.compile(r"\b(20\d\d)\s*[-–/]\s*(20\d\d|\d\d)\b")

# Lead-in sentences ending with ":" that announce a list of objectives ("… deve porsi come obiettivi:").
LEAD_FORWARD = re.compile(
    r"\bobiettiv[oi]\b|\bpropost[ae]\b|\bpropon|\bdirettric[ei]\b|\bpriorit[aà]\b|\bstrategi|\blinee\b|\bazioni\b"
    r"|\bnecessari[oa]\b|\boccorr|\bbisogna\b|\bdovr[aà]|\bdeve\b|\bdevono\b|\bintend|\bimpegn|\bprevede\b|\bprevedono\b"
    r"|\bintervent[io]\b|\bsviluppare\b|\bperseguire\b|\bseguenti\s+ambiti\b|\bprincipali\s+ambiti\b|\battenzioni\b"
    r"|\bsi\s+punta\b|\bfinalizzat|\bmira\b|\bmirano\b|\b\w{3,}(?:erà|eranno|irà|iranno|arà|aranno)\b",
    re.I,
)
# Lead-ins that describe what was (past tense, "elements that characterised"): findings, not objectives.
LEAD_PAST = re.compile(
    r"\bhanno\s+(?:caratterizzato|evidenziato|permesso|consentito|prodotto|portato)\b|\bha\s+(?:caratterizzato|evidenziato"
    r"|permesso|consentito|elaborato|prodotto)\b|\bsono\s+stat[ie]\b|\bè\s+stat[oa]\b|\bsi\s+è\b|\bsi\s+sono\b"
    r"|\bcaratterizzant|\bemers[io]\b|\brilevat|\bsi\s+sottolinea|\bpunti\s+di\s+osservazione\b|\bsintetizza"
    r"|\b(?:era|erano)\s+(?:stat[oaie]\s+)?\w+(?:at|it|ut)[oaie]\b",  # "le priorità che erano indicate nel Piano"
    re.I,
)
# Lead-ins that name their items as measures ("… rispetto ai seguenti criteri:"): what will be measured, not aims.
LEAD_MEASURES = re.compile(
    r"\b(?:criteri|indicatori|parametri|variabili|dimensioni\s+(?:di\s+)?(?:analisi|valutazione))\b[^.;:]{0,40}[:;]\s*$", re.I
)
# Sentence cues of intent ("si propone di", "si intende", "l'obiettivo è") and their past forms.
INTENT = re.compile(
    r"\b(?:(?:ci\s+)?si\s+propone\s+di|si\s+intende|(?:il\s+piano|l.ambito|si)\s+(?:intende|intendono)|intende"
    r"|l.obiettivo\s+(?:è|sarà|principale\s+è)|obiettivo\s+del(?:la|lo|l.)?\s+\w+\s+(?:è|sarà)"
    r"|focalizzer(?:à|anno)\s+(?:l.)?attenzione\s+su(?:l|lla|llo|ll.|i|gli|lle)?"
    r"|si\s+procederà|si\s+provvederà|sarà\s+necessario|si\s+dovrà|si\s+lavorerà|si\s+prevede\s+di"
    r"|si\s+(?!tratterà\b)\w+(?:erà|irà|arà)|si\s+vuole|si\s+vogliono|ci\s+si\s+pone|si\s+pone\s+l.obiettivo|si\s+punta\s+a"
    r"|per\s+(?:il\s+)?(?:perseguire|raggiungere|realizzare|conseguire)\s+(?:gli|tali|questi|l.)\s*obiettiv\w*[^.]{0,40}?"
    r"\s(?:è|sarà|risulta)\s+(?:funzionale|necessari[oa]|utile|opportun[oa]|previst[oa])(?:\s+(?:la|il|l.|lo))?)(?=\W)",
    re.I,
)
INTENT_PAST = re.compile(r"\bsi\s+proponeva\b|\bsi\s+era\s+propost|\bintendeva\b|\bsi\s+è\s+propost", re.I)

_INFINITIVE = re.compile(r"^[a-zà-ù]+(?:are|ere|ire|rre|arsi|ersi|irsi|orsi|ursi|arla|arle|arlo)$", re.I)
"""Infinitives, also of the verbs in -rre ("porre", "ridurre", "proporre") and reflexive ones ("porsi")."""
_NOT_VERBS = {"particolare", "familiare", "regolare", "popolare", "singolare", "carattere", "potere", "dovere",
              "piacere", "parere", "mestiere", "quartiere", "cantiere", "consigliere", "infermiere", "scolare",
              "militare", "solidale", "ordinare", "volontare", "modulare", "cellulare", "lavoratore", "sere"}
_ACTION_NOUN = re.compile(r"^(?:[A-ZÀ-Úa-zà-ù']+(?:zione|zioni|mento|menti|tà|ità|enza|anza|aggio))$")
_MARKER = re.compile(r"^\s*(?:[-–•·▪►\u2022\uf0b7\uf0a7*]\s+)?(?:\d{1,2}[.)]\s+)?")


def first_word(item: str) -> str:
    words = _MARKER.sub("", item).lstrip("\"'“«(").split()
    return words[0].strip(",:;.") if words else ""


def starts_with_infinitive(item: str) -> bool:
    word = first_word(item)
    if word.lower() in {"a", "di", "per"}:  # "a cogliere …", "per favorire …"
        words = _MARKER.sub("", item).split()
        word = words[1] if len(words) > 1 else ""
    return bool(_INFINITIVE.match(word)) and word.lower() not in _NOT_VERBS


_COMPLEMENT = re.compile(
    r"^(?:del|dello|della|dei|degli|delle|dell'|con|nel|nello|nella|nei|negli|nelle|sul|sulla|sui|sugli|sulle|tra|fra"
    r"|capac[ei]|in\s+grado|volt[oaie]|finalizzat[oaie]|rivolt[oaie]|basat[oaie]|fondat[oaie]|orientat[oaie])\b",
    re.I,
)


def starts_with_complement(item: str) -> bool:
    """An item that completes the lead-in's phrase ("Delle famiglie", "capace di …"), not an aim of its own."""
    body = _MARKER.sub("", item).lstrip("\"'“«(")
    m = _COMPLEMENT.match(body)
    if not m:
        return False
    rest = body[m.end():].split()
    return not (rest and _INFINITIVE.match(rest[0]) and rest[0].lower() not in _NOT_VERBS)


_PROBLEM = re.compile(
    r"^(?:scarsit[aà]|scars[oaie]|carenz[ae]|mancanz[ae]|assenz[ae]|difficolt[aà]|rischi[o]?|fatica|criticit[aà]"
    r"|insufficien\w*|inadeguat\w*|disagi[o]?|problem[ai]|patologi[ae]|disturb[oi]|malatti[ae])$",
    re.I,
)


def states_problem(item: str) -> bool:
    """"Scarsità di fondi …", "Carenza di …", "Disturbi …": the item names a problem, not an aim
    (the aim is the remedy: "Riduzione del rischio …" opens with an action noun)."""
    return bool(_PROBLEM.match(first_word(item)))


def starts_with_action_noun(item: str) -> bool:
    """"Integrazione …", "Rafforzamento …", "Continuità …": a nominalised aim (not a problem: "Scarsità …")."""
    return bool(_ACTION_NOUN.match(first_word(item))) and not states_problem(item)


def is_previous_heading(title: str, plan_start: int | None) -> bool:
    """A heading reporting on an earlier plan: its words say so, or it names a period that ended before this plan."""
    if PREVIOUS.search(title):
        return True
    for m in _YEARS.finditer(title):
        end = int(m.group(2)) if len(m.group(2)) == 4 else 2000 + int(m.group(2))
        if plan_start and end < plan_start:
            return True
    return False


_TARGET_WORDS = re.compile(r"\b(?:almeno|entro|raggiung|aument|ridu|increment|obiettiv|target|portare)", re.I)


def describes_data(item: str) -> bool:
    """Statistics lines: many digits, or percentages and amounts that are not stated as targets."""
    chars = [c for c in item if not c.isspace()]
    digits = sum(c.isdigit() for c in chars)
    if not chars:
        return False
    stated = re.search(r"\d\s?%|%\s?\d|€\s?\d|\d\s?€", item) and not _TARGET_WORDS.search(item)
    return digits / len(chars) > 0.08 or bool(stated)


# -- indicators and targets stated in prose ------------------------------------------------------
_STOP = r"(?=[.;:!?()\n]|,\s|\s[–-]\s|\s+entro\s|\s+e\s+(?:la|il|lo|le|i|gli|l')\s|$)"
INDICATOR_LABEL = re.compile(r"\bindicator[ei](?:\s+di\s+(?:esito|risultato|processo|impatto|output|outcome))?\s*:\s*", re.I)
INDICATOR_PHRASES = [
    re.compile(r"\b(?:l.)?(?:aumento|incremento|riduzione|diminuzione|crescita)\s+(?:del|della|dei|delle|degli)\s+"
               r"(?:numero|quota|percentuale|tasso)\s+[^.;:\n]{3,120}?" + _STOP, re.I),
    re.compile(r"\b(?:n\.|n°|nr\.?|numero)\s*(?:di|dei|delle|degli|del|della)\s+[^.;:\n]{3,120}?" + _STOP, re.I),
    re.compile(r"(?:%|\bpercentuale|\bquota|\btasso)\s+(?:di|dei|delle|degli|del|della)\s+[^.;:\n]{3,120}?" + _STOP, re.I),
]
TARGET_PHRASES = [
    re.compile(r"\bentro\s+(?:il\s+|l.|la\s+)?(?:fine\s+(?:del(?:l.)?\s*)?|(?:\d{1,2}\s+)?(?:gennaio|febbraio|marzo|aprile|maggio|"
               r"giugno|luglio|agosto|settembre|ottobre|novembre|dicembre)\s+)?(?:20\d\d|primo|secondo|terzo|anno|triennio|"
               r"biennio|semestre|\d+\s+(?:mesi|anni|giorni))\b[^.;:,\n]{0,40}?" + _STOP, re.I),
    # "almeno 3 aree tematiche: sociale, sanitario, legale": the count with the items it names
    re.compile(r"\b(?:almeno|non\s+meno\s+di|oltre)\s+(?:il\s+)?\d+(?:[.,]\d+)?\s*(?:%|per\s*cento)?[^.;:,\n]{0,60}?"
               r"(?::\s*[^.;:()\n]{3,80}?(?=[.;)\n]|$)|" + _STOP + ")", re.I),
    # "La conclusione delle attività è prevista al 31.12.2019": a date the plan sets for a step
    re.compile(r"\b[A-ZÀ-Úa-zà-ù][^.;:\n]{0,60}?\b(?:è|sarà|sono|saranno)\s+previst[aoie]\s+(?:per\s+(?:il\s+)?|al\s+|entro\s+(?:il\s+)?)"
               r"(?:\d{1,2}[./]\d{1,2}[./](?:20)?\d\d|(?:fine\s+)?20\d\d)\b"),
    re.compile(r"\b\d+(?:[.,]\d+)?\s*%\s+(?:di|dei|delle|degli|del|della)\s+[^.;:,\n]{3,80}?" + _STOP, re.I),
]


def indicator_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Indicators a passage states: after "indicatori:" (items split on ";"), or "N. di…", "% di…" phrases."""
    out: list[tuple[int, int]] = []
    labelled: list[tuple[int, int]] = []
    for label in INDICATOR_LABEL.finditer(text, start, end):
        stop = _SENTENCE_END.search(text, label.end(), end)
        stop_at = stop.start() if stop else end
        labelled.append((label.start(), stop_at))
        pos = label.end()
        for piece in text[label.end() : stop_at].split(";"):
            a, b = pos, pos + len(piece)
            pos = b + 1
            tail = _TARGET_TAIL.search(text, a, b)
            if tail:
                b = tail.start()  # "% di domande evase entro 30 giorni": the deadline is a target
            while a < b and text[a] in " \t-–•":
                a += 1
            while b > a and text[b - 1] in " .,\t":
                b -= 1
            if b - a >= 3:
                out.append((a, b))
    for rx in INDICATOR_PHRASES:
        for m in rx.finditer(text, start, end):
            if not any(a <= m.start() < b or m.start() <= a < m.end() for a, b in out + labelled):
                out.append((m.start(), m.end()))
    return sorted(out)


_SENTENCE_END = re.compile(r"\.\s+(?=[A-ZÀ-Ú])|\.$|\n")
_TARGET_TAIL = re.compile(r"\s+(?:entro|almeno|non\s+meno\s+di)\s", re.I)


def target_spans(text: str, start: int, end: int, taken: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Targets a passage states ("entro il 2020", "almeno il 30%"), outside the indicators' spans."""
    out: list[tuple[int, int]] = []
    for rx in TARGET_PHRASES:
        for m in rx.finditer(text, start, end):
            spans = out + taken
            if not any(a <= m.start() < b or m.start() <= a < m.end() for a, b in spans):
                out.append((m.start(), m.end()))
    return sorted(out)
