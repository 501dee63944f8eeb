"""Prose candidates are classified (objective, guideline, previous, analysis, heading) with a score
and the cue that fired; indicators and targets stated in prose keep their exact spans."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from assistant.extraction.schema import Objective
from assistant.extraction.selection import THRESHOLD, is_shown, select

Extract = Callable[[str], tuple[str, list[Objective]]]

PLAN = """1. LE PREMESSE

1.1 LE LINEE REGIONALI DI INDIRIZZO

La delibera regionale chiede agli ambiti di perseguire alcune linee di indirizzo:

- Omogeneità di accesso ai servizi a livello di Ambito distrettuale;
- Attivazione di progetti e percorsi di innovazione sociale.

1.2 ANALISI DEMOGRAFICA

La popolazione residente è di 158.000 abitanti.

- 23,4% di anziani over 65 nel 2017;
- 11,2% di residenti stranieri nel 2017.

2. GLI ESITI DELLA PROGRAMMAZIONE 2015-2017

Gli elementi che hanno caratterizzato il percorso sono stati:

- il coinvolgimento delle associazioni del territorio;
- la sperimentazione dei patti per l'inclusione.

3. LA PROGRAMMAZIONE 2019-2020

3.1 LA CASA

Proposte di sviluppo ed obiettivi per il 2019-2020

Per rafforzare il sistema la programmazione sociale deve porsi come obiettivi:

- Favorire l'accesso alla casa delle famiglie in difficoltà;
- Prevenire gli sfratti per morosità incolpevole.

3.2 LA NON AUTOSUFFICIENZA

Il servizio di assistenza domiciliare è cresciuto negli ultimi anni e raggiunge molte famiglie del territorio.

Con il presente piano si propone di attivare uno sportello unico per le famiglie degli anziani non autosufficienti.

