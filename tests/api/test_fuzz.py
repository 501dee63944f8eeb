"""Schemathesis over the live app's OpenAPI document: no 5xx, no response outside the documented schema.

Bounded for CI: stateless phases (examples, coverage, fuzzing), a fixed seed and at most
``MAX_EXAMPLES`` generated inputs per operation, against a server of its own (uploads
and deletions with the key really change its index). A longer run for the closing
note: ``PDZ_FUZZ_EXAMPLES=100 .venv/bin/pytest tests/api/test_fuzz.py``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from api.app import create_app
from tests.api.conftest import API_KEY, LiveServer, mini_assistant

MAX_EXAMPLES = int(os.environ.get("PDZ_FUZZ_EXAMPLES", "20"))
SEED = 20241124
CHECKS = "not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance"
ST = Path(sys.executable).with_name("st")

pytestmark = pytest.mark.skipif(shutil.which(str(ST)) is None, reason="schemathesis (st) is not installed")


@pytest.fixture(scope="module")
def fuzz_target(tmp_path_factory: pytest.TempPathFactory, embedder: Any) -> Iterator[LiveServer]:
    settings, assistant = mini_assistant(
        tmp_path_factory.mktemp("fuzz"), embedder, api_key=API_KEY, max_upload_mb=1,
        rate_ask_per_minute=0, rate_expensive_per_minute=0, rate_upload_per_minute=0, rate_auth_failures_per_minute=0,
    )
    server = LiveServer(create_app(assistant=assistant), data_dir=settings.data_dir, assistant=assistant)
    yield server
    server.stop()


def test_schemathesis_finds_no_server_error_and_no_schema_violation(fuzz_target: LiveServer, tmp_path: Path) -> None:
    command = [
        str(ST), "run", f"{fuzz_target.url}/openapi.json", "--header", f"X-API-Key: {API_KEY}",
        "--checks", CHECKS, "--phases", "examples,coverage,fuzzing", "--max-examples", str(MAX_EXAMPLES),
        "--seed", str(SEED), "--request-timeout", "60", "--workers", "1",
        "--no-color", "--report-dir", str(tmp_path),
    ]
    run = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=tmp_path, check=False)
    errors = run.stdout.find("ERRORS")
    summary = (run.stdout[errors : errors + 4000] + "\n...\n" if errors >= 0 else "") + run.stdout[-1500:]
    print(summary)  # the case count goes to the CI log
    cases = re.search(r"(\d+) generated, (\d+) passed", run.stdout)
    assert cases is not None, summary
    assert run.returncode == 0, summary
    assert int(cases.group(1)) >= 100 and cases.group(1) == cases.group(2), summary
