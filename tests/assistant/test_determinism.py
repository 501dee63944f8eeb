"""Same question, same index, same ranked list: dense search is exact, in any process."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.service import Assistant
from tests.helpers import MINI as FIXTURES
from tests.helpers import REPO

QUERIES = [
    "prestiti solidali per famiglie in difficoltà",
    "voucher dimissioni protette",
    "banco alimentare pacchi viveri",
    "obiettivi del piano",
]

_CHILD = """
import json, sys
from pathlib import Path
from assistant.service import Assistant
from assistant.settings import Settings

data = Path(sys.argv[1])
app = Assistant(settings=Settings(data_dir=data))
store, retriever = app.store, app.retriever()  # passages grown from the canonical texts, as in `pdz search`
out = {}
for q in json.loads(sys.argv[2]):
    out[q] = [[r.chunk.chunk_id, round(r.score, 9)] for r in retriever.search(q, k=10)]
    out[q + " (dense)"] = [c.chunk_id for c, _ in store.query(store.embedder.embed_query(q), 10, live=store.live_versions())]
print(json.dumps(out))
"""


def _ranked_in_child(data: Path) -> dict[str, list]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PDZ_")}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", PYTHONPATH=str(REPO))
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(data), json.dumps(QUERIES)],
        capture_output=True, text=True, env=env, cwd=REPO, timeout=600, check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_two_processes_give_identical_rankings(settings, embedder, tmp_path: Path) -> None:  # noqa: ANN001
    folder = tmp_path / "mini"
    shutil.copytree(FIXTURES, folder)
    app = Assistant(settings=settings, embedder=embedder)
    assert not app.ingest([folder]).failed
    first = _ranked_in_child(settings.data_dir)
    second = _ranked_in_child(settings.data_dir)
    assert first == second
    assert all(first[q] for q in QUERIES)
    # and the same as in this process
    assert [r.chunk.chunk_id for r in app.search(QUERIES[0], k=10)] == [cid for cid, _ in first[QUERIES[0]]]


def test_dense_query_is_exact_and_ordered(settings, embedder, tmp_path: Path) -> None:  # noqa: ANN001
    folder = tmp_path / "mini"
    shutil.copytree(FIXTURES, folder)
    app = Assistant(settings=settings, embedder=embedder)
    assert not app.ingest([folder]).failed
    live = app.store.live_versions()
    vector = embedder.embed_query(QUERIES[1])
    hits = app.store.query(vector, 1000, live=live)
    chunks = app.store.chunks()
    assert len(hits) == len(chunks)  # brute force: every live chunk is scored
    sims = [s for _, s in hits]
    assert sims == sorted(sims, reverse=True)
    beta = app.store.query(vector, 1000, live=live, where={"doc_id": {"$in": ["beta"]}})
    assert beta and all(c.doc_id == "beta" for c, _ in beta)
    assert [c.chunk_id for c, _ in beta] == [c.chunk_id for c, _ in hits if c.doc_id == "beta"]
    assert app.store.query(vector, 0, live=live) == [] and app.store.query(vector, 5, live={}) == []
