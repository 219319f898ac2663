{%- set e = cookiecutter.__entity_snake -%}
"""Schema evolution: a newer event is read as the version this code reads, an older one upcast."""

from __future__ import annotations

import copy
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from {{ cookiecutter.__consumer_pkg }} import contracts
from {{ cookiecutter.__consumer_pkg }}.contracts import PoisonMessage, parse
from {{ cookiecutter.__consumer_pkg }}.models import ProcessedMessage
from {{ cookiecutter.__consumer_pkg }}.upcasters import UPCASTERS
from {{ cookiecutter.__owner_pkg }}.events import dataschema

ROOT = Path(__file__).resolve().parents[1]
UPSERTED = "{{ e }}.upserted"
ADDED = "nickname"  # the optional field v2 adds to data


def sample_data() -> dict[str, object]:
    return {
{%- for name, kind in cookiecutter.fields | fields %}
        "{{ name }}": {{ kind | sample(0) }},
{%- endfor %}
    }


def as_v2(envelope: dict[str, Any]) -> dict[str, Any]:
    """What a v2 producer would write: the same event with the added field."""
    evolved = copy.deepcopy(envelope)
    evolved.update(schemaversion=2, dataschema=dataschema(UPSERTED, 2))
    evolved["data"][ADDED] = "Nick"
    return evolved


async def processed(consumer: Any) -> int:
    async with consumer.db.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(ProcessedMessage)) or 0)


@pytest.fixture
def reads_v2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """This consumer evolved to read v2 of {{ e }}.upserted: v1 plus an optional field."""
    folder = tmp_path / "contracts"
    shutil.copytree(ROOT / "contracts", folder)
    events = folder / "events" / UPSERTED
    schema = json.loads((events / "v1.schema.json").read_text("utf-8"))
    schema["$id"] = schema["$id"].removesuffix(":v1") + ":v2"
    schema["properties"]["data"]["properties"][ADDED] = {"type": "string"}
    (events / "v2.schema.json").write_text(json.dumps(schema), "utf-8")
    monkeypatch.setenv("CONTRACTS_DIR", str(folder))
    monkeypatch.setitem(contracts.READS, UPSERTED, 2)
    contracts.validator.cache_clear()
    yield
    contracts.validator.cache_clear()


def lift_v1(envelope: dict[str, Any]) -> dict[str, Any]:
    envelope["data"].setdefault(ADDED, "from v1")
    return envelope


async def test_a_v1_reader_applies_a_v2_event_with_an_added_field(
    consumer: Any,
    dead_letters: list[tuple[bytes, dict[str, str]]],
    make_event: Any,
    deliver: Any,
    test_broker: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(contracts.READS, UPSERTED, 1)
    raw = json.dumps(as_v2(make_event(UPSERTED, "e1", 1, sample_data()))).encode()
    async with test_broker(consumer.broker) as broker:
        await deliver(broker, raw)
    assert dead_letters == []
    assert await processed(consumer) == 1


def test_a_v2_event_still_must_satisfy_v1(make_event: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(contracts.READS, UPSERTED, 1)
    envelope = as_v2(make_event(UPSERTED, "e2", 1, sample_data()))
    del envelope["data"]["{{ e }}_id"]
    with pytest.raises(PoisonMessage, match="schema violation"):
        parse(json.dumps(envelope).encode())


async def test_an_upcaster_lifts_a_v1_event_for_a_v2_reader(
    reads_v2: None, consumer: Any, make_event: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(UPCASTERS, (UPSERTED, 1), lift_v1)
    original = make_event(UPSERTED, "e3", 1, sample_data())
    raw = json.dumps(original).encode()
    read = parse(raw)
    assert read == {**original, "schemaversion": 2, "data": {**original["data"], ADDED: "from v1"}}
    assert parse(raw) == read and original["schemaversion"] == 1  # the input is left alone
    v2 = as_v2(make_event(UPSERTED, "e4", 1, sample_data()))
    assert parse(json.dumps(v2).encode()) == v2  # no upcasting at the version read
    assert await consumer.handle(raw) == "applied"


def test_an_upcaster_must_produce_a_valid_event(
    reads_v2: None, make_event: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(envelope: dict[str, Any]) -> dict[str, Any]:
        envelope["data"][ADDED] = 5
        return envelope

    monkeypatch.setitem(UPCASTERS, (UPSERTED, 1), broken)
    raw = json.dumps(make_event(UPSERTED, "e5", 1, sample_data())).encode()
    with pytest.raises(PoisonMessage, match=f"schema violation at data/{ADDED}"):
        parse(raw)


async def test_a_missing_upcaster_is_poison(
    reads_v2: None,
    consumer: Any,
    dead_letters: list[tuple[bytes, dict[str, str]]],
    make_event: Any,
    deliver: Any,
    test_broker: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delitem(UPCASTERS, (UPSERTED, 1), raising=False)
    raw = json.dumps(make_event(UPSERTED, "e6", 1, sample_data())).encode()
    with pytest.raises(PoisonMessage, match=f"no upcaster for {UPSERTED} v1 -> v2"):
        parse(raw)
    async with test_broker(consumer.broker) as broker:
        await deliver(broker, raw)
    assert len(dead_letters) == 1
    assert "no upcaster" in dead_letters[0][1]["x-error"]
    assert await processed(consumer) == 0
