{%- set e = cookiecutter.__entity_snake -%}
{%- set b = broker_profiles()[cookiecutter.broker] -%}
{%- import 'brokers/' ~ cookiecutter.broker ~ '/tests.py.j2' as part with context -%}
"""The relay publishes pending outbox rows to the broker and marks them sent."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
{{ part.relay_imports() }}
from {{ cookiecutter.__owner_pkg }} import messaging
from {{ cookiecutter.__owner_pkg }}.models import OutboxMessage
from {{ cookiecutter.__owner_pkg }}.relay import Publisher, relay_once


def idempotent_received(received: list[Any], seen: set[str], envelope: dict[str, Any], key: Any) -> None:
    """Record a published event once per event id, as a real consumer would."""
    if envelope["id"] not in seen:
        seen.add(envelope["id"])
        received.append((envelope, key))


async def sent_flags(app: FastAPI) -> list[bool]:
    async with app.state.db.sessions() as session:
        rows = (await session.scalars(select(OutboxMessage).order_by(OutboxMessage.created_at))).all()
    return [row.sent_at is not None for row in rows]


async def test_relay_publishes_each_entitys_changes_in_order_and_marks_sent(
    owner: httpx.AsyncClient,
    owner_app: FastAPI,
    new_{{ e }}: dict[str, object],
    test_broker: Any,
) -> None:
    changes = ["id-0", "id-1", "id-0", "id-2", "id-0"]
    for entity_id in changes:
        await owner.put(
            f"/{{ e }}s/{entity_id}",
            json=new_{{ e }},
        )
    broker = messaging.make_broker({{ b.url.local | json_str }})
    received: list[tuple[dict[str, Any], Any]] = []
    seen: set[str] = set()

    {{ part.relay_listen() }}

    async with test_broker(broker):
        sent = await relay_once(owner_app.state.db.sessions, lambda env: messaging.publish(broker, env))
        assert sent == len(changes)
        assert await sent_flags(owner_app) == [True] * len(changes)
        # Nothing left: a second pass publishes nothing again.
        assert await relay_once(owner_app.state.db.sessions, lambda env: messaging.publish(broker, env)) == 0

    # Different entities go concurrently, in any order; one entity's changes in order.
    assert sorted(envelope["subject"] for envelope, _ in received) == sorted(changes)
    assert [envelope["version"] for envelope, _ in received if envelope["subject"] == "id-0"] == [1, 2, 3]
    {{ part.relay_keys() }}


async def test_a_failed_publish_leaves_the_row_pending(
    owner: httpx.AsyncClient, owner_app: FastAPI, new_{{ e }}: dict[str, object]
) -> None:
    await owner.put("/{{ e }}s/a", json=new_{{ e }})
    await owner.put("/{{ e }}s/b", json=new_{{ e }})
    published: list[str] = []

    async def fail_second(envelope: dict[str, Any]) -> None:
        if published:
            raise ConnectionError("broker down")
        published.append(envelope["subject"])

    assert await relay_once(owner_app.state.db.sessions, fail_second) == 1
    assert await sent_flags(owner_app) == [True, False]


async def test_a_failed_publish_holds_back_that_entitys_later_changes_only(
    owner: httpx.AsyncClient, owner_app: FastAPI, new_{{ e }}: dict[str, object]
) -> None:
    await owner.put("/{{ e }}s/a", json=new_{{ e }})
    await owner.put("/{{ e }}s/b", json=new_{{ e }})
    await owner.put("/{{ e }}s/a", json=new_{{ e }})
    attempted: list[tuple[str, int]] = []

    async def fail_a(envelope: dict[str, Any]) -> None:
        attempted.append((envelope["subject"], envelope["version"]))
        if envelope["subject"] == "a":
            raise ConnectionError("broker down")

    assert await relay_once(owner_app.state.db.sessions, fail_a) == 1
    # a's second change was not even tried: it must not overtake the first.
    assert sorted(attempted) == [("a", 1), ("b", 1)]
    assert await sent_flags(owner_app) == [False, True, False]


async def test_a_failed_publish_drops_the_connection_and_the_next_opens_a_new_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    opened: list[Any] = []
    stopped: list[Any] = []

    class Connection:
        async def start(self) -> None:
            opened.append(self)

        async def stop(self) -> None:
            stopped.append(self)

    used: list[Any] = []

    async def publish(broker: Any, envelope: dict[str, Any]) -> None:
        used.append(broker)
        if len(used) == 1:
            raise ConnectionError("broker restarted")

    monkeypatch.setattr(messaging, "make_broker", lambda url: Connection())
    monkeypatch.setattr(messaging, "publish", publish)
    publisher = Publisher("broker-url")
    with pytest.raises(ConnectionError):
        await publisher({"id": "1"})
    await publisher({"id": "1"})
    assert len(opened) == 2
    assert stopped == [opened[0]]
    assert used == opened
