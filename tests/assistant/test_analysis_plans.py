"""Italian analysis and plan detection (pure functions)."""

from __future__ import annotations

from assistant.analysis import fold, tokenize
from assistant.plans import content_query, find_mentions, target_documents
from ingest.manifest import load_manifest
from tests.helpers import CORPUS

METAS = list(load_manifest(CORPUS / "manifest.yaml").values())


def test_tokenize_folds_stems_and_keeps_codes() -> None:
    assert fold("Città ÈPOCA perché") == "citta epoca perche"
    tokens = tokenize("Le attività dell'ISEE nelle RSA, n. 3, nel triennio 2015-2017 (1.075 persone)")
    assert "ise" in tokens and tokenize("ISEE") == ["ise"]  # the Snowball stem of the acronym, stable
    assert "rsa" in tokens and "3" in tokens and "2015-2017" in tokens and "2015" in tokens
    assert "1.075" in tokens and "1" not in tokens  # thousands separator keeps the number whole
    assert "le" not in tokens and "dell" not in tokens and "nel" not in tokens
    assert tokenize("attività") == tokenize("attivita") == tokenize("ATTIVITÀ")
    assert tokenize("servizi") == tokenize("servizio")
    # apocopated question words ask, they are not content ("cos'è" would match "cose", "così")
    assert tokenize("Cos'è il Pois? Qual è la sede?") == ["pois", "sed"]
    # an acronym written with dots is the acronym ("A.S.L." is "ASL", "I.S.E.E." is "ISEE")
    assert tokenize("A.S.L.") == tokenize("ASL") == ["asl"] and tokenize("I.S.E.E.") == tokenize("ISEE")
    assert tokenize("Il progetto A.R.C.A. delle donne") == ["progett", "arca", "donn"]
    assert tokenize("la l.r. 11/2012, es. nidi") == ["lr", "11/2012", "11", "2012", "es", "nid"]


def test_mentions() -> None:
    # ambito names and aliases come from the registry (here: corpus/manifest.yaml)
    m = find_mentions("Nelle slide del 24 novembre 2015, cosa dice il Piano di Crema 2015-2017 e il casalasco?", METAS)
    assert m.ambiti == {"crema", "casalasco"}
    assert m.periods == {"2015-2017"} and m.dates == {"2015-11-24"}
    assert "presentazione" in m.kinds and "piano" in m.kinds
    assert find_mentions("Quali piani citano la Banca dell'Acqua?").asks_all_plans
    assert find_mentions("nel cremonese", METAS).ambiti == {"cremona"}  # not Crema


def test_target_documents() -> None:
    t = target_documents("Secondo il PdZ Cremona 2019-2020, quali famiglie rischiano?", METAS)
    assert max(t, key=t.get) == "cremona-pdz-2019-2020"
    assert t.get("crema-pdz-2015-2017") is None
    t = target_documents("Secondo le slide del 24 novembre 2015, quanti Ambiti...", METAS)
    assert max(t, key=t.get) == "regione-programmazione-2015-11-24"
    t = target_documents("Il workshop di Cremona del marzo 2015 cosa chiedeva?", METAS)
    assert max(t, key=t.get) == "cremona-workshop-2015-03-12"
    assert target_documents("Come si attiva il voucher?", METAS) == {}


def test_content_query_drops_plan_names_not_content_numbers() -> None:
    q = content_query("Qual è il traguardo dell'Obiettivo 9 del Piano di Zona di Crema 2015-2017 nella primavera 2018?", METAS)
    assert "9" in q and "2018" in q
    assert not {"2015-2017", "2015", "2017", "crem", "pian", "zon"} & set(q)
