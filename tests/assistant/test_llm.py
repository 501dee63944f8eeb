"""Generative backend: citation verification with LangChain fake models and a loopback
OpenAI-compatible server."""

from __future__ import annotations

import json
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from assistant.errors import LLMUnavailable
from assistant.llm import build_chat_model
from assistant.service import Assistant
from assistant.settings import Settings
from tests.chroma_server import free_port
from tests.helpers import MINI as FIXTURES


def _fake(text: str) -> GenericFakeChatModel:
    return GenericFakeChatModel(messages=iter([AIMessage(content=text)]))


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    target = tmp_path / "mini"
    shutil.copytree(FIXTURES, target)
    return target


def _app(settings: Settings, embedder, folder: Path, model=None) -> Assistant:  # noqa: ANN001
    app = Assistant(settings=settings, embedder=embedder, chat_model=model)
    assert not app.ingest([folder]).failed
    return app


def test_invalid_markers_removed_and_unsupported_sentences_flagged(settings, embedder, folder) -> None:  # noqa: ANN001
    text = (
        "Il voucher per le dimissioni protette si attiva tramite il servizio sociale del Comune di residenza [1]. "
        "Il voucher vale 5000 euro al mese per ogni paziente della Lombardia [1]. "
        "La domanda è presentata dall'assistente sociale ospedaliera [9]."
    )
    app = _app(settings, embedder, folder, _fake(text))
    answer = app.ask("Come si attiva il voucher dimissioni protette?")
    assert answer.backend == "llm" and not answer.abstained
    assert "[9]" not in answer.answer and "[1]" in answer.answer
    assert [c.n for c in answer.citations] == [1]
    cited = answer.citations[0]
    assert app.document(cited.chunk.doc_id).canonical.text[cited.start : cited.end] == cited.text
    assert "servizio sociale del Comune" in cited.text
    # the invented figure is not in its passage; the sentence whose marker was invalid has no source
    assert answer.unsupported == [
        "Il voucher vale 5000 euro al mese per ogni paziente della Lombardia.",
        "La domanda è presentata dall'assistente sociale ospedaliera.",
    ]


def test_model_saying_not_found_abstains(settings, embedder, folder) -> None:  # noqa: ANN001
    app = _app(settings, embedder, folder, _fake("NON_TROVATO"))
    answer = app.ask("Quanto costa il parcheggio dell'ospedale?")
    assert answer.abstained and answer.citations == []


class _OpenAIHandler(BaseHTTPRequestHandler):
    requests: list[dict] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server API
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append(body)
        content = "Il Banco alimentare distribuisce ogni mese pacchi di viveri a circa duecento nuclei familiari [1]."
        reply = {
            "id": "chatcmpl-test", "object": "chat.completion", "created": 0, "model": body["model"],
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }
        data = json.dumps(reply).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.mark.integration
def test_openai_compatible_server_on_loopback(tmp_path: Path, embedder, folder) -> None:  # noqa: ANN001
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), _OpenAIHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        settings = Settings(
            data_dir=tmp_path / "data", llm_base_url=f"http://127.0.0.1:{server.server_port}/v1", llm_model="prova"
        )
        app = _app(settings, embedder, folder)
        answer = app.ask("Cosa distribuisce il Banco alimentare?")
    finally:
        server.shutdown()
    assert answer.backend == "llm" and [c.n for c in answer.citations] == [1]
    assert answer.citations[0].chunk.doc_id == "beta" and answer.unsupported == []
    sent = _OpenAIHandler.requests[-1]
    assert sent["model"] == "prova"
    assert "italiano" in sent["messages"][0]["content"] and "[1]" in sent["messages"][1]["content"]


def test_unreachable_llm_is_a_clear_error(tmp_path: Path, embedder, folder) -> None:  # noqa: ANN001
    settings = Settings(data_dir=tmp_path / "data", llm_base_url=f"http://127.0.0.1:{free_port()}/v1", llm_model="x")
    app = _app(settings, embedder, folder)
    with pytest.raises(LLMUnavailable) as info:
        app.ask("Cosa distribuisce il Banco alimentare?")
    assert info.value.code == "llm_non_raggiungibile"
    assert "non è raggiungibile" in info.value.message


def test_ollama_provider_builds_without_network(tmp_path: Path) -> None:
    model = build_chat_model(Settings(data_dir=tmp_path, llm_provider="ollama", llm_model="llama3"))
    assert type(model).__name__ == "ChatOllama"


def test_a_named_plan_that_is_not_indexed_is_said_first_by_the_generative_backend(settings, embedder, folder) -> None:  # noqa: ANN001
    reply = "Il voucher per le dimissioni protette si attiva tramite il servizio sociale del Comune di residenza [1]."
    question = "Come si attiva il voucher dimissioni protette nel Piano di Zona di Crema 2030-2032?"
    model = GenericFakeChatModel(messages=iter([AIMessage(content=reply), AIMessage(content=reply)]))
    app = _app(settings, embedder, folder, model)
    answer = app.ask(question)
    line = "Il piano 2030-2032 dell'ambito di Crema non è tra i documenti indicizzati."
    assert answer.backend == "llm" and answer.status == "partial"
    assert answer.answer.startswith(line) and reply in answer.answer
    # streamed: the same line is the first sentence, and the final answer says it too
    events = list(app.ask_stream(question))
    assert events[0].kind == "sentence" and events[0].text == line
    final = events[-1].answer
    assert final is not None and final.status == "partial" and final.answer.startswith(line)
