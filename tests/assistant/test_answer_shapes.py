"""The question's shape picks the sentence that states the fact; the status says what is missing.

Purpose-made plans of two fictional ambiti, indexed in a real embedded Chroma: each case has a
distractor sentence that shares the question's words but does not answer it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from assistant.analysis import tokenize
from assistant.citations import Span, sentence_spans
from assistant.compose import phrase_share, term_pairs
from assistant.equivalents import with_equivalents
from assistant.evidence import (
    describes_access,
    group_labels,
    has_data_number,
    missing_share,
    names_person,
    names_someone,
    rare_terms,
    reports_outcome,
    states_deadline,
    states_frequency,
    verb_terms,
)
from assistant.quantities import counts_item, figure_lead, is_table_row
from assistant.question import shape
from assistant.service import Assistant
from assistant.settings import Settings

MANIFEST = """documents:
  - doc_id: borgo
    source: borgo.txt
    title: "Piano Borgoalto"
    ambito: Borgoalto
    period: 2015-2017
    kind: piano
  - doc_id: valle
    source: valle.txt
    title: "Piano Valdoria"
    ambito: Valdoria
    period: 2015-2017
    kind: piano
  - doc_id: monte
    source: monte.txt
    title: "Piano Montepiano"
    ambito: Montepiano
    period: 2015-2017
    kind: piano
  - doc_id: prato-slide
    source: prato.txt
    title: "Slide Pratoverde"
    ambito: Pratoverde
    period: 2015-2017
    kind: presentazione
"""
BORGO = """Piano di Zona 2015-2017 dell'Ambito di Borgoalto

GOVERNANCE

L'Ufficio di Piano coordina i progetti del distretto ed è responsabile delle funzioni tecniche e amministrative della programmazione, della valutazione e del monitoraggio degli interventi.

Responsabile dell'Ufficio di Piano è il Direttore dei Servizi Sociali del Comune capofila.

Circa il 18% della spesa sociale fa parte della gestione associata dei servizi.

La nostra dimensione distrettuale è ricca di realtà amministrative (12 Comuni) e di associazioni del terzo settore.

POPOLAZIONE

Il 40% dei residenti vive nel capoluogo del distretto. Il tasso di occupazione del distretto è salito dal 60,1% del 2016 al 61,4% del 2017. Gli stranieri residenti frequentano i corsi di lingua italiana organizzati dal Comune capofila.

COMITATO RISTRETTO

Sono compiti del Comitato Ristretto:

1. convocare i tavoli tematici dei progetti;

2. verificare i bilanci delle azioni finanziate;

3. nominare i referenti di area.

Il Comitato Ristretto si riunisce di norma ogni mese, con delibera n. 287 del 12.12.2018.

QUOTE CONSORTILI

Ogni Comune versa al consorzio una quota fissa di 6,57 euro per abitante.

BUONO TRASPORTO

Il buono trasporto sociale si rivolge a persone con disabilità che non possono usare i mezzi pubblici. È concesso dopo la valutazione dell'assistente sociale del Comune di residenza. Dura al massimo sei mesi ed è rinnovabile una volta.
"""
VALLE = """Piano di Zona 2015-2017 dell'Ambito di Valdoria

DEMOGRAFIA

Il territorio di Valdoria conta una popolazione residente di 12.400 unità, in leggero aumento sul 2016.

SERVIZI PER GLI ANZIANI

Il Buono Pasto per anziani soli si attiva con una domanda allo sportello sociale del Comune. Alla domanda vanno allegati il documento d'identità e l'attestazione ISEE.

LA CASA

Proposte di sviluppo ed obiettivi per il 2019-2020

Per rafforzare il sistema la programmazione sociale deve porsi come obiettivi:

- Favorire l'accesso alla casa delle famiglie in difficoltà;
- Prevenire gli sfratti per morosità incolpevole.

Il protocollo con il Sunia per la casa prevede incontri mensili con gli inquilini delle case popolari.

BANDI

Il progetto Arcobaleno ha ottenuto 20.000 euro dal bando volontariato della Fondazione.

BENI COMUNI

Il Consiglio comunale ha approvato il Regolamento per la cura dei beni comuni, che affida ai cittadini la manutenzione dei giardini.

RETE ANTIVIOLENZA

Dal 2013 è attivo il protocollo d'intesa distrettuale con la Prefettura per la rete territoriale contro la violenza.

""" + " ".join(f"Il tavolo numero {n} della rete antiviolenza riunisce ogni mese i servizi del territorio." for n in range(1, 25)) + """

SCUOLA

Il protocollo d'intesa distrettuale con il Centro Territoriale Inclusione sostiene i progetti delle scuole.

GIOVANI

Il progetto Ponte prevede di aprire un centro diurno per gli adolescenti del distretto.
"""
# objectives in the plans' table layout: a record's span also holds its resources column
MONTE = """Piano di Zona 2015-2017 dell'Ambito di Montepiano

