"""Hybrid search, filters, the lexical cache and extractive cited answers on a real embedded Chroma."""

from __future__ import annotations

import pytest

from api.responses import AnswerOut, SearchHit
from assistant.answer import ABSTAIN_MESSAGE, EMPTY_INDEX_MESSAGE
from assistant.lc_adapters import PdzRetriever
from assistant.retrieval import SearchFilters
from assistant.service import Assistant
from ingest.document import build_canonical


def test_search_ranks_the_answering_passage_first(mini_app: Assistant) -> None:
    results = mini_app.search("prestiti solidali per famiglie in difficoltà", k=5)
    assert results[0].chunk.doc_id == "beta"
    assert "microcredito" in results[0].chunk.text
    assert [r.rank for r in results] == list(range(1, len(results) + 1))
    assert all(a.score >= b.score for a, b in zip(results, results[1:], strict=False))
    d = SearchHit.of(results[0]).model_dump()
    assert set(d) == {
        "rank", "score", "chunk_id", "doc_id", "source", "title", "ambito", "period", "kind",
        "section", "page", "char_start", "char_end", "text", "ocr",
    }


def test_filters_restrict_documents(mini_app: Assistant) -> None:
    results = mini_app.search("servizi per gli anziani", k=10, filters=SearchFilters(ambito="crema"))
    assert results and {r.chunk.doc_id for r in results} == {"alfa"}
    assert mini_app.search("anziani", filters=SearchFilters(period="1999-2001")) == []
    assert mini_app.search("   ") == []


def test_named_plan_is_favoured_without_filter(mini_app: Assistant) -> None:
    results = mini_app.search("servizi domiciliari nel piano casalasco", k=3)
    assert results[0].chunk.doc_id == "beta"


def test_lexical_cache_follows_the_index(mini_app: Assistant, settings) -> None:  # noqa: ANN001
    mini_app.search("voucher", k=3)
    versions = {d.meta.doc_id: d.version for d in mini_app.documents()}
    cached = {p.parent.name for p in (settings.cache_dir / "versions").glob("*/lexical-*.pkl")}
    assert cached == set(versions.values())  # one analysis per live document version
    mini_app.remove("beta")
    assert all(r.chunk.doc_id == "alfa" for r in mini_app.search("microcredito prestiti", k=5))
    cached = {p.name for p in (settings.cache_dir / "versions").iterdir()}
    assert cached == {versions["alfa"]}  # the removed document's analysis is gone


def test_lexical_index_reuses_unchanged_documents(mini_app: Assistant, settings, monkeypatch) -> None:  # noqa: ANN001
    """A change re-analyses only the changed document; a new process reads the analyses from disk."""
    from assistant.lexical import AnalysedVersion
    from assistant.retrieval import HybridRetriever

    _, _, before = mini_app.retriever().state()
    calls: list[str] = []
    original = AnalysedVersion.analyse

    def counting(version: str, chunks):  # noqa: ANN001, ANN202
        calls.append(chunks[0].doc_id)
        return original(version, chunks)

    monkeypatch.setattr(AnalysedVersion, "analyse", counting)
    fresh = HybridRetriever(store=mini_app.store, cache_dir=settings.cache_dir)
    _, _, again = fresh.state()
    assert calls == []  # read from the cache folder
    assert [c.chunk_id for c in again.chunks] == [c.chunk_id for c in before.chunks]
    assert (again.scores(["voucher"]) == before.scores(["voucher"])).all()
    mini_app.remove("beta")
    _, _, after = fresh.state()
    assert calls == [] and {c.doc_id for c in after.chunks} == {"alfa"}


def test_extractive_answer_cites_exact_spans(mini_app: Assistant) -> None:
    answer = mini_app.ask("Come si attiva il voucher dimissioni protette?")
    assert not answer.abstained
    assert answer.answer.startswith("Secondo «Piano Alfa (prova)»")
    assert "[1]" in answer.answer and answer.citations
    first = answer.citations[0]
    assert first.n == 1 and first.chunk.doc_id == "alfa"
    assert "servizio sociale del Comune" in first.text
    view = mini_app.document("alfa")
    assert view.canonical.text[first.start : first.end] == first.text
    assert first.chunk.char_start <= first.start < first.end <= first.chunk.char_end
    # the citation is whole sentences of its passage: it starts at a sentence start and ends at a sentence end
    text = view.canonical.text
    assert first.text == first.text.strip() and first.text[-1] in ".;:!?"
    assert first.start == first.chunk.char_start or text[first.start - 1] in " \n"
    d = AnswerOut.of(answer).model_dump()
    assert d["abstained"] is False and d["citations"][0]["n"] == 1


def test_abstains_when_documents_do_not_answer(mini_app: Assistant) -> None:
    answer = mini_app.ask("Qual è il prezzo del biglietto del treno per Milano?")
    assert answer.abstained and answer.answer == ABSTAIN_MESSAGE and answer.citations == []


def test_empty_index(settings, embedder) -> None:  # noqa: ANN001
    app = Assistant(settings=settings, embedder=embedder)
    answer = app.ask("Come si attiva il voucher?")
    assert answer.abstained and answer.answer == EMPTY_INDEX_MESSAGE
    assert app.search("voucher") == []


def test_follow_up_question_uses_history(mini_app: Assistant) -> None:
    # alone, the follow-up names nothing the documents could answer; with the earlier question it does
    alone = mini_app.ask("e chi la presenta?")
    assert not any("assistente sociale ospedaliera" in c.text for c in alone.citations)
    answer = mini_app.ask("e chi la presenta?", history=["Come si attiva il voucher dimissioni protette?"])
    assert not answer.abstained
    assert any("assistente sociale ospedaliera" in c.text for c in answer.citations)


def test_langchain_retriever_wrapper(mini_app: Assistant) -> None:
    docs = PdzRetriever(retriever=mini_app.retriever(), k=2).invoke("banco alimentare pacchi viveri")
    assert len(docs) == 2
    assert docs[0].metadata["doc_id"] == "beta" and "Banco alimentare" in docs[0].page_content
    assert {"char_start", "char_end", "section"} <= set(docs[0].metadata)


@pytest.mark.slow
def test_real_corpus_named_plan_and_section(corpus_assistant) -> None:  # noqa: ANN001
    results = corpus_assistant.search(
        "Qual è il traguardo dell'Obiettivo 9 del Piano di Zona di Crema sul servizio sociale professionale?", k=5
    )
    assert all(r.chunk.doc_id == "crema-pdz-2015-2017" for r in results[:3])
    assert any("Obiettivo n. 9" in r.chunk.section or "servizio sociale professionale" in r.chunk.section for r in results[:3])
    answer = corpus_assistant.ask("Quanti anziani ultrasessantacinquenni conta il distretto casalasco?")
    assert not answer.abstained
    doc = corpus_assistant.document(answer.citations[0].chunk.doc_id)
    for c in answer.citations:
        assert doc.canonical.text[c.start : c.end] == c.text or corpus_assistant.document(c.chunk.doc_id).canonical.text[c.start : c.end] == c.text


def test_canonical_text_rebuilt_from_registry_matches_chunks(mini_app: Assistant) -> None:
    for doc in mini_app.documents():
        canonical = build_canonical(mini_app.store.raw_text(doc.meta.doc_id) or "", doc.pages, doc.headings)
        assert canonical.text == mini_app.document(doc.meta.doc_id).canonical.text
