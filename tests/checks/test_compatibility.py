"""The compatibility function, case by case and mode by mode."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from advisor.checks import COMPATIBILITIES
from advisor.checks.compatibility import compatibility_problems, versions_to_compare
from advisor.types import Compatibility

STR = {"type": "string"}


def obj(props: dict[str, Any], required: Sequence[str] = (), **extra: Any) -> dict[str, Any]:
    return {"type": "object", "properties": props, "required": list(required), **extra}


BASE = obj({"id": STR, "name": STR, "email": STR}, ["id", "name"])

#: name → (old, new, {mode: breaks?}) for the non-transitive base modes.
CASES: dict[str, tuple[dict[str, Any], dict[str, Any], dict[str, bool]]] = {
    "identical": (BASE, BASE, {"BACKWARD": False, "FORWARD": False, "FULL": False}),
    "add optional field": (
        BASE,
        obj({"id": STR, "name": STR, "email": STR, "phone": STR}, ["id", "name"]),
        {"BACKWARD": False, "FORWARD": False, "FULL": False},
    ),
    "remove optional field": (
        BASE,
        obj({"id": STR, "name": STR}, ["id", "name"]),
        {"BACKWARD": False, "FORWARD": False, "FULL": False},
    ),
    "add required field": (
        BASE,
        obj(
            {"id": STR, "name": STR, "email": STR, "age": {"type": "integer"}},
            ["id", "name", "age"],
        ),
        {"BACKWARD": True, "FORWARD": False, "FULL": True},
    ),
    "add required field with default": (
        BASE,
        obj(
            {"id": STR, "name": STR, "email": STR, "age": {"type": "integer", "default": 0}},
            ["id", "name", "age"],
        ),
        {"BACKWARD": False, "FORWARD": False, "FULL": False},
    ),
    "remove required field": (
        BASE,
        obj({"id": STR, "email": STR}, ["id"]),
        {"BACKWARD": False, "FORWARD": True, "FULL": True},
    ),
    "make optional field required": (
        BASE,
        obj({"id": STR, "name": STR, "email": STR}, ["id", "name", "email"]),
        {"BACKWARD": True, "FORWARD": False, "FULL": True},
    ),
    "change type": (
        BASE,
        obj({"id": {"type": "integer"}, "name": STR, "email": STR}, ["id", "name"]),
        {"BACKWARD": True, "FORWARD": True, "FULL": True},
    ),
    "widen integer to number": (
        obj({"n": {"type": "integer"}}),
        obj({"n": {"type": "number"}}),
        {"BACKWARD": False, "FORWARD": True, "FULL": True},
    ),
    "rename required field": (
        BASE,
        obj({"id": STR, "full_name": STR, "email": STR}, ["id", "full_name"]),
        {"BACKWARD": True, "FORWARD": True, "FULL": True},
    ),
    "tighten enum": (
        obj({"s": {"type": "string", "enum": ["a", "b"]}}),
        obj({"s": {"type": "string", "enum": ["a"]}}),
        {"BACKWARD": True, "FORWARD": False, "FULL": True},
    ),
    "widen enum": (
        obj({"s": {"type": "string", "enum": ["a"]}}),
        obj({"s": {"type": "string", "enum": ["a", "b"]}}),
        {"BACKWARD": False, "FORWARD": True, "FULL": True},
    ),
    "close content model": (
        BASE,
        {**BASE, "additionalProperties": False},
        {"BACKWARD": True, "FORWARD": False, "FULL": True},
    ),
    "add optional field to closed model": (
        {**BASE, "additionalProperties": False},
        {
            **obj({"id": STR, "name": STR, "email": STR, "x": STR}, ["id", "name"]),
            "additionalProperties": False,
        },
        {"BACKWARD": False, "FORWARD": True, "FULL": True},
    ),
    "nested required field added": (
        obj({"address": obj({"city": STR})}),
        obj({"address": obj({"city": STR, "zip": STR}, ["zip"])}),
        {"BACKWARD": True, "FORWARD": False, "FULL": True},
    ),
    "array item type changed": (
        obj({"tags": {"type": "array", "items": STR}}),
        obj({"tags": {"type": "array", "items": {"type": "integer"}}}),
        {"BACKWARD": True, "FORWARD": True, "FULL": True},
    ),
}


#: Each mode and its transitive form, which judges a pair of schemas the same way.
TRANSITIVE: dict[Compatibility, Compatibility] = {
    "BACKWARD": "BACKWARD_TRANSITIVE",
    "FORWARD": "FORWARD_TRANSITIVE",
    "FULL": "FULL_TRANSITIVE",
}


@pytest.mark.parametrize("mode", list(TRANSITIVE))
@pytest.mark.parametrize("name", sorted(CASES))
def test_case_per_mode(name: str, mode: Compatibility) -> None:
    old, new, expected = CASES[name]
    problems = compatibility_problems(old, new, mode)
    assert bool(problems) is expected[mode], problems
    transitive = compatibility_problems(old, new, TRANSITIVE[mode])
    assert transitive == problems


def test_rename_is_named_as_such() -> None:
    old, new, _ = CASES["rename required field"]
    problems = compatibility_problems(old, new, "FULL")
    assert "'name' looks renamed to 'full_name'" in problems


def test_problems_name_the_direction() -> None:
    old, new, _ = CASES["add required field"]
    assert compatibility_problems(old, new, "FULL") == [
        "BACKWARD: required field 'age' is absent in the writer's schema"
    ]


@pytest.mark.parametrize("mode", COMPATIBILITIES)
def test_versions_to_compare(mode: Compatibility) -> None:
    expected = [1, 2, 3] if mode.endswith("_TRANSITIVE") else [3]
    assert versions_to_compare([3, 1, 2], mode) == expected


def test_transitive_catches_what_the_previous_version_hides(tmp_path: Any) -> None:
    """v1 → v2 drops optional 'email'; v3 re-adds it as an integer: only v1 sees the clash."""
    import json

    from advisor.checks import check

    folder = tmp_path / "contracts" / "events" / "user-changed"
    folder.mkdir(parents=True)
    v1 = obj({"id": STR, "email": STR}, ["id"])
    v2 = obj({"id": STR}, ["id"])
    v3 = obj({"id": STR, "email": {"type": "integer"}}, ["id"])
    for number, schema in enumerate([v1, v2, v3], start=1):
        (folder / f"v{number}.schema.json").write_text(json.dumps(schema))
    assert check(tmp_path, compatibility="FULL").findings == []
    [finding] = check(tmp_path, compatibility="FULL_TRANSITIVE").findings
    assert finding.path == "contracts/events/user-changed/v3.schema.json"
    assert "with v1" in finding.message


def test_unreadable_schema_is_a_finding(tmp_path: Any) -> None:
    from advisor.checks import check

    folder = tmp_path / "contracts" / "events" / "x"
    folder.mkdir(parents=True)
    (folder / "v1.schema.json").write_text("{not json")
    [finding] = check(tmp_path).findings
    assert finding.id == "schema-breaking-change"
    assert "not a readable JSON Schema" in finding.message