VOLONTARIATO

Il protocollo d'intesa con il CSVM ha come obiettivi la formazione dei volontari e la tutela degli inquilini.

Il progetto Girasole, finanziato dal bando volontariato, offre interventi di prossimità alle famiglie.

RISULTATI

L'azione «Casa amica» ha accompagnato gli inquilini nella ricerca di un alloggio. Lo sportello lavoro ha raggiunto 300 famiglie nel 2016.

Il fondo per le badanti vale 10.000 euro all'anno.

COMITATO DEI SINDACI

Il Comitato Ristretto di Montepiano è composto dai sindaci dei tre comuni più grandi.

FONDO DI SOLIDARIETÀ

Il fondo di solidarietà tra i Comuni sostiene le rette delle famiglie in difficoltà e i servizi per la disabilità.

Revisione delle regole del fondo di solidarietà: entro primo anno.

Estensione del fondo di solidarietà ai servizi accreditati: entro terzo anno.

LA CASA

Obiettivo 1 Favorire l'accesso alla casa delle famiglie in difficoltà

Tipologia

obiettivo

Azioni  Risorse impiegate Strumenti  Indicatori di esito Strumenti

valutazione

Tempi

Strategico  Apertura di uno
sportello casa nei Comuni

Accordi con il CSVM e
le associazioni degli inquilini

N° famiglie accolte
allo sportello

Report periodici Nel corso del
triennio
"""

# a slide deck: the statements are runs of short lines
PRATO = """Verso il Piano di Zona di Pratoverde

LE LINEE DI INDIRIZZO

Le linee di indirizzo provinciali

STRATEGIE

Condivisione dei bilanci comunali

Sportelli unici di quartiere

Alleanze con le parrocchie

La spesa sociale dei Comuni

Spesa sociale media

