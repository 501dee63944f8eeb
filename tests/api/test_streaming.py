"""Real streaming: the first sentence of a generated answer leaves while the model is still writing."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from api.app import create_app
from assistant.service import Assistant
from tests.api.conftest import LiveServer

REPLY = (
    "Il voucher per le dimissioni protette si attiva tramite il servizio sociale del Comune di residenza [1]. "
    "La domanda è presentata dall'assistente sociale ospedaliera insieme al piano di assistenza individuale [1]. "
    "Il bisogno è valutato entro cinque giorni lavorativi dalla segnalazione dell'ospedale [1]."
)
DELAY_S = 0.08  # per token: the whole reply takes ~3 s, its first sentence ~1 s


class SlowModel(GenericFakeChatModel):
    """A fake chat model that writes its reply token by token, like a real one."""

    def _stream(self, *args: Any, **kwargs: Any) -> Iterator[Any]:
        for chunk in super()._stream(*args, **kwargs):
            time.sleep(DELAY_S)
            yield chunk


@pytest.fixture
def generative(live: LiveServer, embedder: Any) -> Iterator[str]:
    model = SlowModel(messages=iter([AIMessage(content=REPLY) for _ in range(3)]))
    assistant = Assistant(settings=live.assistant.settings, embedder=embedder, chat_model=model)
    server = LiveServer(create_app(assistant=assistant), data_dir=live.data_dir, assistant=assistant)
    yield server.url
    server.stop()


def test_generated_sentences_stream_before_the_model_finishes(generative: str) -> None:
    arrivals: list[tuple[float, str, Any]] = []
    started = time.monotonic()
    with httpx.stream("POST", f"{generative}/v1/ask", timeout=60,
                      json={"question": "Come si attiva il voucher dimissioni protette?", "stream": True}) as r:
        assert r.status_code == 200
        buffer = ""
        for text in r.iter_text():
            buffer += text
            while "\n\n" in buffer:
                block, buffer = buffer.split("\n\n", 1)
                fields = dict(line.split(": ", 1) for line in block.splitlines())
                arrivals.append((time.monotonic() - started, fields["event"], json.loads(fields["data"])))
    kinds = [kind for _, kind, _ in arrivals]
    assert kinds == ["sentence", "sentence", "sentence", "citations", "done"]
    first, done = arrivals[0], arrivals[-1]
    assert first[2] == {"text": REPLY.split(" [1]. ")[0] + " [1]."}
    assert done[0] - first[0] > 1.0  # the first sentence left long before the model's last token
    assert done[2]["backend"] == "llm" and done[2]["status"] == "answered" and done[2]["unsupported_sentences"] == []
    plain = httpx.post(f"{generative}/v1/ask", json={"question": "Come si attiva il voucher dimissioni protette?"},
                       timeout=60).json()
    assert [a[2]["text"] for a in arrivals[:3]] == [s + ("" if s.endswith(".") else ".") for s in plain["answer"].split(". ")]
    assert arrivals[3][2] == plain["citations"]


def test_service_stream_yields_sentences_then_the_answer(live: LiveServer) -> None:
    events = list(live.assistant.ask_stream("Cosa distribuisce il Banco alimentare?"))
    assert [e.kind for e in events[:-1]] == ["sentence"] * (len(events) - 1) and events[-1].kind == "answer"
    answer = events[-1].answer
    assert answer is not None and [e.text for e in events[:-1]] == [x for x in answer.answer.splitlines() if x.strip()]
