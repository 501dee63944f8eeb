"""Answers shaped by the question, with a grounded status, on a purpose-made corpus (real index)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from api.responses import AnswerOut
from assistant.citations import Span
from assistant.evidence import clean_text, in_contents, is_quotable, quotable_spans, statement_spans
from assistant.service import Assistant
from assistant.settings import Settings

MANIFEST = """documents:
  - doc_id: alfa
    source: alfa.txt
    title: "Piano Alfa"
    ambito: Crema
    aliases: [cremasco]
    period: 2015-2017
    kind: piano
  - doc_id: alfa-slide
    source: alfa_slide.txt
    title: "Slide Alfa"
    ambito: Crema
    period: 2015-2017
    kind: presentazione
    date: 2016-03-01
  - doc_id: beta
    source: beta.txt
    title: "Piano Beta"
    ambito: Casalasco
    aliases: [casalasca, Casalmaggiore]
    period: 2015-2017
    kind: piano
"""
ALFA = """Piano di Zona 2015-2017 dell'Ambito di Crema

SERVIZI PER LA DOMICILIARITÀ

Il voucher per le dimissioni protette si attiva tramite il servizio sociale del Comune di residenza, che valuta il bisogno entro cinque giorni lavorativi dalla segnalazione dell'ospedale.

La domanda di voucher viene presentata dall'assistente sociale ospedaliera insieme al piano di assistenza individuale.

<p>Il trasporto sociale verso i centri diurni è organizzato dalle associazioni di volontariato del territorio.</p> <p>Le richieste di trasporto sociale si presentano allo sportello del Comune.</p>

IL TERRITORIO

Il distretto cremasco comprende 48 Comuni con circa 163.000 abitanti, di cui il 22% ha più di sessantacinque anni.
"""
ALFA_SLIDE = """Slide del 1 marzo 2016 sul Piano di Zona di Crema

Il voucher per le dimissioni protette ha seguito nel 2015 quaranta persone dimesse dall'ospedale.
"""
BETA = """Piano di zona casalasco per il triennio 2015-2017

LA POVERTÀ

Nel distretto casalasco il fondo di microcredito sostiene le famiglie in difficoltà economica con prestiti solidali restituiti in piccole rate mensili.

Il centro diurno per anziani di Casalmaggiore accoglie 20 ospiti ogni giorno.
"""
VALDORIA = """PIANO DI ZONA 2018-2020
Ambito distrettuale di Valdoria

Il Piano di Zona dell'Ambito distrettuale di Valdoria organizza i servizi sociali dei Comuni della valle.

