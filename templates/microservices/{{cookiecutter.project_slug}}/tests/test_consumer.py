{%- set E = cookiecutter.entity -%}
{%- set e = cookiecutter.__entity_snake -%}
{%- import 'brokers/' ~ cookiecutter.broker ~ '/tests.py.j2' as part with context -%}
"""The consumer: idempotent, retrying, dead-lettering poison, and it keeps going."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from sqlalchemy import func, select
from {{ cookiecutter.__consumer_pkg }} import consumer as consumer_module
from {{ cookiecutter.__consumer_pkg }}.models import ProcessedMessage


async def count(consumer: Any, model: Any) -> int:
    async with consumer.db.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


def sample_data() -> dict[str, object]:
    return {
{%- for name, kind in cookiecutter.fields | fields %}
        "{{ name }}": {{ kind | sample(0) }},
{%- endfor %}
    }


@pytest.fixture
def effects(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The ids of the events whose effect the consumer applies, in order."""
    applied: list[str] = []
    real = consumer_module.apply_effects

    async def counting(session: Any, envelopes: list[dict[str, Any]]) -> None:
        applied.extend(envelope["id"] for envelope in envelopes)
        await real(session, envelopes)

    monkeypatch.setattr(consumer_module, "apply_effects", counting)
    return applied


async def test_an_event_delivered_twice_is_applied_once(
    consumer: Any, make_event: Any, deliver: Any, test_broker: Any, effects: list[str]
) -> None:
    raw = json.dumps(make_event("{{ e }}.upserted", "u1", 1, sample_data())).encode()
    async with test_broker(consumer.broker) as broker:
        await deliver(broker, raw)
        await deliver(broker, raw)
    assert len(effects) == 1
    assert await count(consumer, ProcessedMessage) == 1
    assert await consumer.handle(raw) == "duplicate"


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        (b"{not json", "malformed JSON"),
        (
            json.dumps({"type": "{{ e }}.exploded", "schemaversion": 1}).encode(),
            "unknown event type",
        ),
        (b"[1, 2]", "not a JSON object"),
    ],
)
async def test_poison_goes_to_the_dead_letters_and_the_consumer_keeps_going(
    consumer: Any,
    dead_letters: list[tuple[bytes, dict[str, str]]],
    make_event: Any,
    deliver: Any,
    test_broker: Any,
    raw: bytes,
    error: str,
) -> None:
    good = json.dumps(make_event("{{ e }}.upserted", "u2", 1, sample_data())).encode()
    async with test_broker(consumer.broker) as broker:
        await deliver(broker, raw)
        await deliver(broker, good)
    assert len(dead_letters) == 1
    body, headers = dead_letters[0]
    assert body == raw
    assert error in headers["x-error"]
    assert headers["x-attempts"] == "1"  # retrying cannot mend it: dead-lettered at once
    assert await count(consumer, ProcessedMessage) == 1


async def test_poison_is_retried_as_configured_before_it_is_dead_lettered(
    consumer: Any, dead_letters: list[tuple[bytes, dict[str, str]]], deliver: Any, test_broker: Any
) -> None:
    consumer.poison_attempts = 2
    async with test_broker(consumer.broker) as broker:
        await deliver(broker, b"{not json")
    assert [(body, headers["x-attempts"]) for body, headers in dead_letters] == [(b"{not json", "2")]


async def test_malformed_json_labelled_as_json_is_dead_lettered_not_dropped(
    consumer: Any, dead_letters: list[tuple[bytes, dict[str, str]]], deliver: Any, test_broker: Any
) -> None:
    # The client library would decode a body labelled JSON before the handler saw it.
    async with test_broker(consumer.broker) as broker:
        await deliver(broker, b"{not json", content_type="application/json")
    assert [body for body, _ in dead_letters] == [b"{not json"]
    assert "malformed JSON" in dead_letters[0][1]["x-error"]


async def test_schema_invalid_data_is_dead_lettered(
    consumer: Any,
    dead_letters: list[tuple[bytes, dict[str, str]]],
    make_event: Any,
    deliver: Any,
    test_broker: Any,
) -> None:
    envelope = make_event("{{ e }}.upserted", "u3", 1, sample_data())
    del envelope["data"]["{{ e }}_id"]
    async with test_broker(consumer.broker) as broker:
        await deliver(broker, json.dumps(envelope).encode())
    assert len(dead_letters) == 1
    assert "schema violation" in dead_letters[0][1]["x-error"]
    assert await count(consumer, ProcessedMessage) == 0


