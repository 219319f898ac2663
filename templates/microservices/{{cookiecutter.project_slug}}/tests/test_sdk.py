{%- set E = cookiecutter.entity -%}
{%- set e = cookiecutter.__entity_snake -%}
"""Contract test of {{ cookiecutter.__owner_short }}-sdk against contracts/openapi/{{ cookiecutter.owner }}.json."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from {{ cookiecutter.__sdk_pkg }} import (
    {{ E }},
    {{ E }}Client,
    {{ E }}In,
    {{ E }}Page,
    NotFound,
    SdkError,
)

ROOT = Path(__file__).resolve().parents[1]
OPENAPI_FILE = ROOT / "contracts" / "openapi" / "{{ cookiecutter.owner }}.json"
OPENAPI = json.loads(OPENAPI_FILE.read_text("utf-8"))
SDK = ROOT / "libs" / "{{ cookiecutter.__owner_short }}-sdk" / "{{ cookiecutter.__sdk_pkg }}"


def shape(schema: dict[str, Any]) -> dict[str, Any]:
    """Property names and types, and the required list: what a client depends on."""
    properties = {
        name: prop.get("type", prop.get("anyOf", prop.get("$ref", prop.get("items"))))
        for name, prop in schema["properties"].items()
    }
    return {"properties": properties, "required": sorted(schema.get("required", []))}


@pytest.mark.parametrize(
    ("model", "component"),
    [
        ({{ E }}In, "{{ E }}In"),
        ({{ E }}, "{{ E }}Out"),
    ],
)
def test_models_match_the_contract(model: type, component: str) -> None:
    ours = model.model_json_schema()  # type: ignore[attr-defined]
    assert shape(ours) == shape(OPENAPI["components"]["schemas"][component])


def test_page_matches_the_contract() -> None:
    theirs = OPENAPI["components"]["schemas"]["{{ E }}Page"]
    ours = {{ E }}Page.model_json_schema()
    assert sorted(ours["properties"]) == sorted(theirs["properties"])
    assert sorted(ours["required"]) == sorted(theirs["required"])


def test_every_call_the_sdk_makes_is_in_the_contract() -> None:
    tree = ast.parse((SDK / "client.py").read_text("utf-8"))
    calls: set[tuple[str, str]] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "_send":
            method = node.args[0].value  # type: ignore[attr-defined]
            path = node.args[1]
            text = (
                path.value
                if isinstance(path, ast.Constant)
                else "".join(
                    part.value if isinstance(part, ast.Constant) else "{" + ast.unparse(part.value) + "}"  # type: ignore[attr-defined]
                    for part in path.values  # type: ignore[attr-defined]
                )
            )
            calls.add((method.lower(), text))
    assert len(calls) == 5
    for method, path in calls:
        assert method in OPENAPI["paths"].get(path, {}), f"{method.upper()} {path} is not in the contract"


def test_no_business_logic_imports() -> None:
    forbidden = {
        "sqlalchemy",
        "asyncpg",
        "aiosqlite",
        "redis",
        "{{ cookiecutter.__owner_pkg }}",
        "{{ cookiecutter.__consumer_pkg }}",
    }
    for path in SDK.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else ([node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            )
            assert not {n.split(".")[0] for n in names} & forbidden, path.name


async def test_round_trip_against_the_owner(
    owner_app: FastAPI,
    new_{{ e }}: dict[str, object],
    changed_{{ e }}: dict[str, object],
) -> None:
    async with {{ E }}Client(
        "http://owner",
        transport=httpx.ASGITransport(app=owner_app),
    ) as client:
        created = await client.create(
            {{ E }}In.model_validate(new_{{ e }}),
        )
        assert created.version == 1
        assert await client.get(created.{{ e }}_id) == created
        replaced = await client.put(
            created.{{ e }}_id,
            {{ E }}In.model_validate(changed_{{ e }}),
        )
        assert replaced.version == 2
        ids = [item.{{ e }}_id async for item in client.iterate(limit=1)]
        assert ids == [created.{{ e }}_id]
        await client.delete(created.{{ e }}_id)
        with pytest.raises(NotFound):
            await client.get(created.{{ e }}_id)


async def test_reads_are_retried_but_creates_are_not(
    new_{{ e }}: dict[str, object],
) -> None:
    calls: list[str] = []

    async def failing(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        return httpx.Response(503)

    async with {{ E }}Client(
        "http://owner",
        transport=httpx.MockTransport(failing),
        attempts=3,
    ) as client:
        with pytest.raises(SdkError):
            await client.get("x")
        assert calls == ["GET"] * 3
        calls.clear()
        with pytest.raises(SdkError):
            await client.create({{ E }}In.model_validate(new_{{ e }}))
        assert calls == ["POST"]