Indicatori: N. di famiglie prese in carico; % di domande evase entro 30 giorni. Lo sportello sarà aperto entro il 2020.
"""


@pytest.fixture
def records(extract: Extract) -> tuple[str, list[Objective]]:
    return extract(PLAN)


def _by_start(records: list[Objective], text: str, start: str) -> Objective:
    return next(r for r in records if text[r.char_start : r.char_end].lstrip("- ").startswith(start))


def test_linee_di_indirizzo_items_are_regional_guidelines(records: tuple[str, list[Objective]]) -> None:
    text, found = records
    r = _by_start(found, text, "Omogeneità di accesso")
    assert (r.category, r.scope, r.extractor) == ("guideline", "regional", "prose")
    assert r.score >= THRESHOLD and "introduzione" in r.reason
    assert r.title == "Omogeneità di accesso ai servizi a livello di Ambito distrettuale"


def test_analysis_heading_and_statistics_are_not_objectives(records: tuple[str, list[Objective]]) -> None:
    text, found = records
    r = _by_start(found, text, "23,4% di anziani")
    assert r.category == "analysis" and r.score < THRESHOLD
    assert "dati statistici" in r.reason and not is_shown(r)
    assert not any(r.title.startswith("1.2 ANALISI") for r in select(found))


def test_previous_plan_results_are_kept_apart(records: tuple[str, list[Objective]]) -> None:
    text, found = records
    r = _by_start(found, text, "il coinvolgimento delle associazioni")
    assert r.scope == "previous" and r.category in ("previous", "analysis")
    assert "esiti" in r.reason and not is_shown(r)


def test_list_under_objectives_lead_in_is_objective(records: tuple[str, list[Objective]]) -> None:
    text, found = records
    r = _by_start(found, text, "Favorire l'accesso")
    assert (r.category, r.scope) == ("objective", "plan")
    assert r.score >= THRESHOLD
    assert "deve porsi come obiettivi" in r.reason and "Favorire" in r.reason
    assert r.area == "3.1 LA CASA"


def test_si_propone_di_is_an_objective_with_its_reason(records: tuple[str, list[Objective]]) -> None:
    text, found = records
    r = _by_start(found, text, "Con il presente piano si propone di")
    assert (r.category, r.scope) == ("objective", "plan") and is_shown(r)
    assert "si propone di" in r.reason
    assert r.title == "attivare uno sportello unico per le famiglie degli anziani non autosufficienti"
    assert text[r.spans["title"][0][0] : r.spans["title"][0][1]] == r.title
    # the paragraph describing the present is only a low-scored candidate, if anything
    assert not any(r.statement and r.statement.startswith("Il servizio di assistenza") for r in select(found))


def test_prose_indicators_and_targets_have_exact_spans(extract: Extract) -> None:
    text, found = extract(PLAN.replace("Con il presente piano si propone di attivare uno sportello unico per le famiglie"
                                       " degli anziani non autosufficienti.\n\nIndicatori",
                                       "Con il presente piano si propone di attivare uno sportello unico. Indicatori"))
    r = _by_start(found, text, "Con il presente piano")
    assert r.indicators == ["N. di famiglie prese in carico", "% di domande evase"]
    assert r.targets == ["entro 30 giorni", "entro il 2020"]
    for name in ("indicators", "targets"):
        values = getattr(r, name)
        assert [text[a:b] for a, b in r.spans[name]] == values  # canonical[start:end] == value


def test_a_count_target_keeps_the_items_it_names_and_a_set_date_is_a_target() -> None:
    from assistant.extraction.cues import target_spans

    def targets(text: str) -> list[str]:
        return [text[a:b] for a, b in target_spans(text, 0, len(text), [])]

    # the colon introduces what is counted: the target is the count with its items
    assert targets("definendo albi di mediatori (almeno 3 aree tematiche: sociale, sanitario, legale); inoltre") == [
        "almeno 3 aree tematiche: sociale, sanitario, legale"
    ]
    assert targets("La conclusione delle attività è prevista al 31.12.2019 (Regione Lombardia).") == [
        "La conclusione delle attività è prevista al 31.12.2019"
    ]
    assert targets("Il servizio è previsto dalla legge regionale.") == []  # a provision, not a date


def test_numbered_analysis_enumeration_is_not_an_objective(extract: Extract) -> None:
    text, found = extract(
        "4. LA DISABILITÀ\n\n4.1 QUALITÀ DELLA VITA\n\n"
        "Il sistema dovrebbe interrogarsi se migliori o peggiori la qualità della vita:\n\n"
        "1. Delle persone con disabilità;\n2. Delle famiglie;\n3. Della comunità.\n"
    )
    items = [r for r in found if r.title.startswith("Dell")]
    assert len(items) == 3 and not select(items)
    assert all("complemento" in r.reason for r in items)


def test_items_that_name_a_problem_are_not_objectives(extract: Extract) -> None:
    # a lead-in announcing what to work on, followed by the problems found: the problems are analysis
    text, found = extract(
        "4. LE MIGRAZIONI\n\n4.1 I SERVIZI\n\n"
        "Si rilevano alcune attenzioni su cui lavorare:\n\n"
        "1. scarsità di fondi per la produzione di materiale multilingue nei servizi locali;\n"
        "2. carenza di competenze interculturali nei servizi e nelle istituzioni locali;\n"
        "3. disturbi del comportamento con esordio in età evolutiva;\n"
        "4. formazione continua dei mediatori linguistico-culturali del territorio.\n"
    )
    problems = [r for r in found if r.title.startswith(("scarsità", "carenza", "disturbi"))]
    assert len(problems) == 3 and not select(problems)
    assert all(r.category == "analysis" and "problema" in r.reason for r in problems)
    assert is_shown(_by_start(found, text, "4. formazione continua"))


def test_a_lead_in_ending_with_a_semicolon_still_announces_its_list(extract: Extract) -> None:
    # the announcing sentence is the list's first clause: "Gli obiettivi … si possono declinare in …;"
    text, found = extract(
        "4. LA FAMIGLIA\n\n4.1 PRIMA INFANZIA\n\n"
        "Sul territorio sono presenti numerose strutture per la prima infanzia.\n\n"
        "Gli obiettivi per il prossimo triennio si possono declinare in processi in grado di sostenere le famiglie;\n\n"
        "- migliorare l'accessibilità ai servizi riducendo i costi;\n"
        "- contrastare la povertà educativa dei bambini.\n"
    )
    items = [_by_start(found, text, w) for w in ("migliorare l'accessibilità", "contrastare la povertà")]
    assert all(is_shown(r) for r in items)
    assert all("introduzione" in r.reason for r in items)


def test_an_aim_set_with_porre_is_read_past_the_verb(extract: Extract) -> None:
    text, found = extract(
        "4. I GIOVANI\n\n4.1 ADOLESCENTI\n\n"
        "Con il nuovo Piano si vuole porre l'obiettivo di tornare ad interrogarsi sulla condizione degli adolescenti.\n\n"
        "A queste domande si dovrà dare risposta focalizzando l'attenzione su tre oggetti:\n\n"
        "- i processi attivati;\n- i risultati raggiunti;\n- le risorse impiegate.\n"
    )
    aim = _by_start(found, text, "Con il nuovo Piano")
    assert is_shown(aim) and aim.title.startswith("tornare ad interrogarsi sulla condizione")
    # a sentence of intent that only introduces a list is not an aim of its own
    lead = _by_start(found, text, "A queste domande")
    assert not is_shown(lead) and "introduce un elenco" in lead.reason


def test_emphasised_list_items_are_titled_and_their_plain_items_are_their_actions(extract: Extract) -> None:
    # the plan marks each item's title in bold; the plain items under one detail it
    text, found = extract(
        "4. LE MIGRAZIONI\n\n4.1 GLI AMBITI DI LAVORO\n\n"
        "Le priorità individuate per il biennio sono le seguenti:\n\n"
        "- **nuovo linguaggio per le migrazioni**: sostenere percorsi che superino la cattiva informazione;\n"
        "- **rete civica che condivide** - portare avanti un lavoro capillare sulla società civile;\n"
        " - monitoraggio della comunicazione trasmessa dai media locali;\n"
        " - interventi nelle scuole sui temi della discriminazione;\n"
        "- **mediazione linguistica e culturale** - formazione continua dei mediatori.\n"
    )
    assert "**" not in text
    shown = select(found)
    assert [r.title for r in shown] == [
        "nuovo linguaggio per le migrazioni", "rete civica che condivide", "mediazione linguistica e culturale"
    ]
    network = shown[1]
    assert network.actions == [
        "monitoraggio della comunicazione trasmessa dai media locali",
        "interventi nelle scuole sui temi della discriminazione",
    ]
    for name in ("title", "actions"):
        values = [network.title] if name == "title" else network.actions
        assert [text[a:b] for a, b in network.spans[name]] == values
    assert not any(r.title.startswith(("monitoraggio", "interventi")) for r in found)


def test_titled_items_detailed_by_actions_are_aims_even_without_an_announcing_lead_in(extract: Extract) -> None:
    # the lead-in announces nothing; the plan's structure (titled items, actions under them) does
    plan = (
        "4. LA PROGRAMMAZIONE: PROBLEMI E OBIETTIVI\n\n4.1 GLI AMBITI DI LAVORO\n\n"
        "In particolare, gli ambiti più delicati sono:\n\n"
        "- **nuovo linguaggio per le migrazioni**: percorsi che superino la cattiva informazione;\n"
        "- **rete civica che condivide** - un lavoro capillare sulla società civile;\n"
        "{detail}"
    )
    _, detailed = extract(plan.format(detail=" - monitoraggio della comunicazione trasmessa dai media locali;\n"))
    assert [r.title for r in select(detailed)] == ["nuovo linguaggio per le migrazioni", "rete civica che condivide"]
    assert all("voce titolata di un elenco con azioni" in r.reason for r in select(detailed))
    # the same titled items with nothing under them: titles alone do not make aims
    _, bare = extract(plan.format(detail=""))
    assert [r.title for r in bare] == ["nuovo linguaggio per le migrazioni", "rete civica che condivide"]
    assert not select(bare)


def test_selection_keeps_every_candidate_on_request(records: tuple[str, list[Objective]]) -> None:
    _, found = records
    shown = select(found)
    assert shown and len(shown) < len(found)
    assert select(found, include_candidates=True) == found
    assert all(r.category in ("objective", "guideline") and r.score >= THRESHOLD and r.scope != "previous" for r in shown)
    dumped = [r.model_dump(mode="json") for r in found]
    assert [d["objective_id"] for d in select(dumped)] == [r.objective_id for r in shown]  # dicts too


def test_selection_threshold_and_defaults() -> None:
    base = {"objective_id": "x", "doc_id": "d", "source": "s", "title": "t", "char_start": 0, "char_end": 1}
    legacy = Objective.model_validate(base)  # records stored before classification still validate
    assert (legacy.category, legacy.score, legacy.reason, legacy.scope) == ("objective", 1.0, "", "plan")
    low = legacy.model_copy(update={"score": 0.3})
    previous = legacy.model_copy(update={"scope": "previous"})
    heading = legacy.model_copy(update={"category": "heading"})
    assert select([legacy, low, previous, heading]) == [legacy]
    assert select([low], threshold=0.2) == [low]
    with pytest.raises(ValueError):
        Objective.model_validate({**base, "score": 1.5})
    with pytest.raises(ValueError):
        Objective.model_validate({**base, "category": "wish"})


def test_items_a_lead_in_names_as_criteria_are_measures_not_aims(extract: Extract) -> None:
    # "… rispetto ai seguenti criteri:" lists what will be measured; the lead's future tense does not make them aims
    text, found = extract(
        "8. LA VALUTAZIONE DEL PIANO\n\n8.1 IL MONITORAGGIO\n\n"
        "La valutazione del Piano focalizzerà l'attenzione sulla costruzione di un bilancio sociale annuale.\n\n"
        "Il monitoraggio riguarderà quanto realizzato dal piano rispetto ai seguenti criteri:\n\n"
        "- Azioni del piano realizzate;\n- Risorse economiche investite;\n- Utenza raggiunta.\n"
    )
    criteria = [_by_start(found, text, w) for w in ("Azioni del piano", "Risorse economiche", "Utenza raggiunta")]
    assert not select(criteria)
    assert all(r.category == "analysis" and "criteri di misura" in r.reason for r in criteria)
    # "focalizzerà l'attenzione su" states where the plan puts its effort: the aim follows it
    aim = _by_start(found, text, "La valutazione del Piano")
    assert is_shown(aim) and aim.title.startswith("costruzione di un bilancio sociale annuale")


def test_priorities_a_lead_in_says_were_set_before_are_not_this_plan_s_aims(extract: Extract) -> None:
    # "le priorità che erano indicate nel Piano": the imperfect reports an earlier plan's priorities
    text, found = extract(
        "4. LA PROGRAMMAZIONE 2019-2020\n\n4.1 POVERTÀ\n\n"
        "Tra le priorità che erano indicate nel Piano precedente sono comprese infatti:\n\n"
        "1. l'attenzione a nuove forme di fragilità e vulnerabilità sociale;\n"
        "2. la necessità di costruire un sistema di conoscenza del welfare locale.\n\n"
        "Per il nuovo biennio le priorità sono:\n\n"
        "1. rafforzare la rete dei presidi territoriali contro la povertà;\n"
        "2. ampliare l'accesso ai servizi di prossimità.\n"
    )
    earlier = [_by_start(found, text, w) for w in ("1. l'attenzione", "2. la necessità")]
    assert not select(earlier) and all("introduzione descrittiva" in r.reason for r in earlier)
    assert all(is_shown(_by_start(found, text, w)) for w in ("1. rafforzare", "2. ampliare"))
