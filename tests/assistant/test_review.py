"""The review overlay on a real SQLite file: merge, validation, audit trail, re-attachment after re-extraction."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.extraction.extractor import extract_objectives, parse_text
from assistant.extraction.schema import Objective
from assistant.objectives_store import ObjectiveStore
from assistant.review import ReviewError, ReviewStore, merge, new_record
from ingest.document import ParsedDocument
from ingest.schemas import DocumentMeta

META = DocumentMeta("piano", "piano.txt", "Piano di prova", "Crema", "2015-2017", "piano")
PLAN = """Obiettivo n. 1

Sportello unico per l'accesso ai servizi

AZIONI

- apertura di uno sportello in ogni comune capofila
- formazione degli operatori dello sportello

TEMPI

Entro il 2016.

Obiettivo n. 2

Trasporto sociale per gli anziani

AZIONI

- convenzione con le associazioni di volontariato per il trasporto

TEMPI

Nel corso del triennio.

Obiettivo n. 3

Cartella sociale informatizzata in tutti i servizi

AZIONI

- estensione della cartella al privato sociale

TEMPI

Entro il 2017.
"""


def _doc(text: str, version: str) -> ParsedDocument:
    return parse_text(text, META, version=version)


def _stores(tmp_path: Path) -> tuple[ObjectiveStore, ReviewStore]:
    store = ObjectiveStore(f"sqlite:///{tmp_path / 'db' / 'obiettivi.sqlite3'}")
    return store, ReviewStore(store.engine)


def _load(store: ObjectiveStore, doc: ParsedDocument, version: str) -> list[Objective]:
    store.replace_document(doc.doc_id, version, extract_objectives(doc))
    return store.list()


def _by_title(records: list[Objective], start: str) -> Objective:
    (record,) = [r for r in records if r.title.startswith(start)]
    return record


def _reconcile(store: ObjectiveStore, reviews: ReviewStore, doc: ParsedDocument) -> None:
    reviews.reconcile(store.versions(), lambda d: store.list(doc_id=d), lambda o: doc.text[o.char_start : o.char_end])


def test_versions_exist_for_documents_without_records(tmp_path: Path) -> None:
    store, _ = _stores(tmp_path)
    store.replace_document("vuoto", "v1:4", [])
    assert store.versions() == {"vuoto": "v1:4"}
    store.remove_document("vuoto")
    assert store.versions() == {}


def test_approve_correct_reject_and_the_audit_trail(tmp_path: Path) -> None:
    store, reviews = _stores(tmp_path)
    records = _load(store, _doc(PLAN, "v1"), "v1")
    sportello, trasporto, cartella = (_by_title(records, t) for t in ("Sportello", "Trasporto", "Cartella"))
    assert [r.review_status for r in merge(records, reviews.overlay())] == ["estratto"] * 3

    reviews.review(sportello, sportello.objective_id, author="Anna", version="v1", status="approvato")
    reviews.review(trasporto, trasporto.objective_id, author="Bruno", version="v1",
                   changes={"title": "Trasporto sociale per anziani e disabili", "indicators": ["N. di trasporti"]})
    reviews.review(cartella, cartella.objective_id, author="Anna", version="v1", status="rifiutato")

    rows = merge(store.list(), reviews.overlay())
    assert [(r.title, r.review_status, r.corrected_fields) for r in rows] == [
        ("Sportello unico per l'accesso ai servizi", "approvato", []),
        ("Trasporto sociale per anziani e disabili", "corretto", ["indicators", "title"]),
    ]
    assert rows[1].indicators == ["N. di trasporti"] and rows[1].reviewed_by == "Bruno"
    assert store.get(trasporto.objective_id) == trasporto  # the extracted record is untouched
    assert [r.review_status for r in merge(store.list(), reviews.overlay(), include_rejected=True)][-1] == "rifiutato"

    (event,) = reviews.history(trasporto.objective_id) or []
    assert (event.author, event.action) == ("Bruno", "corretto")
    assert event.changes["title"] == {"prima": "Trasporto sociale per gli anziani",
                                      "dopo": "Trasporto sociale per anziani e disabili"}
    assert event.changes["indicators"] == {"prima": [], "dopo": ["N. di trasporti"]}
    # approving a corrected record keeps the correction; a second trail entry
    reviews.review(None, trasporto.objective_id, author="Anna", version="v1", status="approvato")
    assert [e.action for e in reviews.history(trasporto.objective_id) or []] == ["corretto", "approvato"]
    assert merge(store.list(), reviews.overlay())[1].review_status == "approvato"
    assert reviews.history(sportello.objective_id)[0].action == "approvato"  # type: ignore[index]


@pytest.mark.parametrize(
    ("changes", "status", "code"),
    [
        ({"colore": "rosso"}, None, "campo_non_modificabile"),
        ({"char_start": 3}, None, "campo_non_modificabile"),
        ({"title": "   "}, None, "titolo_vuoto"),
        ({"scope": "mondiale"}, None, "revisione_non_valida"),
        ({"actions": "x"}, "forse", "stato_non_valido"),
        ({}, None, "nessuna_modifica"),
    ],
)
def test_bad_reviews_change_nothing(tmp_path: Path, changes: dict, status: str | None, code: str) -> None:
    store, reviews = _stores(tmp_path)
    record = _load(store, _doc(PLAN, "v1"), "v1")[0]
    with pytest.raises(ReviewError) as caught:
        reviews.review(record, record.objective_id, author="Anna", version="v1", changes=changes,
                       status=status)  # type: ignore[arg-type]
    assert caught.value.code == code and caught.value.message
    assert reviews.overlay() == [] and reviews.history(record.objective_id) is None


def test_review_needs_an_author(tmp_path: Path) -> None:
    store, reviews = _stores(tmp_path)
    record = _load(store, _doc(PLAN, "v1"), "v1")[0]
    with pytest.raises(ReviewError) as caught:
        reviews.review(record, record.objective_id, author=" ", version="v1", status="approvato")
    assert caught.value.code == "autore_mancante" and reviews.overlay() == []


def test_added_record_is_shown_and_can_be_withdrawn(tmp_path: Path) -> None:
    store, reviews = _stores(tmp_path)
    doc = _doc(PLAN, "v1")
    _load(store, doc, "v1")
    start = doc.text.index("Trasporto sociale")
    added = new_record(doc, {"title": "Servizio di pasti a domicilio", "actions": ["convenzione con la mensa"]},
                       (start, start + 20))
    assert (added.ambito, added.period, added.source, added.char_start) == ("Crema", "2015-2017", "piano.txt", start)
    reviews.add(added, author="Carla", version="v1")
    rows = merge(store.list(), reviews.overlay())
    assert [r.title for r in rows] == [
        "Sportello unico per l'accesso ai servizi", "Trasporto sociale per gli anziani", "Servizio di pasti a domicilio",
        "Cartella sociale informatizzata in tutti i servizi",
    ]
    assert rows[2].review_status == "aggiunto" and rows[2].actions == ["convenzione con la mensa"]
    assert merge(store.list(), reviews.overlay(), keep=lambda o: o.ambito == "Casalasco")[2].title.startswith("Cartella")
    assert reviews.remove_added(added.objective_id, author="Carla")
    assert [r.title for r in merge(store.list(), reviews.overlay())][2].startswith("Cartella")
    assert [e.action for e in reviews.history(added.objective_id) or []] == ["aggiunto", "rimosso"]
    with pytest.raises(ReviewError):
        new_record(doc, {"title": ""})
    with pytest.raises(ReviewError):
        new_record(doc, {"title": "Fuori"}, (0, len(doc.text) + 5))


def test_edits_follow_the_re_extracted_records_or_are_flagged(tmp_path: Path) -> None:
    store, reviews = _stores(tmp_path)
    old = _doc(PLAN, "v1")
    records = _load(store, old, "v1")
    sportello, trasporto, cartella = (_by_title(records, t) for t in ("Sportello", "Trasporto", "Cartella"))
    span = lambda o: old.text[o.char_start : o.char_end]  # noqa: E731
    reviews.review(sportello, sportello.objective_id, author="Anna", version="v1", anchor=span(sportello),
                   changes={"title": "Sportello unico di accesso"})
    reviews.review(trasporto, trasporto.objective_id, author="Anna", version="v1", anchor=span(trasporto),
                   status="approvato")
    reviews.review(cartella, cartella.objective_id, author="Anna", version="v1", anchor=span(cartella),
                   status="rifiutato")

    # a new version: text added before the objectives (every span moves), objective 2 rewritten
    changed = "Premessa del piano aggiornata.\n\n" + PLAN.replace(
        "Trasporto sociale per gli anziani", "Custodia sociale nei condomini"
    ).replace("convenzione con le associazioni di volontariato per il trasporto", "portierato sociale in due quartieri")
    new = _doc(changed, "v2")
    new_records = _load(store, new, "v2")
    assert not {r.objective_id for r in new_records} & {r.objective_id for r in records}
    _reconcile(store, reviews, new)

    rows = merge(store.list(), reviews.overlay(), include_rejected=True)
    by_status = {(r.review_status, r.title) for r in rows}
    assert ("corretto", "Sportello unico di accesso") in by_status
    assert ("rifiutato", "Cartella sociale informatizzata in tutti i servizi") in by_status
    assert ("estratto", "Custodia sociale nei condomini") in by_status
    assert ("da_rivedere", "Trasporto sociale per gli anziani") in by_status  # kept, not dropped
    moved = _by_title(new_records, "Sportello")
    assert [e.action for e in reviews.history(moved.objective_id) or []] == ["corretto", "riattaccato"]
    assert [e.action for e in reviews.history(trasporto.objective_id) or []] == ["approvato", "da_rivedere"]
    assert len(rows) == 4  # three re-extracted records and the flagged one
    _reconcile(store, reviews, new)  # idempotent: nothing new in the trail
    assert len(reviews.history(trasporto.objective_id) or []) == 2
    # a reviewer confirms the flagged record: it becomes a manual record
    reviews.review(None, trasporto.objective_id, author="Anna", version="v2", status="approvato")
    row = [r for r in merge(store.list(), reviews.overlay()) if r.objective_id == trasporto.objective_id]
    assert [r.review_status for r in row] == ["approvato"]
