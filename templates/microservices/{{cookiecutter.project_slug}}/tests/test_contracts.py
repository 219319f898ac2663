{%- set e = cookiecutter.__entity_snake -%}
"""Event payloads the owner produces validate against the committed contract schemas."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from jsonschema import Draft202012Validator
from sqlalchemy import select
from {{ cookiecutter.__owner_pkg }}.models import OutboxMessage

ROOT = Path(__file__).resolve().parents[1]
SCHEMAS = sorted((ROOT / "contracts" / "events").glob("*/v*.schema.json"))


def schema_for(event_type: str, version: int) -> dict[str, object]:
    return json.loads(
        (ROOT / "contracts" / "events" / event_type / f"v{version}.schema.json").read_text("utf-8")
    )


def validator_for(event_type: str, version: int) -> Draft202012Validator:
    return Draft202012Validator(schema_for(event_type, version))


@pytest.mark.parametrize("path", SCHEMAS, ids=lambda p: p.parent.name)
def test_schemas_are_valid_json_schema_2020_12(path: Path) -> None:
    schema = json.loads(path.read_text("utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


def test_both_event_types_have_a_contract() -> None:
    assert [p.parent.name for p in SCHEMAS] == [
        "{{ e }}.deleted",
        "{{ e }}.upserted",
    ]


async def test_outbox_payloads_validate(
    owner: httpx.AsyncClient,
    owner_app: FastAPI,
    new_{{ e }}: dict[str, object],
    changed_{{ e }}: dict[str, object],
) -> None:
    posted = await owner.post(
        "/{{ e }}s",
        json=new_{{ e }},
    )
    {{ e }}_id = posted.json()["{{ e }}_id"]
    await owner.put(
        f"/{{ e }}s/{ {{- e }}_id}",
        json=changed_{{ e }},
    )
    await owner.delete(f"/{{ e }}s/{ {{- e }}_id}")
    async with owner_app.state.db.sessions() as session:
        payloads = [json.loads(row.payload) for row in (await session.scalars(select(OutboxMessage))).all()]
    assert len(payloads) == 3
    for envelope in payloads:
        validator_for(envelope["type"], envelope["schemaversion"]).validate(envelope)
        assert envelope["specversion"] == "1.0"
        # CloudEvents' dataschema is a URI (RFC 3986: a scheme, then ':'): the schema's $id.
        assert envelope["dataschema"] == schema_for(envelope["type"], envelope["schemaversion"])["$id"]
        assert re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*:\S+", envelope["dataschema"])


def test_the_schema_rejects_a_wrong_payload(make_event: dict[str, object]) -> None:
    envelope = make_event(
        "{{ e }}.upserted",
        "x",
        1,
        {
{%- for name, kind in cookiecutter.fields | fields %}
            "{{ name }}": {{ kind | sample(0) }},
{%- endfor %}
        },
    )
    validator = validator_for("{{ e }}.upserted", 1)
    assert validator.is_valid(envelope)
    assert not validator.is_valid({**envelope, "version": 0})
    wrong = {**envelope, "data": {**envelope["data"], "{{ e }}_id": 5}}
    assert not validator.is_valid(wrong)
