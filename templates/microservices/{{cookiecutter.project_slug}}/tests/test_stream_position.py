{%- set E = cookiecutter.entity -%}
{%- set e = cookiecutter.__entity_snake -%}
"""The consumer's place in the stream: kept with its effects, resumed after, reset for a replay."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from sqlalchemy import func, select
from {{ cookiecutter.__consumer_pkg }} import consumer as consumer_module
from {{ cookiecutter.__consumer_pkg }} import messaging, replay
from {{ cookiecutter.__consumer_pkg }}.consumer import create_consumer, prepare
from {{ cookiecutter.__consumer_pkg }}.inbox import stored_offset
from {{ cookiecutter.__consumer_pkg }}.models import {% if cookiecutter.__replica %}{{ E }}Replica{% else %}{{ E }}Change{% endif %}, ProcessedMessage

EFFECTS = {% if cookiecutter.__replica %}{{ E }}Replica{% else %}{{ E }}Change{% endif %}


def sample_data() -> dict[str, object]:
    return {
{%- for name, kind in cookiecutter.fields | fields %}
        "{{ name }}": {{ kind | sample(0) }},
{%- endfor %}
    }


async def offset_of(consumer: Any) -> int | None:
    async with consumer.db.sessions() as session:
        return await stored_offset(session, messaging.STREAM.name)


async def rows(consumer: Any, model: Any) -> int:
    async with consumer.db.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


def raw(make_event: Any, {{ e }}_id: str, version: int = 1) -> bytes:
    event = make_event(
        "{{ e }}.upserted",
        {{ e }}_id,
        version,
        sample_data(),
    )
    return json.dumps(event).encode()


async def test_the_offset_is_recorded_with_the_effects_and_a_new_consumer_starts_after_it(
    consumer: Any, consumer_url: str, make_event: Any
) -> None:
    outcomes = await asyncio.gather(
        *(consumer.handle(raw(make_event, f"o{n}"), offset=10 + n) for n in range(3))
    )
    assert outcomes == ["applied"] * 3
    assert await offset_of(consumer) == 12
    assert consumer.position == {"x-stream-offset": 13}  # where a reconnection resumes
    restarted = create_consumer(database_url=consumer_url)
    assert restarted.position == {"x-stream-offset": "first"}
    await prepare(restarted)
    assert restarted.position == {"x-stream-offset": 13}
    await restarted.db.dispose()


async def test_a_duplicate_moves_the_offset_on_without_a_second_effect(
    consumer: Any, make_event: Any
) -> None:
    event = raw(make_event, "d1")
    assert await consumer.handle(event, offset=4) == "applied"
    assert await consumer.handle(event, offset=5) == "duplicate"
    assert await offset_of(consumer) == 5
    assert await rows(consumer, ProcessedMessage) == 1


async def test_a_message_that_never_reached_the_consumer_holds_the_offset_until_it_comes_again(
    consumer: Any, make_event: Any
) -> None:
    # 41 was handed out, but its handler was cancelled (the connection dropped) before it
    # reached the consumer: 42 is applied, and the stream must hand 41 out again.
    after_gap = raw(make_event, "g2")
    assert await consumer.handle(raw(make_event, "g0"), offset=40) == "applied"
    assert await consumer.handle(after_gap, offset=42) == "applied"
    assert await offset_of(consumer) == 40
    assert consumer.position == {"x-stream-offset": 41}  # where the reconnection resumes
    # The renewed subscription hands out 41 and 42 again.
    assert await consumer.handle(raw(make_event, "g1"), offset=41) == "applied"
    assert await consumer.handle(after_gap, offset=42) == "duplicate"
    assert await offset_of(consumer) == 42
    assert consumer.position == {"x-stream-offset": 43}


async def test_poison_is_parked_and_the_offset_moves_past_it(
    consumer: Any, dead_letters: list[tuple[bytes, dict[str, str]]], make_event: Any, test_broker: Any
) -> None:
    async with test_broker(consumer.broker):
        outcomes = await consumer.handle_batch(
            [(raw(make_event, "p1"), None), (b"{not json", None), (raw(make_event, "p2"), None)], [20, 21, 22]
        )
    assert outcomes == ["applied", "dead-lettered", "applied"]
    assert [body for body, _ in dead_letters] == [b"{not json"]
    assert await offset_of(consumer) == 22


async def test_a_failure_holds_the_stream_until_the_message_is_recorded(
    consumer: Any,
    dead_letters: list[tuple[bytes, dict[str, str]]],
    make_event: Any,
    test_broker: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = messaging.dead_letter
    stored_at_failure: list[int | None] = []
    applied: list[str] = []

    async def down_twice(*args: Any) -> None:
        if len(stored_at_failure) < 2:
            stored_at_failure.append(await offset_of(consumer))
            raise ConnectionError("dead-letter destination down")
        await real(*args)

    real_apply = consumer_module.apply_effects

    async def recording(session: Any, envelopes: list[dict[str, Any]]) -> None:
        applied.extend(envelope["data"]["{{ e }}_id"] for envelope in envelopes)
        await real_apply(session, envelopes)

    monkeypatch.setattr(consumer_module.messaging, "dead_letter", down_twice)
    monkeypatch.setattr(consumer_module, "apply_effects", recording)
    async with test_broker(consumer.broker):
        # One batch, in stream order: the poison at 30 cannot be parked twice over.
        handled = asyncio.gather(
            consumer.handle(b"{not json", offset=30), consumer.handle(raw(make_event, "h1"), offset=31)
        )
        outcomes = await asyncio.wait_for(handled, 30)
    # The batch was retried whole: its valid message, committed the first time, is a duplicate.
    assert outcomes == ["dead-lettered", "duplicate"]
    assert stored_at_failure == [None, None], "the offset never passed the message that was not parked"
    assert applied == ["h1"]
    assert [body for body, _ in dead_letters] == [b"{not json"]
    assert await offset_of(consumer) == 31


async def test_replay_resets_what_the_events_built_and_reads_from_the_first(
    consumer: Any, consumer_url: str, make_event: Any
) -> None:
    for n in range(3):
        await consumer.handle(raw(make_event, f"r{n}"), offset=n)
    assert await rows(consumer, EFFECTS) == 3
    await replay.reset(consumer.db)
    assert await rows(consumer, EFFECTS) == 0
    assert await rows(consumer, ProcessedMessage) == 0
    assert await offset_of(consumer) is None
    restarted = create_consumer(database_url=consumer_url)
    await prepare(restarted)
    assert restarted.position == {"x-stream-offset": "first"}
    await restarted.db.dispose()
    # Read again from the first, the same events apply again: nothing says they were seen.
    assert [await consumer.handle(raw(make_event, f"r{n}"), offset=n) for n in range(3)] == ["applied"] * 3
