"""The committed OpenAPI document is exactly what the owner serves."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi import FastAPI

ROOT = Path(__file__).resolve().parents[1]

CONTRACT = ROOT / "contracts" / "openapi" / "{{ cookiecutter.owner }}.json"


def test_committed_openapi_equals_the_app(owner_app: FastAPI) -> None:
    committed = json.loads(CONTRACT.read_text(encoding="utf-8"))
    assert committed == owner_app.openapi(), (
        "contracts/openapi is stale: run `make openapi` and review the diff"
    )
