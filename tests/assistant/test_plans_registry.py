"""Plan recognition from the registry: names and aliases come from metadata, never from code."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.plans import PlanRegistry, content_query, find_mentions
from ingest.errors import ConfigError
from ingest.manifest import detect_meta, load_manifest
from ingest.schemas import DocumentMeta

REPO = Path(__file__).resolve().parents[2]


def _meta(doc_id: str, ambito: str | None, period: str | None, kind: str = "piano", aliases: tuple[str, ...] = (), date: str | None = None) -> DocumentMeta:
    return DocumentMeta(doc_id, f"{doc_id}.txt", f"Titolo {doc_id}", ambito, period, kind, date=date, aliases=aliases)


METAS = [
    _meta("crema-pdz", "Crema", "2015-2017", aliases=("cremasco",)),
    _meta("crema-slide", "Crema", "2015-2017", kind="presentazione", date="2016-03-01", aliases=("cremasco",)),
    _meta("cremona-pdz", "Cremona", "2019-2020", aliases=("cremonese",)),
    _meta("valdoria-pdz", "Valdoria", "2018-2020", aliases=("valdoriese", "Borgo Alto")),
]


def test_no_ambito_is_named_in_code() -> None:
    source = (REPO / "assistant" / "plans.py").read_text(encoding="utf-8").lower()
    for name in ("cremona", "crema", "casalasco", "casalmaggiore", "lombardia"):
        assert name not in source


def test_names_and_aliases_come_from_the_registry() -> None:
    plans = PlanRegistry(METAS)
    assert plans.mentions("Che servizi ha il distretto cremasco?").ambiti == {"crema"}
    assert plans.mentions("nel cremonese").ambiti == {"cremona"}  # not Crema
    assert plans.mentions("Quanti anziani a Borgo Alto?").ambiti == {"valdoria"}
    assert plans.mentions("Quanti anziani nell'ambito di Valdoria?").ambiti == {"valdoria"}
    # an ambito the registry does not hold is not recognised
    assert PlanRegistry(METAS[:3]).mentions("nell'ambito di Valdoria").ambiti == set()
    assert find_mentions("nel distretto cremasco").ambiti == set()  # no registry, no names


def test_targets_of_a_fictional_ambito() -> None:
    plans = PlanRegistry(METAS)
    assert plans.targets("Quali servizi offre il Piano di Zona di Valdoria?") == {"valdoria-pdz": 1.0}
    assert [d.doc_id for d in plans.named_plans("centro diurno valdoriese")] == ["valdoria-pdz"]
    assert plans.targets("Come si attiva il voucher?") == {}


def test_one_ambito_with_two_documents_is_not_a_comparison() -> None:
    plans = PlanRegistry(METAS)
    q = "Quali sono gli obiettivi del piano di Crema sulla casa?"
    assert set(plans.targets(q)) == {"crema-pdz", "crema-slide"}
    assert not plans.is_comparison(q)
    assert plans.is_comparison("Cosa prevedono Crema e Valdoria per gli anziani?")
    assert plans.is_comparison("Confronta i piani 2015-2017 e 2018-2020 sulla domiciliarità")
    assert plans.is_comparison("In quali ambiti è attivo il microcredito?")
    assert not plans.is_comparison("In quali ambiti del piano di Valdoria è attivo il microcredito?")


def test_a_named_year_prefers_the_documents_of_the_ambito_that_cover_it() -> None:
    metas = [
        _meta("monte-slide", "Montepiano", "2015-2017", kind="presentazione", date="2015-03-12"),
        _meta("monte-pdz", "Montepiano", "2019-2020"),
        _meta("valle-pdz", "Valdoria", "2015-2017"),
    ]
    plans = PlanRegistry(metas)
    targets = plans.targets("Quanto spendevano i Comuni di Montepiano e di Valdoria secondo i documenti del 2015?")
    assert targets["monte-slide"] == targets["valle-pdz"] == 1.0
    assert targets["monte-pdz"] < 0.5  # the 2019-2020 plan does not cover 2015
    # a year named on its own points at the dated slides, even next to the plan's period
    both = plans.targets("Nel 2015 un workshop di Montepiano chiedeva più dati: cosa prevede il piano 2019-2020?")
    assert both["monte-pdz"] == 1.0 and both["monte-slide"] >= 0.5
    assert plans.mentions("il piano 2019-2020 approvato il 12 marzo 2019").years == set()
    # a year none of the ambito's documents covers is a year of data: both documents stay named
    assert plans.targets("Quanto ha speso Montepiano per i minori nel 2012?") == {"monte-slide": 1.0, "monte-pdz": 1.0}


def test_later_plans_than_the_indexed_ones_are_missing() -> None:
    plans = PlanRegistry(METAS)
    assert plans.missing_plans("Che cosa cambia nel Piano di Zona di Crema 2018-2020?") == ["2018-2020"]
    assert plans.missing_plans("Cosa prevede il PdZ 2021-2023 per gli anziani?") == ["2021-2023"]
    # indexed plans, earlier plans (told by later ones) and other kinds of plan are not missing
    assert plans.missing_plans("Cosa prevede il Piano di Zona di Crema 2015-2017?") == []
    assert plans.missing_plans("Quali SFA sono nati grazie al Piano di Zona 2012-2014 di Crema?") == []
    assert plans.missing_plans("Chi ha presentato il Piano Territoriale di Conciliazione 2021-2022?") == []


def test_content_query_drops_registry_names_not_content() -> None:
    q = content_query("Qual è il traguardo dell'Obiettivo 9 del distretto cremasco 2015-2017 per Borgo Alto?", METAS)
    assert "9" in q and "traguard" in q
    assert not {"cremasc", "borg", "alto", "2015", "2017", "distrett"} & set(q)


def test_manifest_aliases_are_shared_by_the_ambito(tmp_path: Path) -> None:
    (tmp_path / "manifest.yaml").write_text(
        "documents:\n"
        "  - {doc_id: a, source: a.txt, ambito: Valdoria, aliases: [valdoriese], kind: piano}\n"
        "  - {doc_id: b, source: b.txt, ambito: Valdoria, aliases: \"Borgo Alto\", kind: presentazione}\n"
        "  - {doc_id: c, source: c.txt, ambito: Altrove, kind: piano}\n",
        encoding="utf-8",
    )
    entries = load_manifest(tmp_path / "manifest.yaml")
    assert entries["a.txt"].aliases == entries["b.txt"].aliases == ("valdoriese", "Borgo Alto")
    assert entries["c.txt"].aliases == ()
    (tmp_path / "manifest.yaml").write_text(
        "documents:\n  - {doc_id: a, source: a.txt, ambito: X, aliases: {x: 1}, kind: piano}\n", encoding="utf-8"
    )
    with pytest.raises(ConfigError, match="aliases"):
        load_manifest(tmp_path / "manifest.yaml")


def test_corpus_manifest_gives_aliases() -> None:
    entries = {m.doc_id: m for m in load_manifest(REPO / "corpus" / "manifest.yaml").values()}
    assert "Casalmaggiore" in entries["casalasco-pdz-2015-2017"].aliases
    assert entries["cremona-pdz-2019-2020"].aliases == entries["cremona-workshop-2015-03-12"].aliases


@pytest.mark.parametrize(
    ("text", "ambito"),
    [
        ("PIANO DI ZONA 2018-2020\nAmbito distrettuale di Valdoria\n\nPremessa", "Valdoria"),
        ("Il Piano di Zona del Distretto di Valle Camonica per il triennio", "Valle Camonica"),
        ("Il presente documento riguarda il territorio lodigiano e il distretto valdoriese.", "Valdoriese"),
        ("Un testo senza ambito.", None),
    ],
)
def test_detect_meta_finds_the_ambito(text: str, ambito: str | None) -> None:
    assert detect_meta("nuovo.txt", text).ambito == ambito


def test_a_full_date_scopes_the_question_to_the_dated_document() -> None:
    plans = PlanRegistry(METAS)
    dated = "Quante persone hanno partecipato all'incontro di Crema del 1 marzo 2016?"
    assert [d.doc_id for d in plans.named_plans(dated)] == ["crema-slide"]
    # without a date both documents of the ambito stay in scope, the dated one first
    assert {d.doc_id for d in plans.named_plans("Quante persone hanno partecipato all'incontro di Crema?")} == {
        "crema-pdz", "crema-slide"
    }


def test_a_plan_name_used_for_a_town_is_what_the_answer_must_be_about() -> None:
    from assistant.evidence import specific_terms

    metas = [*METAS, _meta("golfo-pdz", "Golfo", "2018-2020", aliases=("Portonuovo",))]
    plans = PlanRegistry(metas)
    question = "Che percentuale di stranieri ha il Comune di Portonuovo?"
    assert plans.town_terms(question) == [("Portonuovo", "portonuov")]
    assert "portonuov" not in plans.content_query(question)  # still a plan name for targeting
    labels = {s.label for s in specific_terms(question, {"stranier": 3.0, "percentual": 1.0}, plans)}
    assert "Portonuovo" in labels
    # the alias named as an area is not a town; the ambito's own name cannot tell town from district
    assert plans.town_terms("Che percentuale di stranieri ha il distretto di Portonuovo?") == []
    assert plans.town_terms("Che percentuale di stranieri ha il comune di Valdoria?") == []
    assert "Portonuovo" not in {s.label for s in specific_terms("Quanti stranieri a Portonuovo?", {"stranier": 3.0}, plans)}
