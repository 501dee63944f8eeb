"""Pages of ``GET /v1/objectives`` over HTTP: ``limit``/``offset``, ``X-Total-Count`` and ``Link``.

Without ``limit`` the whole table comes back, as before. The mini corpus has one extracted
objective (alfa); the test adds four records in review so the table has five rows.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from api.app import create_app
from tests.api.conftest import API_KEY, AUTH, LiveServer, mini_assistant, problem


@pytest.fixture(scope="module")
def http(tmp_path_factory: pytest.TempPathFactory, embedder: Any) -> Iterator[httpx.Client]:
    settings, assistant = mini_assistant(tmp_path_factory.mktemp("paging"), embedder, api_key=API_KEY,
                                         rate_upload_per_minute=0, rate_ask_per_minute=0)
    server = LiveServer(create_app(assistant=assistant), data_dir=settings.data_dir, assistant=assistant)
    with httpx.Client(base_url=server.url, timeout=120) as client:
        for n in range(1, 5):
            r = client.post("/v1/objectives", headers=AUTH,
                            json={"doc_id": "beta", "author": "Ufficio di Piano", "title": f"Obiettivo aggiunto {n}"})
            assert r.status_code == 201, r.text
        yield client
    server.stop()


def _ids(r: httpx.Response) -> list[str]:
    assert r.status_code == 200, r.text
    return [o["objective_id"] for o in r.json()]


def test_without_limit_the_whole_table_and_its_count(http: httpx.Client) -> None:
    r = http.get("/v1/objectives")
    assert len(_ids(r)) == 5 and r.headers["X-Total-Count"] == "5" and "Link" not in r.headers
    assert r.json()[0]["doc_id"] == "alfa" and [o["title"] for o in r.json()[1:]] == [
        f"Obiettivo aggiunto {n}" for n in range(1, 5)
    ]


def test_pages_follow_the_link_and_cover_the_table_once(http: httpx.Client) -> None:
    everything = _ids(http.get("/v1/objectives"))
    r = http.get("/v1/objectives", params={"limit": 2})
    pages, seen = [_ids(r)], 1
    while "Link" in r.headers:
        assert r.headers["X-Total-Count"] == "5"
        match = re.fullmatch(r'<(.+)>; rel="next"', r.headers["Link"])
        assert match, r.headers["Link"]
        r = http.get(match.group(1))
        pages.append(_ids(r))
        seen += 1
    assert [len(p) for p in pages] == [2, 2, 1] and seen == 3
    assert [i for p in pages for i in p] == everything
    assert _ids(http.get("/v1/objectives", params={"limit": 2, "offset": 3})) == everything[3:5]


def test_filters_apply_before_paging(http: httpx.Client) -> None:
    r = http.get("/v1/objectives", params={"doc_id": "beta", "limit": 1, "offset": 1})
    assert [o["title"] for o in r.json()] == ["Obiettivo aggiunto 2"] and r.headers["X-Total-Count"] == "4"
    assert "offset=2" in r.headers["Link"] and "doc_id=beta" in r.headers["Link"]
    r = http.get("/v1/objectives", params={"offset": 10})
    assert r.json() == [] and r.headers["X-Total-Count"] == "5" and "Link" not in r.headers


def test_csv_pages_carry_the_count_too(http: httpx.Client) -> None:
    r = http.get("/v1/objectives", params={"format": "csv", "limit": 1, "offset": 4})
    assert r.status_code == 200 and r.headers["X-Total-Count"] == "5"
    rows = list(csv.reader(io.StringIO(r.text)))
    assert len(rows) == 2 and rows[1][0] == "beta" and "Obiettivo aggiunto 4" in rows[1]


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 5001}, {"offset": -1}, {"limit": "tutti"}])
def test_bad_paging_parameters_are_validation_problems(http: httpx.Client, params: dict[str, Any]) -> None:
    body = problem(http.get("/v1/objectives", params=params), 422, "richiesta_non_valida")
    assert [e["campo"] for e in body["errori"]] == [next(iter(params))], body


def test_the_route_documents_its_paging(http: httpx.Client) -> None:
    spec = http.get("/openapi.json").json()["paths"]["/v1/objectives"]["get"]
    assert {"limit", "offset"} <= {p["name"] for p in spec["parameters"]}
    assert "X-Total-Count" in spec["description"] and "X-Total-Count" in spec["responses"]["200"]["headers"]