Il centro diurno per anziani dell'ambito accoglie 35 ospiti ogni giorno, con trasporto garantito dai Comuni.
"""


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, embedder) -> Iterator[Assistant]:  # noqa: ANN001
    root = tmp_path_factory.mktemp("status")
    plans = root / "piani"
    plans.mkdir()
    (plans / "manifest.yaml").write_text(MANIFEST, encoding="utf-8")
    for name, text in (("alfa.txt", ALFA), ("alfa_slide.txt", ALFA_SLIDE), ("beta.txt", BETA)):
        (plans / name).write_text(text, encoding="utf-8")
    upload = root / "upload"  # a plan of an ambito nobody configured: no manifest entry
    upload.mkdir()
    (upload / "valdoria.txt").write_text(VALDORIA, encoding="utf-8")
    assistant = Assistant(settings=Settings(data_dir=root / "data", corpus_dir=plans), embedder=embedder)
    report = assistant.ingest([plans, upload])
    assert not report.failed, [o.error for o in report.failed]
    yield assistant


def test_status_answered_with_the_procedure(app: Assistant) -> None:
    answer = app.ask("Come si attiva il voucher per le dimissioni protette nel cremasco?")
    assert answer.status == "answered" and not answer.abstained
    assert answer.answer.startswith("Secondo «Piano Alfa»: Il voucher per le dimissioni protette si attiva tramite il servizio sociale")
    assert answer.citations[0].chunk.doc_id == "alfa"
    assert "servizio sociale del Comune di residenza" in answer.citations[0].text
    assert AnswerOut.of(answer).status == "answered" and AnswerOut.of(answer).abstained is False


def test_quantity_answered_with_the_number_sentence(app: Assistant) -> None:
    answer = app.ask("Quanti Comuni comprende il distretto cremasco?")
    assert answer.status == "answered"
    first_line = answer.answer.splitlines()[0]
    assert "48 Comuni" in first_line and first_line.endswith("[1]")
    assert "48 Comuni" in answer.citations[0].text
    assert len(answer.answer) < 600


def test_partial_says_what_is_missing_then_the_closest_evidence(app: Assistant) -> None:
    answer = app.ask("Quanto costa in euro il voucher per le dimissioni protette a Crema?")
    assert answer.status == "partial" and not answer.abstained
    lines = answer.answer.splitlines()
    assert lines[0] == "I documenti dell'ambito di Crema non riportano l'importo richiesto."
    assert lines[1].startswith("Le informazioni più vicine")
    assert answer.citations and all(c.chunk.ambito == "Crema" for c in answer.citations)
    assert any("voucher" in c.text for c in answer.citations)


def test_partial_when_a_name_of_the_question_is_missing(app: Assistant) -> None:
    answer = app.ask(
        "Il fondo di microcredito del casalasco per le famiglie in difficoltà economica è gestito dalla Fondazione Aurelia?"
    )
    assert answer.status == "partial"
    assert answer.answer.splitlines()[0] == "I documenti dell'ambito di Casalasco non contengono indicazioni su «Fondazione Aurelia»."


def test_a_later_plan_than_the_indexed_ones_is_said_to_be_missing(app: Assistant) -> None:
    answer = app.ask("Come si attiva il voucher per le dimissioni protette nel Piano di Zona di Crema 2018-2020?")
    lines = answer.answer.splitlines()
    assert lines[0] == (
        "Il piano 2018-2020 dell'ambito di Crema non è tra i documenti indicizzati. "
        "Le informazioni più vicine, da altri documenti:"
    )
    assert answer.status == "partial"
    assert any("voucher" in c.text for c in answer.citations)


def test_not_found_declines(app: Assistant) -> None:
    answer = app.ask("Qual è il prezzo del biglietto del treno per Milano?")
    assert answer.status == "not_found" and answer.abstained and answer.citations == []
    assert answer.answer.startswith("Non ho trovato la risposta nei documenti indicizzati.")
    assert AnswerOut.of(answer).status == "not_found"


def test_no_html_and_no_heading_lines_in_answers(app: Assistant) -> None:
    for question in (
        "Chi organizza il trasporto sociale verso i centri diurni a Crema?",
        "Quali servizi per la domiciliarità prevede il piano di Crema?",
    ):
        answer = app.ask(question)
        assert answer.status != "not_found", question
        assert "<" not in answer.answer and ">" not in answer.answer, answer.answer
        assert "SERVIZI PER LA DOMICILIARITÀ" not in answer.answer and "IL TERRITORIO" not in answer.answer
    answer = app.ask("Chi organizza il trasporto sociale verso i centri diurni a Crema?")
    assert "organizzato dalle associazioni di volontariato del territorio. [1]" in answer.answer


def test_a_fictional_ambito_is_recognised_from_its_detected_metadata(app: Assistant) -> None:
    valdoria = next(d for d in app.documents() if d.meta.source == "valdoria.txt")
    assert valdoria.meta.ambito == "Valdoria" and valdoria.meta.detected
    answer = app.ask("Quanti ospiti accoglie il centro diurno per anziani dell'ambito di Valdoria?")
    assert answer.status == "answered"
    assert {c.chunk.doc_id for c in answer.citations} == {valdoria.meta.doc_id}
    assert "35 ospiti" in answer.answer.splitlines()[0] and "20 ospiti" not in answer.answer


def test_one_plan_with_two_documents_is_answered_as_one_plan(app: Assistant) -> None:
    answer = app.ask("Come funziona il voucher per le dimissioni protette nel piano di Crema?")
    assert not answer.answer.startswith("Risposta per ciascun piano")
    assert answer.citations and {c.chunk.ambito for c in answer.citations} == {"Crema"}


def test_multi_plan_answer_says_which_plan_has_no_evidence(app: Assistant) -> None:
    answer = app.ask("Come si attiva il voucher per le dimissioni protette a Crema e nel casalasco?")
    lines = answer.answer.splitlines()
    assert lines[0] == "Risposta per ciascun piano:"
    assert "«Piano Beta»: nessuna evidenza pertinente nei documenti indicizzati." in lines
    assert any(line.startswith("Ambito di Crema") for line in lines)
    assert answer.status == "partial"
    assert answer.citations and {c.chunk.doc_id for c in answer.citations} <= {"alfa", "alfa-slide"}


def test_multi_plan_answer_covers_every_named_plan(app: Assistant) -> None:
    answer = app.ask("Quanti ospiti accolgono i centri diurni per anziani di Valdoria e di Casalmaggiore?")
    assert answer.answer.startswith("Risposta per ciascun piano:")
    assert "35 ospiti" in answer.answer and "20 ospiti" in answer.answer
    assert answer.status == "answered"
    docs = [c.chunk.doc_id for c in answer.citations]
    assert "beta" in docs and len(set(docs)) == 2


def test_multi_plan_answer_says_which_plan_lacks_the_asked_figure(app: Assistant) -> None:
    # both plans speak of their day centre for the elderly, neither counts its volunteers
    answer = app.ask("Quanti volontari aiutano nei centri diurni per anziani di Valdoria e di Casalmaggiore?")
    lines = answer.answer.splitlines()
    expected = "«Piano Beta»: non riporta il dato numerico richiesto riferito a «volontari»; le informazioni più vicine:"
    assert expected in lines
    assert answer.status == "partial"
    guests = app.ask("Quanti ospiti accolgono i centri diurni per anziani di Valdoria e di Casalmaggiore?")
    assert "non riporta" not in guests.answer and guests.status == "answered"


def test_quotable_sentences_skip_headings_header_rows_and_tags() -> None:
    assert not is_quotable("CASA.")
    assert not is_quotable("LAVORO E CASA.")
    assert not is_quotable("2013 2014 2015 2015/2013")
    assert not is_quotable("SPESA SOC COMUNI 2013 2014 2015")
    assert not is_quotable("## 2. Servizi per la domiciliarità")
    assert is_quotable("Totale Ambito 1.991 € 7.446.008 € 3.740 € 854 19%")
    assert is_quotable("Il voucher si attiva tramite il servizio sociale del Comune.")
    text = '<ul style="list-style-type: none"><li>Primo intervento di sostegno</li><li>Secondo intervento</li></ul>'
    spans = quotable_spans(text)
    assert [text[s.start : s.end] for s in spans] == ["Primo intervento di sostegno", "Secondo intervento"]
    assert clean_text("<p>Il servizio <i>domiciliare</i> **attivo**</p>") == "Il servizio domiciliare attivo"


def test_on_slides_a_run_of_short_lines_is_one_statement() -> None:
    text = (
        "Le linee di indirizzo\n\nOBIETTIVI\n\nIntegrazione tra Comuni\n\nIntegrazione tra Servizi\n\n"
        "La spesa sociale è gestita in forma associata.\n\nTotale\t120\t19%\n\nSpesa MEDIA\n\n71 euro"
    )
    joined = [text[s.start : s.end] for s in statement_spans(text, slides=True)]
    assert joined == [
        "Le linee di indirizzo\n\nOBIETTIVI\n\nIntegrazione tra Comuni\n\nIntegrazione tra Servizi\n\n"
        "La spesa sociale è gestita in forma associata.",
        "Totale\t120\t19%",
        "Spesa MEDIA\n\n71 euro",
    ]
    # in other documents a short line stays a line (a heading, not part of a statement)
    assert statement_spans(text) == quotable_spans(text)
    assert len(statement_spans(text)) == 8
    # a run stops at the length limit
    long_run = "\n\n".join(f"Voce numero {i}" for i in range(60))
    assert all(s.end - s.start <= 400 for s in statement_spans(long_run, slides=True))


def test_lines_of_a_table_of_contents_are_not_quoted() -> None:
    text = (
        "Sostegno alla genitorialità\t84\nFamiglie monogenitoriali e genitori separati\t87\n4.7.2 GIOVANI\t88\n\n"
        "Cremona\t90\nCrema\t45\n\nTotale\t87\n\nIl centro accoglie 87 persone."
    )

    def line(s: str) -> Span:
        return Span(text.index(s), text.index(s) + len(s))

    assert in_contents(text, line("Famiglie monogenitoriali e genitori separati\t87"))
    assert in_contents(text, line("4.7.2 GIOVANI\t88"))
    # a table of figures (numbers going down), a lone total and a sentence are not contents
    assert not in_contents(text, line("Crema\t45"))
    assert not in_contents(text, line("Totale\t87"))
    assert not in_contents(text, line("Il centro accoglie 87 persone."))


def test_empty_question_terms_do_not_break_the_status(app: Assistant, tmp_path: Path) -> None:
    answer = app.ask("Piano di Zona di Crema?")
    assert answer.status in ("answered", "partial", "not_found")
    assert (answer.status == "not_found") == answer.abstained
