"""Small-to-big passages: neighbouring chunks of one section come back as one exact passage."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from assistant.passages import PassageConfig, assemble, related_sections
from assistant.service import Assistant
from ingest.schemas import Chunk

MANIFEST = """documents:
  - doc_id: lario
    source: piano_lario.md
    title: "Piano di Zona del Lario (prova)"
    ambito: Lario
    period: 2015-2017
    kind: piano
  - doc_id: brenta
    source: piano_brenta.md
    title: "Piano di Zona della Brenta (prova)"
    ambito: Brenta
    period: 2015-2017
    kind: piano
"""

FILLER = [
    "Il tavolo tematico si riunisce ogni due mesi con i referenti dei Comuni e del terzo settore{n}.",
    "Gli operatori raccolgono i dati di accesso e li discutono in una relazione annuale{n}.",
    "La programmazione tiene conto delle risorse disponibili e delle indicazioni regionali{n}.",
    "Le associazioni del territorio partecipano alla co-progettazione delle attività{n}.",
]


def _section(lines: list[str], n_filler: int, tag: str) -> str:
    filler = [FILLER[i % len(FILLER)].format(n=f" (punto {tag}{i})") for i in range(n_filler)]
    return "\n\n".join([*filler[: n_filler // 2], *lines, *filler[n_filler // 2 :]])


def _plan(title: str, section: str, key_lines: list[str], tag: str) -> str:
    return "\n\n".join([
        f"# {title}",
        "## 1. Premessa",
        _section(["Il piano descrive le priorità sociali del triennio."], 4, tag + "p"),
        f"## 2. {section}",
        _section(key_lines, 18, tag + "s"),
        "## 3. Governance",
        _section(["L'Assemblea dei sindaci approva il piano."], 4, tag + "g"),
    ]) + "\n"


LARIO_KEYS = [
    "Il servizio di custodia sociale notturna per gli anziani soli è attivo in tutti i Comuni del Lario.",
    "Le chiamate al servizio di custodia sociale notturna vengono smistate dalla centrale operativa del distretto.",
]
BRENTA_KEY = "Il pasto a domicilio per gli anziani fragili della Brenta è consegnato sei giorni su sette."


@pytest.fixture
def app(settings, embedder, tmp_path: Path) -> Assistant:  # noqa: ANN001
    folder = tmp_path / "plans"
    folder.mkdir()
    (folder / "manifest.yaml").write_text(MANIFEST, encoding="utf-8")
    (folder / "piano_lario.md").write_text(
        _plan("Piano di Zona del Lario 2015-2017", "Servizi per gli anziani", LARIO_KEYS, "l"), encoding="utf-8"
    )
    (folder / "piano_brenta.md").write_text(
        _plan("Piano di Zona della Brenta 2015-2017", "Domiciliarità", [BRENTA_KEY], "b"), encoding="utf-8"
    )
    assistant = Assistant(settings=settings, embedder=embedder)
    assert not assistant.ingest([folder]).failed
    return assistant


def _chunks_holding(app: Assistant, doc_id: str, sentence: str) -> list:
    return [c for c in app.store.chunks() if c.doc_id == doc_id and sentence[:60] in c.text]


def test_answer_across_two_chunks_of_a_section_is_one_exact_passage(app: Assistant) -> None:
    first = _chunks_holding(app, "lario", LARIO_KEYS[0])
    chunks = sorted((c for c in app.store.chunks() if c.doc_id == "lario"), key=lambda c: c.ordinal)
    section_chunks = [c for c in chunks if c.section == first[0].section]
    assert len(first) == 1 and len(section_chunks) >= 2  # the section is cut into several chunks

    results = app.search("custodia sociale notturna per gli anziani soli nel Lario", k=5)
    top = results[0].chunk
    canonical = app.document("lario").text
    assert top.doc_id == "lario" and top.section.endswith("Servizi per gli anziani")
    assert top.text == canonical[top.char_start:top.char_end]
    assert all(key in top.text for key in LARIO_KEYS)
    covered = [c for c in section_chunks if top.char_start <= c.char_start and c.char_end <= top.char_end]
    assert len(covered) >= 2  # grown from its neighbours, not one chunk
    assert covered[0].char_start == top.char_start and covered[-1].char_end == top.char_end
    assert top.chunk_id == f"{covered[0].chunk_id}:{covered[-1].ordinal}"
    assert top.page == covered[0].page == app.document("lario").page_at(top.char_start)
    # passages never overlap and stay within the budget
    spans = sorted((r.chunk.doc_id, r.chunk.char_start, r.chunk.char_end) for r in results)
    assert all(a[0] != b[0] or a[2] <= b[1] for a, b in zip(spans, spans[1:], strict=False))
    budget = app.retriever().passages.budget
    assert all(r.chunk.length <= budget or ":" not in r.chunk.chunk_id for r in results)


def test_budget_limits_growth(app: Assistant) -> None:
    retriever = app.retriever()
    chunk_ids = {c.chunk_id for c in app.store.chunks()}
    retriever.passages = replace(retriever.passages, budget=1200)
    small = retriever.search("custodia sociale notturna per gli anziani soli nel Lario", k=5)
    assert small and all(r.chunk.length <= 1200 or r.chunk.chunk_id in chunk_ids for r in small)
    retriever.passages = PassageConfig(enabled=False)
    plain = retriever.search("custodia sociale notturna per gli anziani soli nel Lario", k=5)
    assert all(r.chunk.chunk_id in chunk_ids for r in plain)


def test_two_plan_question_has_both_plans_on_top(app: Assistant) -> None:
    results = app.search("Come sono assistiti gli anziani nei piani del Lario e della Brenta?", k=5)
    assert {r.chunk.doc_id for r in results[:3]} == {"lario", "brenta"}
    brenta = next(r.chunk for r in results[:3] if r.chunk.doc_id == "brenta")
    assert BRENTA_KEY in brenta.text
    assert brenta.text == app.document("brenta").text[brenta.char_start:brenta.char_end]


def _chunks(canonical: str, sections: list[str], parts: list[str]) -> list[Chunk]:
    out, pos = [], 0
    for i, (section, part) in enumerate(zip(sections, parts, strict=True)):
        start = canonical.index(part, pos)
        pos = start + len(part)
        out.append(Chunk(
            chunk_id=f"c{i}", doc_id="d", source="d.txt", title="Piano", ambito=None, period=None, kind="piano",
            section=section, page=None, char_start=start, char_end=pos, text=part, ordinal=i, version="v1",
        ))
    return out


def test_a_seed_takes_in_related_sections_not_other_objectives() -> None:
    parts = ["AZIONI: sportello unico.", "INDICATORI: 3 protocolli.", "AZIONI: nuovo servizio.", "Premessa del capitolo."]
    canonical = "\n\n".join(parts)
    sections = ["Area > Obiettivo 1 > AZIONI", "Area > Obiettivo 1 > INDICATORI", "Area > Obiettivo 2 > AZIONI", "Capitolo 3"]
    c = _chunks(canonical, sections, parts)
    neighbours = {(x.doc_id, x.ordinal): x for x in c}

    def passages(ranked: list[tuple[Chunk, float]], config: PassageConfig) -> list[Chunk]:
        return [p for p, _ in assemble(ranked, neighbours=neighbours, text_of=lambda d, v: canonical, config=config)]

    def grown(ranked: list[tuple[Chunk, float]], config: PassageConfig) -> list[str]:
        return [p.text for p in passages(ranked, config)]

    # the objective's INDICATORI (a candidate) joins its AZIONI; the next objective does not
    top = passages([(c[0], 1.0), (c[1], 0.4), (c[2], 0.3)], PassageConfig())[0]
    assert top.text == canonical[: c[1].char_end] and top.section == "Area > Obiettivo 1"
    # a sibling joins even when it is no candidate (the TEMPI of an objective whose AZIONI matched),
    # unless neighbours must carry evidence of their own; no sibling joins when the option is off
    assert grown([(c[0], 1.0)], PassageConfig()) == [canonical[: c[1].char_end]]
    assert grown([(c[0], 1.0)], PassageConfig(neighbour_share=0.2)) == [parts[0]]
    assert grown([(c[0], 1.0), (c[1], 0.4)], PassageConfig(siblings=False))[0] == parts[0]
    assert related_sections("A > Obiettivo 1 > AZIONI", "A > Obiettivo 1")
    assert related_sections("A > B > C", "A > B > C > D") and not related_sections("A > B > C", "A > D > C")
    # the relation is symmetric: an objective right under its area takes in its AZIONI, and back
    assert related_sections("Area > Obiettivo 7", "Area > Obiettivo 7 > AZIONI")
    assert related_sections("Area > Obiettivo 7 > AZIONI", "Area > Obiettivo 7")
    # sections right under a chapter or a document title stay apart
    assert not related_sections("Piano > Premessa", "Piano > Servizi") and not related_sections("Piano", "Piano > Servizi")
