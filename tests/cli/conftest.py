from __future__ import annotations

import json
from typing import Any


def lines_json(text: str) -> list[Any]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]