async def test_failures_are_retried_then_dead_lettered(
    consumer: Any,
    dead_letters: list[tuple[bytes, dict[str, str]]],
    make_event: Any,
    deliver: Any,
    test_broker: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    attempts: list[int] = []

    async def failing(session: Any, envelopes: list[dict[str, Any]]) -> None:
        attempts.append(1)
        raise RuntimeError("database unavailable")

    monkeypatch.setattr(consumer_module, "apply_effects", failing)
    raw = json.dumps(make_event("{{ e }}.upserted", "u4", 1, sample_data())).encode()
    async with test_broker(consumer.broker) as broker:
        await deliver(broker, raw)
    assert len(attempts) == consumer.max_attempts == 3
    assert len(dead_letters) == 1
    assert dead_letters[0][1]["x-attempts"] == "3"
    assert "database unavailable" in dead_letters[0][1]["x-error"]
    # Nothing half-applied: the failed attempts rolled back, inbox included.
    assert await count(consumer, ProcessedMessage) == 0


async def test_a_transient_failure_recovers_within_the_retries(
    consumer: Any,
    dead_letters: list[tuple[bytes, dict[str, str]]],
    make_event: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = consumer_module.apply_effects
    failures = [RuntimeError("deadlock")]

    async def flaky(session: Any, envelopes: list[dict[str, Any]]) -> None:
        if failures:
            raise failures.pop()
        await real(session, envelopes)

    monkeypatch.setattr(consumer_module, "apply_effects", flaky)
    raw = json.dumps(make_event("{{ e }}.upserted", "u5", 1, sample_data())).encode()
    assert await consumer.handle(raw) == "applied"
    assert dead_letters == []


async def test_a_batch_applies_each_message_once_in_arrival_order(
    consumer: Any,
    dead_letters: list[tuple[bytes, dict[str, str]]],
    make_event: Any,
    test_broker: Any,
    effects: list[str],
) -> None:
    first = make_event("{{ e }}.upserted", "b1", 1, sample_data())
    second = make_event("{{ e }}.upserted", "b2", 1, sample_data())
    raws = [json.dumps(first).encode(), json.dumps(first).encode(), b"{not json", json.dumps(second).encode()]
    async with test_broker(consumer.broker):
        outcomes = await consumer.handle_batch([(raw, b"k") for raw in raws])
    assert outcomes == ["applied", "duplicate", "dead-lettered", "applied"]
    assert effects == [first["id"], second["id"]]
    assert [body for body, _ in dead_letters] == [b"{not json"]
    assert await count(consumer, ProcessedMessage) == 2


async def test_a_failing_message_does_not_hold_back_its_batch(
    consumer: Any,
    dead_letters: list[tuple[bytes, dict[str, str]]],
    make_event: Any,
    test_broker: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = consumer_module.apply_effects
    good = make_event("{{ e }}.upserted", "b3", 1, sample_data())
    bad = make_event("{{ e }}.upserted", "b4", 1, sample_data())

    async def failing_for_bad(session: Any, envelopes: list[dict[str, Any]]) -> None:
        if any(envelope["id"] == bad["id"] for envelope in envelopes):
            raise RuntimeError("constraint violated")
        await real(session, envelopes)

    monkeypatch.setattr(consumer_module, "apply_effects", failing_for_bad)
    async with test_broker(consumer.broker):
        outcomes = await consumer.handle_batch(
            [(json.dumps(good).encode(), b"k"), (json.dumps(bad).encode(), b"k")]
        )
    assert outcomes == ["applied", "dead-lettered"]
    # The failed batch rolled back; the good message was then applied once, on its own.
    assert await count(consumer, ProcessedMessage) == 1
    assert dead_letters[0][1]["x-attempts"] == str(consumer.max_attempts)
    assert "constraint violated" in dead_letters[0][1]["x-error"]


async def test_messages_arriving_together_share_one_transaction(
    consumer: Any, make_event: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    sizes: list[int] = []
    real = consumer_module.process_events

    async def recording(sessions: Any, envelopes: list[dict[str, Any]], *rest: Any) -> list[bool]:
        sizes.append(len(envelopes))
        return await real(sessions, envelopes, *rest)

    monkeypatch.setattr(consumer_module, "process_events", recording)
    upserted = "{{ e }}.upserted"
    raws = [json.dumps(make_event(upserted, f"t{i}", 1, sample_data())).encode() for i in range(5)]
    outcomes = await asyncio.gather(*(consumer.handle(raw) for raw in raws))
    assert outcomes == ["applied"] * 5
    assert sizes == [5]
    assert await count(consumer, ProcessedMessage) == 5

{%- if broker_profiles()[cookiecutter.broker].position != "database" %}{# a stream's consumer holds the message instead: test_stream_position.py #}


async def test_a_message_is_not_acknowledged_when_dead_lettering_it_fails(
    consumer: Any, deliver: Any, test_broker: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from faststream.message import StreamMessage

    settled: list[str] = []
    for verb in ("ack", "nack", "reject"):
        real = getattr(StreamMessage, verb)

        async def record(message: Any, real: Any = real, verb: str = verb) -> None:
            settled.append(verb)
            await real(message)

        monkeypatch.setattr(StreamMessage, verb, record)

    async def unreachable(*args: Any) -> None:
        raise ConnectionError("dead-letter destination down")

    monkeypatch.setattr(consumer_module.messaging, "dead_letter", unreachable)
    async with test_broker(consumer.broker) as broker:
        # The handler fails with the error, so the message is not settled as handled.
        with pytest.raises(ConnectionError):
            await deliver(broker, b"{not json")
    {{ part.settled() }}
{%- endif %}
{{ part.client_tests() }}
