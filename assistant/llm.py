"""Optional generative answers through LangChain, with citations verified afterwards.

The model sees the retrieved passages numbered ``[1]..[n]`` and must answer in
Italian citing them. After generation: markers that point to no passage are
removed; each cited sentence is checked against its passages with rapidfuzz
and flagged when its content is not supported; each citation's span is the
passage sentence that best supports what was said.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rapidfuzz import fuzz

from assistant.analysis import tokenize
from assistant.answer import ABSTAIN_MESSAGE, Answer
from assistant.citations import Citation, markers, sentence_spans, strip_invalid_markers
from assistant.errors import LLMNotConfigured, LLMTimeout, LLMUnavailable

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from assistant.retrieval import SearchResult
    from assistant.settings import Settings

SYSTEM_PROMPT = (
    "Sei un assistente per gli operatori dei servizi sociali. Rispondi SEMPRE in italiano, "
    "in modo conciso, usando SOLO le informazioni dei passaggi numerati forniti. "
    "Dopo ogni frase indica tra parentesi quadre il numero del passaggio che la sostiene, ad esempio [2]. "
    "Non citare numeri di passaggi che non esistono. Se i passaggi non contengono la risposta, "
    "rispondi esattamente: NON_TROVATO"
)
NOT_FOUND_TOKEN = "NON_TROVATO"
SUPPORT_THRESHOLD = 60.0
_MARKER_RUN = re.compile(r"(?:\s*\[\d{1,3}\])+")


def build_chat_model(settings: Settings) -> BaseChatModel:
    """The configured chat model (OpenAI-compatible server or Ollama)."""
    if not settings.llm_model:
        raise LLMNotConfigured("Nessun modello LLM configurato (PDZ_LLM_MODEL).")
    if settings.llm_provider == "ollama":
        from langchain_ollama import ChatOllama

        return ChatOllama(
            model=settings.llm_model, base_url=settings.llm_base_url or "http://127.0.0.1:11434", temperature=0
        )
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(
        model=settings.llm_model,
        base_url=settings.llm_base_url,
        api_key=settings.llm_api_key or "non-necessaria",  # type: ignore[arg-type]
        timeout=settings.llm_timeout_s,
        max_retries=0,
        temperature=0,
    )


def build_messages(question: str, results: Sequence[SearchResult]) -> list[tuple[str, str]]:
    passages = "\n\n".join(
        f"[{i}] ({r.chunk.title} — {r.chunk.section or 'senza sezione'})\n{r.chunk.text}"
        for i, r in enumerate(results, 1)
    )
    return [("system", SYSTEM_PROMPT), ("human", f"Passaggi:\n\n{passages}\n\nDomanda: {question}")]


def _invoke(model: BaseChatModel, messages: list[tuple[str, str]]) -> str:
    try:
        reply = model.invoke(messages)
    except Exception as exc:  # noqa: BLE001 - every client library raises its own types
        name = type(exc).__name__.lower()
        if "timeout" in name:
            raise LLMTimeout("Il modello linguistico non ha risposto in tempo.") from exc
        raise LLMUnavailable(f"Il modello linguistico non è raggiungibile: {type(exc).__name__}.") from exc
    content: Any = reply.content
    if isinstance(content, list):
        content = "".join(part.get("text", "") if isinstance(part, dict) else str(part) for part in content)
    return str(content).strip()


def _answer_sentences(text: str) -> list[tuple[str, list[int]]]:
    """Split the generated text into sentences, each with the markers that follow it."""
    out: list[tuple[str, list[int]]] = []
    for span in sentence_spans(text):
        sentence = text[span.start : span.end]
        out.append((_MARKER_RUN.sub("", sentence).strip(), markers(sentence)))
    return [(s, m) for s, m in out if s]


def supported(sentence: str, passage: str) -> float:
    """How well ``passage`` supports ``sentence`` (0-100): fuzzy and lexical overlap."""
    fuzzy = fuzz.partial_ratio(sentence.lower(), passage.lower())
    terms = set(tokenize(sentence))
    lexical = 100.0 * len(terms & set(tokenize(passage))) / len(terms) if terms else 0.0
    return max(fuzzy * 0.9, lexical)


def _best_sentence(sentence: str, result: SearchResult) -> tuple[int, int]:
    text = result.chunk.text
    spans = sentence_spans(text) or []
    best = max(spans, key=lambda sp: supported(sentence, text[sp.start : sp.end]), default=None)
    if best is None:
        return result.chunk.char_start, result.chunk.char_end
    return result.chunk.char_start + best.start, result.chunk.char_start + best.end


def generate_answer(question: str, results: Sequence[SearchResult], model: BaseChatModel) -> Answer:
    """Ask the model, then verify and attach citations."""
    if not results:
        return Answer(question, ABSTAIN_MESSAGE, True, backend="llm")
    return answer_from_reply(question, results, _invoke(model, build_messages(question, results)))


def answer_from_reply(question: str, results: Sequence[SearchResult], raw: str) -> Answer:
    """Verify the model's reply ``raw`` against ``results`` and attach citations."""
    if not raw or NOT_FOUND_TOKEN in raw:
        return Answer(question, ABSTAIN_MESSAGE, True, backend="llm")
    text, _removed = strip_invalid_markers(raw, set(range(1, len(results) + 1)))
    citations: dict[int, Citation] = {}
    unsupported: list[str] = []
    for sentence, nums in _answer_sentences(text):
        if not nums:
            unsupported.append(sentence)
            continue
        scores = {n: supported(sentence, results[n - 1].chunk.text) for n in nums}
        if max(scores.values()) < SUPPORT_THRESHOLD:
            unsupported.append(sentence)
        for n in nums:
            if n not in citations:
                r = results[n - 1]
                start, end = _best_sentence(sentence, r)
                citations[n] = Citation(n=n, chunk=r.chunk, start=start, end=end, score=r.score)
    if not citations:
        return Answer(question, text, False, [], unsupported, backend="llm")
    return Answer(question, text, False, [citations[n] for n in sorted(citations)], unsupported, backend="llm")