64 euro per abitante (anno 2014)
"""


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, embedder) -> Iterator[Assistant]:  # noqa: ANN001
    root = tmp_path_factory.mktemp("shapes")
    plans = root / "piani"
    plans.mkdir()
    (plans / "manifest.yaml").write_text(MANIFEST, encoding="utf-8")
    (plans / "borgo.txt").write_text(BORGO, encoding="utf-8")
    (plans / "valle.txt").write_text(VALLE, encoding="utf-8")
    (plans / "monte.txt").write_text(MONTE, encoding="utf-8")
    (plans / "prato.txt").write_text(PRATO, encoding="utf-8")
    assistant = Assistant(settings=Settings(data_dir=root / "data", corpus_dir=plans), embedder=embedder)
    report = assistant.ingest([plans])
    assert not report.failed, [o.error for o in report.failed]
    yield assistant


def test_who_question_quotes_the_sentence_that_names_the_role(app: Assistant) -> None:
    answer = app.ask("Chi è il responsabile dell'Ufficio di Piano di Borgoalto?")
    assert answer.status == "answered"
    assert answer.answer.splitlines()[0] == (
        "Secondo «Piano Borgoalto»: Responsabile dell'Ufficio di Piano è il Direttore dei Servizi Sociali "
        "del Comune capofila. [1]"
    )
    assert "funzioni tecniche" not in answer.answer.splitlines()[0]


def test_count_question_quotes_the_number_of_the_counted_item(app: Assistant) -> None:
    answer = app.ask("Quanti comuni fanno parte dell'ambito di Borgoalto?")
    assert answer.status == "answered"
    assert "(12 Comuni)" in answer.answer.splitlines()[0]
    assert "18%" not in answer.answer  # "fa parte" shares a word, not the counted item
    assert {c.chunk.doc_id for c in answer.citations} == {"borgo"}


def test_procedure_question_reads_on_after_the_lead_sentence(app: Assistant) -> None:
    answer = app.ask("Come funziona il buono trasporto sociale a Borgoalto?")
    assert answer.status == "answered"
    first = answer.answer.splitlines()[0]
    assert first.startswith("Secondo «Piano Borgoalto»: Il buono trasporto sociale si rivolge a persone con disabilità")
    # the following sentences share no word with the question, yet they say how it works
    assert "È concesso dopo la valutazione dell'assistente sociale" in first
    assert "Dura al massimo sei mesi" in first and first.endswith("[1]")


def test_a_fact_missing_in_the_named_ambito_says_so_and_names_who_has_it(app: Assistant) -> None:
    answer = app.ask("Come si attiva il Buono Pasto per anziani soli a Borgoalto?")
    assert answer.status in ("partial", "not_found")
    lines = answer.answer.splitlines()
    assert "ambito di Borgoalto" in lines[0] and "«Pasto»" in lines[0]
    assert "Ne parlano invece, per un altro ambito: «Piano Valdoria»." in lines
    assert all(c.chunk.doc_id == "borgo" for c in answer.citations)  # the other ambito is named, not cited


def test_a_sentence_ending_in_a_colon_is_answered_with_the_list_it_introduces(app: Assistant) -> None:
    answer = app.ask("Che compiti ha il Comitato Ristretto di Borgoalto?")
    assert answer.status == "answered"
    lines = answer.answer.splitlines()
    assert lines[1] == "- Sono compiti del Comitato Ristretto: [1]"
    # the items share no word with the question; each keeps its list number
    assert lines[2:5] == [
        "- 1. convocare i tavoli tematici dei progetti; [1]",
        "- 2. verificare i bilanci delle azioni finanziate; [1]",
        "- 3. nominare i referenti di area. [1]",
    ]


def test_list_numbers_and_references_are_not_the_asked_figure(app: Assistant) -> None:
    answer = app.ask("Quante persone partecipano alle riunioni del Comitato Ristretto di Borgoalto?")
    assert answer.status == "partial"
    assert answer.answer.splitlines()[0].startswith("I documenti dell'ambito di Borgoalto non riportano il dato numerico")


@pytest.mark.parametrize(
    ("records_question", "record", "named_question", "sentence"),
    [
        # the records say nothing of the Sunia: the sentence that does is quoted instead
        ("Quali obiettivi ha il piano di Valdoria sulla casa?", "- Favorire l'accesso alla casa delle famiglie in difficoltà",
         "Quali obiettivi ha il protocollo con il Sunia per la casa a Valdoria?",
         "Il protocollo con il Sunia per la casa prevede incontri mensili"),
        # a table record's resources column names the CSVM, but the record is not about it
        ("Quali obiettivi ha il piano di Montepiano sulla casa?", "Apertura di uno sportello casa nei Comuni",
         "Quali obiettivi ha il protocollo d'intesa con il CSVM a Montepiano?",
         "ha come obiettivi la formazione dei volontari e la tutela degli inquilini"),
    ],
    ids=["list-records", "table-records"],
)
def test_objective_records_answer_only_when_their_fields_hold_the_question_names(
    app: Assistant, records_question: str, record: str, named_question: str, sentence: str
) -> None:
    records = app.ask(records_question)
    assert "obiettivi della sezione" in records.answer.splitlines()[0]
    assert record in records.answer
    named = app.ask(named_question)
    assert "obiettivi della sezione" not in named.answer
    assert sentence in named.answer


def test_slide_statements_are_quoted_whole(app: Assistant) -> None:
    answer = app.ask("Quali strategie richiamavano le linee di indirizzo provinciali nelle slide di Pratoverde?")
    assert answer.status == "answered"
    assert (
        "STRATEGIE Condivisione dei bilanci comunali Sportelli unici di quartiere Alleanze con le parrocchie"
        in answer.answer
    )
    figure = app.ask("Quanto spendevano per il sociale i Comuni di Pratoverde per abitante?")
    assert figure.status == "answered"
    assert "Spesa sociale media 64 euro per abitante (anno 2014)" in figure.answer.splitlines()[0]


MONTEPIANO_LACKS = "I documenti dell'ambito di Montepiano non riportano il dato numerico richiesto"


@pytest.mark.parametrize(
    ("lacking", "says", "answered", "figure"),
    [
        # the only amount is another project's, in another plan: what Girasole obtained is not said
        ("Quanto ha ottenuto il progetto Girasole dal bando volontariato?",
         "I documenti indicizzati non riportano il dato numerico richiesto.",
         "Quanto ha ottenuto il progetto Arcobaleno dal bando volontariato?", "20.000 euro"),
        # "300 famiglie" shares the passage with «Casa amica», but it counts another action's families
        ("Quante famiglie ha raggiunto l'azione «Casa amica» a Montepiano?", MONTEPIANO_LACKS,
         "Quante famiglie ha raggiunto lo sportello lavoro a Montepiano?", "300 famiglie"),
        # an amount in euro does not count the carers
        ("Quante badanti lavorano a Montepiano?", MONTEPIANO_LACKS,
         "Quanto vale il fondo per le badanti di Montepiano?", "10.000 euro"),
    ],
    ids=["named-thing-in-passage", "quoted-title-in-sentence", "amount-is-not-a-count"],
)
def test_a_figure_must_be_about_what_is_asked(app: Assistant, lacking: str, says: str, answered: str, figure: str) -> None:
    answer = app.ask(lacking)
    assert answer.status == "partial"
    assert answer.answer.splitlines()[0].startswith(says)
    other = app.ask(answered)
    assert other.status == "answered" and figure in other.answer.splitlines()[0]


def test_a_who_question_needs_an_answer_that_names_someone(app: Assistant) -> None:
    # the protocol's sentence names no signatory beyond the CSVM the question already names
    answer = app.ask("Quali organizzazioni hanno firmato il protocollo d'intesa con il CSVM a Montepiano?")
    assert answer.status == "partial"
    assert answer.answer.splitlines()[0] == "I documenti dell'ambito di Montepiano non nominano il soggetto richiesto."
    assert shape("Chi può accedere al voucher?").entity is False  # who may apply: people, not a body
    # "chi" after a preposition opens a relative clause: people the question is about, not a body asked for
    assert shape("C'è un progetto per chi ha commesso reati, anche ragazzi minorenni?").entity is False
    assert shape("Che strumento c'è per il reinserimento di chi ha provvedimenti del giudice?").entity is False
    assert shape("Il voucher a chi è destinato?").entity is False
    assert shape("Chi ha firmato l'accordo di programma?").entity is True
    assert names_someone("Il centro è gestito dall'Associazione AIDA.", set()) is True
    assert names_someone("Il protocollo è firmato dalle realtà del territorio.", set()) is False


def test_a_rate_is_a_figure_of_the_asked_year(app: Assistant) -> None:
    answer = app.ask("Qual era il tasso di occupazione di Borgoalto nel 2018?")
    assert answer.status == "partial"
    assert "«Qual»" not in answer.answer
    known = app.ask("Qual era il tasso di occupazione di Borgoalto nel 2017?")
    assert known.status == "answered"
    assert "61,4% del 2017" in known.answer.splitlines()[0]


def test_a_figure_must_be_about_every_word_of_the_asked_item(app: Assistant) -> None:
    # "40% dei residenti" shares a word with "stranieri residenti", but it is not about foreigners
    answer = app.ask("Che percentuale di stranieri residenti ha l'ambito di Borgoalto?")
    assert answer.status == "partial"
    assert answer.answer.splitlines()[0].startswith("I documenti dell'ambito di Borgoalto non riportano la percentuale")
    # every word of the counted item: "residenti stranieri" are not all the residents
    both = app.ask("Quanti residenti stranieri vivono nel capoluogo di Borgoalto?")
    assert both.status == "partial"
    assert "«stranieri»" in both.answer.splitlines()[0]
    assert app.ask("Che percentuale dei residenti vive nel capoluogo di Borgoalto?").answer.splitlines()[0] == (
        "Secondo «Piano Borgoalto»: Il 40% dei residenti vive nel capoluogo del distretto. [1]"
    )


def test_a_date_question_without_a_date_in_the_evidence_is_partial(app: Assistant) -> None:
    answer = app.ask("In che anno è stato approvato il Regolamento per la cura dei beni comuni a Valdoria?")
    assert answer.status == "partial"
    assert answer.answer.splitlines()[0].startswith("I documenti dell'ambito di Valdoria non riportano la data richiesta")
    assert any("Regolamento per la cura dei beni comuni" in c.text for c in answer.citations)


def test_a_date_must_come_from_a_passage_about_the_asked_name(app: Assistant) -> None:
    # the year of another protocol (the Prefettura's) is not the year of the Centro's protocol
    answer = app.ask("In che anno è stato firmato il protocollo d'intesa distrettuale con il Centro Territoriale Inclusione a Valdoria?")
    assert answer.status == "partial"
    assert answer.answer.splitlines()[0].startswith("I documenti dell'ambito di Valdoria non riportano la data richiesta")
    known = app.ask("Da quando è attivo il protocollo d'intesa con la Prefettura a Valdoria?")
    assert known.status == "answered"
    assert "Dal 2013" in known.answer.splitlines()[0]


@pytest.mark.parametrize(
    ("question", "kind", "item", "years"),
    [
        ("Quanti comuni fanno parte dell'ambito casalasco?", "quantity", ("comun",), ()),
        ("Quanti anziani ultrasessantacinquenni conta il distretto?", "quantity", ("anzian", "ultrasessantacinquenn"), ()),
        ("Quanto ha speso il comune per i minori nel 2014?", "quantity", (), ("2014",)),
        ("A quanto ammontano le risorse per il 2019?", "quantity", (), ("2019",)),
        ("Con quanti soldi partivano i gruppi di progetto?", "quantity", (), ()),
        ("Che percentuale di stranieri residenti ha il comune?", "quantity", ("stranier", "resident"), ()),
        ("Qual era il tasso di occupazione nel 2018?", "quantity", ("occup",), ("2018",)),
        ("Quanti posti ha il centro diurno?", "quantity", ("post",), ()),
        ("Quanto costa il voucher?", "quantity", ("voucher",), ()),  # the figure is the subject's
        ("Quanto paga ogni comune al consorzio?", "quantity", ("comun",), ()),  # a verb right after "quanto"
        ("Quanto spende il comune per gli anziani?", "quantity", ("comun",), ()),
        ("Quanto paga una famiglia per il trasporto?", "quantity", ("famigl",), ()),
        ("Quanto tempo serve?", "quantity", ("temp", "serv"), ()),
        ("In che anno è stato approvato il regolamento?", "when", (), ()),
        ("Entro quando va firmato il protocollo?", "when", (), ()),
        ("Chi è il responsabile dell'Ufficio di Piano?", "who", (), ()),
        # a budget named as an instrument is the subject, not an asked sum; "di che cifre" asks one
        ("Che cosa contiene il budget di welfare dei patti?", "fact", (), ()),
        ("Come si costruisce il budget di welfare e di che cifre si tratta?", "quantity", (), ()),
        # a why-question asks a reason: the figure it names is its subject
        ("Come mai la spesa sociale è salita così tanto nel 2015?", "fact", (), ()),
        ("Perché la spesa è salita e di quanto?", "quantity", (), ()),
    ],
)
def test_question_shape_item_and_years(question: str, kind: str, item: tuple[str, ...], years: tuple[str, ...]) -> None:
    got = shape(question)
    assert (got.kind, got.item, got.years) == (kind, item, years)


def test_small_evidence_helpers() -> None:
    assert has_data_number("Nascono 3 nuovi SFA") and has_data_number("il 91% con uno o due figli")
    assert not has_data_number("3) Omogeneità di accesso ai servizi")  # a list number
    assert not has_data_number("approvati con delibera di G.C. n. 287 del 12.12.2018")  # a reference and a date
    assert not has_data_number("previsti dal regolamento ex art. 4 e dalla Legge 328/2000")
    assert not has_data_number("La legge nazionale 112/2016 ha ampliato le opportunità")  # an act and its year
    assert has_data_number("almeno 5/10 ulteriori realtà")
    assert counts_item("ricca di realtà amministrative (20 Comuni) e del terzo settore", ["comun"])
    assert not counts_item("circa il 18% della spesa fa parte della gestione dei Comuni", ["comun"])
    pairs = term_pairs(["respons", "uffic"], {"respons": 4.0, "uffic": 2.0})
    assert pairs == [("respons", "uffic")]
    assert phrase_share(["respons", "uffic", "pian", "dirigent"], pairs) == 1.0
    assert phrase_share(["uffic", "pian", "sogg", "support", "programm", "respons"], pairs) == 0.0
    assert is_table_row("F2-Schizofrenia, disturbi deliranti 17 93 191 99 400")
    assert not is_table_row("Il distretto comprende 48 Comuni con circa 163.000 abitanti.")
    assert group_labels("Come funziona il voucher per le dimissioni protette a Crema?", {"voucher", "protett"}) == [
        "voucher per le dimissioni protette"
    ]
    assert group_labels("Quanto ha speso il comune per i minori nel 2014?", {"minor", "2014"}) == ["minori nel 2014"]
    assert group_labels("risorse, gestione e progetti?", {"risors", "progett"}) == ["risorse", "progetti"]
    assert group_labels("Che quota di stranieri residenti ha il Comune?", {"stranier", "resident", "comun"}) == [
        "stranieri residenti", "Comune"
    ]  # a verb ends a phrase


def test_sentences_do_not_end_at_list_numbers_or_abbreviations() -> None:
    text = "Si fonda su due elementi:\n\n1. Dimensione territoriale;\n\n2. Equipe di lavoro.\nObiettivo n. 3 del piano. Vedi es. Una famiglia per una famiglia. Fine."
    assert [text[s.start : s.end] for s in sentence_spans(text)] == [
        "Si fonda su due elementi:",
        "1. Dimensione territoriale;",
        "2. Equipe di lavoro.",
        "Obiettivo n. 3 del piano.",
        "Vedi es. Una famiglia per una famiglia.",
        "Fine.",
    ]


def test_each_part_of_a_two_part_question_gets_its_sentence(app: Assistant) -> None:
    answer = app.ask(
        "A chi si rivolge il buono trasporto sociale di Borgoalto per chi non può usare i mezzi pubblici, e chi nomina i referenti?"
    )
    assert "Il buono trasporto sociale si rivolge a persone con disabilità" in answer.answer
    # the second ask shares few of the question's words: it is quoted for its part, not for the whole
    assert "3. nominare i referenti di area." in answer.answer


@pytest.mark.parametrize(
    ("question", "parts"),
    [
        ("A chi può rivolgersi una donna, e quali strutture esistono?", [{"rivolg", "donn"}, {"struttur", "esist"}]),
        ("Abito a Lodi: a quale zona faccio riferimento, e su cosa si fonda?", [{"abit", "lod"}, {"zon", "rifer"}, {"fond"}]),
        ("Quanti comuni e quanti abitanti ha il distretto?", [{"comun"}, {"abit", "distrett"}]),
        ("Quali servizi e interventi per anziani e disabili prevede il piano?", []),
    ],
)
def test_question_parts(question: str, parts: list[set[str]]) -> None:
    assert [set(p) for p in shape(question).parts] == parts


@dataclass
class _Sentence:
    text: str
    hit: set[str]
    score: float
    span: Span = Span(0, 0)
    chunk: Any = None


def test_a_count_leads_with_the_sentence_that_counts_the_item() -> None:
    count = shape("Quanti comuni fanno parte dell'ambito?")
    terms = {"comun": 1.0, "part": 1.0}
    share = _Sentence("Circa il 18% della spesa sociale fa parte della gestione dei comuni.", {"comun", "part"}, 1.0)
    counted = _Sentence("Il distretto è ricco di realtà amministrative (12 Comuni).", {"comun"}, 0.5)
    assert figure_lead([share, counted], count, terms, 0.25, floor=0.35) is counted
    # too far below the best sentence: the best figure-holding sentence leads
    assert figure_lead([share, counted], count, terms, 0.25, floor=0.6) is share


def test_a_who_question_is_answered_only_by_a_sentence_naming_the_asked_role(app: Assistant) -> None:
    # the plan names bodies (Comitato Ristretto, Ufficio di Piano) but no one in the asked role
    answer = app.ask("Chi è il garante dei tavoli tematici di Borgoalto?")
    assert answer.status == "partial"
    assert answer.answer.splitlines()[0] == "I documenti dell'ambito di Borgoalto non nominano il soggetto richiesto."
    assert shape("Chi sono i quattro rappresentanti degli enti?").role == ("rappresent",)
    assert shape("Chi è l'ente capofila?").role == ("ente",)
    assert shape("Quali enti hanno firmato?").role == ()


def test_a_question_asking_for_a_name_needs_a_person_s_name(app: Assistant) -> None:
    # the plan says which office holds the role, not the person's name
    assert app.ask("Chi è il responsabile dell'Ufficio di Piano di Borgoalto?").status == "answered"
    answer = app.ask("Come si chiama il responsabile dell'Ufficio di Piano di Borgoalto?")
    assert answer.status == "partial"
    assert answer.answer.splitlines()[0] == "I documenti dell'ambito di Borgoalto non riportano il nome richiesto."
    assert names_person("Il servizio è coordinato dalla dott.ssa Bianchi.", set()) is True
    assert names_person("Referente del progetto è Maria Verdi, assistente sociale.", set()) is True
    assert names_person("Responsabile è il Dirigente dei Servizi Sociali del Comune Capofila.", set()) is False


def test_a_question_on_how_something_went_needs_a_reported_result(app: Assistant) -> None:
    # the plan only says what the project will do
    answer = app.ask("Che risultati ha dato il progetto Ponte a Valdoria?")
    assert answer.status == "partial"
    assert answer.answer.splitlines()[0] == "I documenti dell'ambito di Valdoria non riportano i risultati richiesti."
    done = app.ask("Com'è andato lo sportello lavoro di Montepiano?")
    assert done.status == "answered"
    assert "300 famiglie" in done.answer
    assert shape("Com'è andata la sperimentazione?").asks_outcome is True
    assert shape("Come si attiva la sperimentazione?").asks_outcome is False
    assert reports_outcome("Lo sportello ha permesso di accogliere molte famiglie.") is True
    assert reports_outcome("Si prevede di aprire uno sportello nel prossimo triennio.") is False


def test_asking_words_are_not_what_the_documents_must_hold(app: Assistant) -> None:
    # "com'è" is "come è"; "chi *firma*", "come si *usa*": verbs that ask, not words the plan must contain
    answer = app.ask("Com'è il buono trasporto di Borgoalto?")
    assert answer.status == "answered"
    assert "com" not in tokenize("Com’era?")
    assert {"usa", "firm"} <= verb_terms("Come si usa il fondo? Chi firma il protocollo?")
    assert "protocoll" not in verb_terms("Chi firma il protocollo?")
    assert verb_terms("Chi lo firma? Chi poteva proporre progetti?") >= {"firm", "proporr"}
    assert verb_terms("Dove si trova lo sportello?") == {"trov"}  # "lo" before a noun is an article
    # an active participle after "avere" asks; a passive one names the asked event
    assert {"moss", "mess"} <= verb_terms("Quanto ha mosso il distretto e quanto hanno messo i Comuni?")
    assert "sottoscritt" not in verb_terms("In che data è stato sottoscritto l'Accordo di Programma?")
    # a word right before an article is a verb; after an article or "quali" it is a noun, whatever its ending
    assert verb_terms("Come giudica il Piano la collaborazione con l'ASL?") == {"giudic"}
    assert verb_terms("Con quali risorse il Piano sostiene l'autonomia?") == {"sostien"}
    assert verb_terms("Il reddito, il contributo e la richiesta di un anziano") == set()


def test_a_detail_asked_by_name_must_be_in_the_quoted_sentences(app: Assistant) -> None:
    # the plan says who the transport voucher is for and who assesses it, not which documents it needs
    answer = app.ask("Quali documenti servono per il buono trasporto sociale di Borgoalto?")
    assert answer.status == "partial"
    assert answer.answer.splitlines()[0] == "I documenti dell'ambito di Borgoalto non contengono indicazioni su «documenti»."
    # another plan naming documents for something else is not where the answer is
    assert "Ne parlano invece" not in answer.answer
    meal = app.ask("Quali documenti servono per il Buono Pasto a Valdoria?")
    assert meal.status == "answered" and "documento d'identità" in meal.answer
    assert shape("Quali requisiti servono e con quale procedura?").details == ("requisiti", "procedura")
    assert shape("Quali servizi ci sono?").details == ()


def test_whether_a_planned_step_was_taken_is_a_question_on_results() -> None:
    assert shape("Il regolamento è stato effettivamente approvato entro giugno?").asks_outcome is True
    assert shape("I servizi migliorano davvero la qualità di vita?").asks_outcome is False


def test_a_quota_is_an_amount_or_a_share(app: Assistant) -> None:
    # "quota" asks for an amount or a share; "paga" is the verb, not the counted item
    answer = app.ask("Quanto paga ogni comune di Borgoalto al consorzio come quota fissa?")
    assert answer.status == "answered"
    assert "6,57 euro per abitante" in answer.answer.splitlines()[0]


def test_words_no_document_holds_are_not_required_of_the_answer() -> None:
    terms = {"coop": 9.0, "consorz": 5.0, "fiss": 4.5}
    question = "quanto paga la coop al consorzio come quota fissa?"
    assert set(rare_terms(question, terms)) == {"coop", "consorz", "fiss"}
    assert set(rare_terms(question, terms, unknown={"coop"})) == {"consorz", "fiss"}
    text = "La quota fissa versata al consorzio."
    assert missing_share(terms, text, question) == pytest.approx(9.0 / 18.5)
    assert missing_share(terms, text, question, unknown={"coop"}) == 0.0
    assert "qualcos" not in rare_terms("Fanno qualcosa per i minori?", {"qualcos": 9.0, "minor": 5.0})
    # where the asker saw it ("nella tabella", "nel capitolo lavoro") is not what the evidence must say
    asked = {"tabell": 8.0, "capitol": 8.0, "titol": 6.0}
    assert set(rare_terms("Nel capitolo lavoro, come sono divisi i titoli nella tabella?", asked)) == {"titol"}


def test_each_plan_of_a_comparison_is_grounded_on_its_own(app: Assistant) -> None:
    # Montepiano reports what its desk achieved; Valdoria only says what its project will do
    answer = app.ask("Che risultati hanno dato lo sportello lavoro di Montepiano e il progetto Ponte di Valdoria?")
    lines = answer.answer.splitlines()
    assert lines[0] == "Risposta per ciascun piano:"
    assert answer.status == "partial"
    assert "«Piano Valdoria»: non riporta i risultati richiesti; le informazioni più vicine:" in lines
    assert "«Piano Montepiano»:" in lines


def test_a_question_on_how_to_get_a_service_needs_sentences_that_say_how(app: Assistant) -> None:
    # Valdoria's plan says what the Ponte centre will be, not how one gets in
    answer = app.ask("Come si accede al centro diurno del progetto Ponte a Valdoria?")
    assert answer.status == "partial"
    assert answer.answer.splitlines()[0] == "I documenti dell'ambito di Valdoria non descrivono come si accede al servizio."
    assert app.ask("Come si attiva il buono trasporto sociale a Borgoalto?").status == "answered"  # "dopo la valutazione"
    assert app.ask("Come si attiva il Buono Pasto per anziani soli a Valdoria?").status == "answered"  # "con una domanda"
    assert shape("a chi mi rivolgo per l'affitto?").asks_access is True
    assert shape("come si iscrive un bambino al nido?").asks_access is True
    assert shape("Come funziona il buono trasporto?").asks_access is False
    assert describes_access("Si attiva a seguito di segnalazione dei reparti ospedalieri.") is True
    assert describes_access("Il centro accoglie gli adolescenti del distretto.") is False


def test_a_deadline_asked_by_name_is_answered_by_the_sentences_that_give_one(app: Assistant) -> None:
    # "scadenze" is not a word of the plan: "entro primo anno" is how a plan gives one
    answer = app.ask("Come vuole rivedere il fondo di solidarietà il Piano di Montepiano, e con che scadenze?")
    assert answer.status == "answered"
    assert "entro primo anno" in answer.answer and "entro terzo anno" in answer.answer
    # a plan that gives no deadline for the asked service still lacks one
    transport = app.ask("Con che scadenze Borgoalto rinnova il buono trasporto sociale?")
    assert transport.status == "partial"
    assert transport.answer.splitlines()[0] == "I documenti dell'ambito di Borgoalto non contengono indicazioni su «scadenze»."
    assert states_deadline("Approvazione del regolamento distrettuale ISEE entro giugno 2015") is True
    assert states_deadline("Il progetto entro cui si colloca il servizio") is False


def test_a_word_of_the_same_meaning_ties_a_number_to_the_asked_item(app: Assistant) -> None:
    # the question counts "abitanti", the plan gives its "popolazione residente"
    answer = app.ask("Quanti abitanti conta il territorio di Valdoria?")
    assert answer.status == "answered"
    assert "12.400" in answer.answer.splitlines()[0]
    assert with_equivalents({"abit"}) >= {"abit", "resident", "popol"}
    assert with_equivalents({"minor"}) == {"minor", "minorenn"}  # "bambini" are some of the minors, not the same set
    assert with_equivalents({"coop"}) == {"coop", "cooper"}  # an abbreviation is the same word




def test_how_often_is_answered_by_a_sentence_that_gives_a_frequency(app: Assistant) -> None:
    # "quanto spesso" asks how often, not how many; the plan says "ogni mese"
    answer = app.ask("Quanto spesso si riunisce il Comitato Ristretto di Borgoalto?")
    assert answer.status == "answered"
    assert "di norma ogni mese" in answer.answer
    office = app.ask("Ogni quanto si riunisce l'Ufficio di Piano di Borgoalto?")
    assert office.status == "partial"
    assert office.answer.splitlines()[0] == "I documenti dell'ambito di Borgoalto non contengono indicazioni su «frequenza»."
    assert shape("E quanto spesso si riunisce?").kind != "quantity"
    assert shape("composizione e frequenza delle riunioni").details == ("frequenza",)
    assert states_frequency("con il tavolo degli operatori, con cadenza bimensili") is True
    assert states_frequency("il monitoraggio di ciascuna annualità del piano") is False



def test_a_plan_that_speaks_of_the_subject_but_not_of_the_asked_detail_is_said_to_lack_it(app: Assistant) -> None:
    answer = app.ask("Chi fa parte del Comitato Ristretto e ogni quanto si riunisce, a Borgoalto e a Montepiano?")
    lines = answer.answer.splitlines()
    assert answer.status == "partial"
    assert "«Piano Montepiano»: non contiene indicazioni su «frequenza»; le informazioni più vicine:" in lines
    assert any("sindaci dei tre comuni" in line for line in lines)
    assert "di norma ogni mese" in answer.answer  # Borgoalto's frequency is quoted


def test_a_sentence_sharing_only_the_question_s_verb_does_not_outrank_one_about_its_subject() -> None:
    from assistant.compose import AnswerConfig, candidates
    from assistant.retrieval import SearchResult
    from ingest.schemas import Chunk

    question = "A chi si rivolgono le famiglie per l'assistenza domiciliare?"
    verb_only = "I progetti di comunità si rivolgono a target più ampi della popolazione."
    subject = "L'assistenza domiciliare si attiva con una domanda allo sportello delle famiglie."
    text = f"{verb_only} {subject}"
    chunk = Chunk(
        chunk_id="c0", doc_id="d", source="d.txt", title="Piano", ambito=None, period=None, kind="piano",
        section="Servizi", page=None, char_start=0, char_end=len(text), text=text, ordinal=0,
    )
    asked = shape(question)
    assert "rivolg" in asked.verbs
    # the verb is the rarest word of the question: at full weight it picks the wrong sentence
    terms = {"rivolg": 8.0, "famigl": 1.5, "assistent": 2.0, "domicil": 2.5}
    results = [SearchResult(rank=1, score=1.0, chunk=chunk)]
    best = candidates(results, terms, asked, AnswerConfig())[0]
    assert best.text == subject
    assert candidates(results, terms, asked, AnswerConfig(verb_weight=1.0))[0].text == verb_only


def test_investing_and_funding_ask_for_money() -> None:
    assert shape("Quanto investe il distretto nella rete per l'orientamento?").money is True
    assert shape("Quanto finanzia la Regione per il progetto?").money is True
    assert shape("A quanto ammonta il contributo della Fondazione?").money is True
    assert shape("Quanti comuni fanno parte dell'ambito?").money is False


def test_who_holds_a_role_is_said_by_a_sentence_that_names_the_holder_not_one_that_lists_the_role() -> None:
    from assistant.evidence import states_holder

    assert shape("Chi è la Consigliera di Parità provinciale?").asks_holder is True
    assert shape("Chi sono i soggetti che partecipano al progetto?").asks_holder is False
    role = tokenize("consigliera")
    listed = "Il progetto è realizzato con la partecipazione dei seguenti soggetti che collaborano: Consigliera di Parità, Comune."
    assert states_holder(listed, role) is False  # the role is one of the partners: who holds it is not said
    assert states_holder("La Consigliera di Parità è la dott.ssa Rossi.", role) is True
    assert states_holder("Responsabile dell'Ufficio di Piano è il Direttore dei Servizi Sociali.", tokenize("responsabile"))
