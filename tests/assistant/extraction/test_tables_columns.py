"""Column assignment of PDF-broken objective tables: phrases cut before "N°", rows split by page breaks."""

from __future__ import annotations

from collections.abc import Callable

from assistant.extraction.schema import Objective

Extract = Callable[[str], tuple[str, list[Objective]]]

HEADER = """Tipologia

obiettivo

Azioni  Risorse impiegate Strumenti  Indicatori di esito Range valutazione Strumenti

valutazione

Tempi
"""

CUT_PHRASES = f"""Focus famiglia

Obiettivo 1 Promuovere percorsi educativi diffusi

{HEADER}
Specifico  Attivare percorsi
educativi preventivi

Risorse
professionali

Protocolli con le
scuole

Aumento del N° di
progetti costruiti con la rete

N° segnalazioni e
prese in carico e rapporto con N° situazioni
gestite in modo integrato

Almeno 10 progetti
all'anno

Report semestrali  Nel corso del
triennio
"""

PAGE_BREAK = f"""Focus anziani

Obiettivo 2 Pasti a domicilio

{HEADER}
Specifico  Organizzare la
consegna dei pasti
caldi

Risorse comunali

Convenzione con
la mensa

N° pasti
consegnati

Almeno 50
anziani serviti

Report periodici  Nel corso del
triennio
\f
Estendere il servizio
ai comuni minori

N° comuni
raggiunti

Incremento del 20%
degli anziani serviti
"""


def _values_are_spans(text: str, r: Objective) -> None:
    for name in ("actions", "indicators", "targets"):
        values = getattr(r, name)
        assert [" ".join(text[a:b].split()) for a, b in r.spans.get(name, [])] == values, name


def test_phrase_cut_before_n_is_kept_whole(extract: Extract) -> None:
    text, (r,) = extract(CUT_PHRASES)
    assert r.indicators == [
        "Aumento del N° di progetti costruiti con la rete",
        "N° segnalazioni e prese in carico e rapporto con N° situazioni gestite in modo integrato",
    ]
    assert r.targets == ["Almeno 10 progetti all'anno"]
    assert r.timing == "Nel corso del triennio" and r.evaluation_tools == "Report semestrali"
    assert (r.category, r.score, r.extractor) == ("objective", 1.0, "table")
    _values_are_spans(text, r)


def test_row_split_by_a_page_break_goes_back_to_its_columns(extract: Extract) -> None:
    text, (r,) = extract(PAGE_BREAK)
    assert r.actions == ["Organizzare la consegna dei pasti caldi", "Estendere il servizio ai comuni minori"]
    assert r.indicators == ["N° pasti consegnati", "N° comuni raggiunti"]
    assert r.targets == ["Almeno 50 anziani serviti", "Incremento del 20% degli anziani serviti"]
    assert r.timing == "Nel corso del triennio"
    _values_are_spans(text, r)
