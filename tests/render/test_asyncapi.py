"""The generated AsyncAPI document: every channel the services use, every schema's format.

A structural check on the YAML; tests/integration runs the official AsyncAPI parser on it.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from advisor.render.context import make_spec
from advisor.render.scaffold import render

#: The AsyncAPI 3.0 multi-format schema format of JSON Schema 2020-12, the contracts' dialect.
DRAFT_2020_12 = "application/schema+json;version=draft-2020-12"


@pytest.fixture(scope="module", params=["kafka", "rabbitmq"])
def project(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    spec = make_spec(
        {"patterns": "event", "broker": request.param, "consumer": "billing", "entity": "Account"}
    )
    dest = tmp_path_factory.mktemp("asyncapi") / "project"
    render(spec, dest)
    return dest


def _document(project: Path) -> dict[str, Any]:
    document = yaml.safe_load((project / "contracts" / "asyncapi.yaml").read_text("utf-8"))
    assert isinstance(document, dict)
    assert document["asyncapi"] == "3.0.0"
    return document


def _resolve(document: dict[str, Any], ref: str) -> object:
    node: object = document
    for part in ref.removeprefix("#/").split("/"):
        assert isinstance(node, dict) and part in node, f"unresolved $ref {ref}"
        node = node[part]
    return node


def _refs(node: object) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []


def test_every_reference_resolves(project: Path) -> None:
    document = _document(project)
    refs = _refs(document)
    assert refs
    for ref in refs:
        if ref.startswith("#/"):
            _resolve(document, ref)
        else:
            assert (project / "contracts" / ref).is_file(), ref


def test_every_schema_says_it_is_json_schema_2020_12(project: Path) -> None:
    document = _document(project)
    messages = document["components"]["messages"]
    assert len(messages) == 3
    for name, message in messages.items():
        for part in ("payload", "headers"):
            if part not in message:
                continue
            schema = message[part]
            assert schema["schemaFormat"] == DRAFT_2020_12, f"{name}.{part}"
            assert "schema" in schema, f"{name}.{part} is a multi-format schema object"
            ref = schema["schema"].get("$ref")
            if ref is not None:
                contract = json.loads((project / "contracts" / ref).read_text("utf-8"))
                assert contract["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def _constant(tree: ast.Module, name: str) -> str:
    """A module constant's string, or the first argument of the call assigned to it."""
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == name for t in node.targets
        ):
            value = node.value.args[0] if isinstance(node.value, ast.Call) else node.value
            assert isinstance(value, ast.Constant) and isinstance(value.value, str)
            return value.value
    raise AssertionError(f"no {name} in the module")


def test_the_dead_letter_channel_is_where_the_consumer_parks_messages(project: Path) -> None:
    document = _document(project)
    consumer = project / "services" / "billing"
    messaging = ast.parse((consumer / "messaging.py").read_text("utf-8"))
    address = _constant(messaging, "DEAD_LETTERS")
    channels = {c["address"]: key for key, c in document["channels"].items()}
    assert address in channels
    dead_letters = f"#/channels/{channels[address]}"
    sends = [op for op in document["operations"].values() if op["channel"]["$ref"] == dead_letters]
    assert [op["action"] for op in sends] == ["send"]
    (message,) = document["channels"][channels[address]]["messages"].values()
    declared = _resolve(document, message["$ref"])
    assert isinstance(declared, dict)
    headers = declared["headers"]["schema"]
    # The headers the consumer writes on a dead letter are the ones the document promises.
    written = {
        key.value
        for node in ast.walk(ast.parse((consumer / "consumer.py").read_text("utf-8")))
        if isinstance(node, ast.Dict)
        for key in node.keys
        if isinstance(key, ast.Constant) and str(key.value).startswith("x-")
    }
    assert written
    assert set(headers["required"]) == written == set(headers["properties"])


def test_every_channel_has_an_operation(project: Path) -> None:
    document = _document(project)
    used = {op["channel"]["$ref"] for op in document["operations"].values()}
    assert used == {f"#/channels/{key}" for key in document["channels"]}
