{%- set E = cookiecutter.entity -%}
{%- set e = cookiecutter.__entity_snake -%}
"""The relay under broker trouble: refused rows parked, no entity starved, quiet reconnects."""

from __future__ import annotations

import json
import logging
import os
import re
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from {{ cookiecutter.__owner_pkg }} import messaging, relay
from {{ cookiecutter.__owner_pkg }}.models import OutboxMessage
from {{ cookiecutter.__owner_pkg }}.relay import BrokerUnavailable, Publisher, relay_once

ROOT = Path(__file__).resolve().parents[1]


class Refused(Exception):
    """Stands for a publish error retrying cannot fix (the broker's own classes vary)."""


@pytest.fixture
def refused(monkeypatch: pytest.MonkeyPatch) -> type[Refused]:
    monkeypatch.setattr(messaging, "PERMANENT_PUBLISH_ERRORS", (*messaging.PERMANENT_PUBLISH_ERRORS, Refused))
    return Refused


async def rows(app: FastAPI) -> list[OutboxMessage]:
    async with app.state.db.sessions() as session:
        return list((await session.scalars(select(OutboxMessage).order_by(OutboxMessage.created_at))).all())


def test_the_broker_s_permanent_errors_are_exception_classes() -> None:
    assert all(issubclass(error, Exception) for error in messaging.PERMANENT_PUBLISH_ERRORS)
    {%- set too_large = broker_profiles()[cookiecutter.broker].too_large_error %}
    from {{ too_large.module.format(owner=cookiecutter.__owner_pkg) }} import {{ too_large.name }}

    assert {{ too_large.name }} in messaging.PERMANENT_PUBLISH_ERRORS


async def test_a_refused_change_is_parked_and_only_its_entity_waits(
    owner: httpx.AsyncClient,
    owner_app: FastAPI,
    new_{{ e }}: dict[str, object],
    refused: type[Refused],
) -> None:
    # The oversized change first, then a backlog behind it larger than a relay batch.
    for _ in range(120):
        await owner.put("/{{ e }}s/stuck", json=new_{{ e }})
    await owner.put("/{{ e }}s/other", json=new_{{ e }})
    published: list[tuple[str, int]] = []

    async def publish(envelope: dict[str, Any]) -> None:
        if envelope["subject"] == "stuck" and envelope["version"] == 1:
            raise refused("message of 5242880 bytes is over the broker's limit")
        published.append((envelope["subject"], envelope["version"]))

    sessions = owner_app.state.db.sessions
    assert await relay_once(sessions, publish, batch=100) == 1
    assert published == [("other", 1)]
    await owner.put("/{{ e }}s/other", json=new_{{ e }})
    assert await relay_once(sessions, publish, batch=100) == 1  # the stuck entity is not tried again
    assert published == [("other", 1), ("other", 2)]

    parked = [row for row in await rows(owner_app) if row.parked_at is not None]
    assert [(row.entity_id, json.loads(row.payload)["version"]) for row in parked] == [("stuck", 1)]
    assert "over the broker's limit" in (parked[0].error or "")
    assert await relay.outbox_counts(sessions) == {"pending": 119, "parked": 1}
    metrics = (await owner.get("/metrics")).text
    assert 'outbox_rows{state="parked"} 1.0' in metrics
    assert 'outbox_rows{state="pending"} 119.0' in metrics

    # Once the broker takes it (its limit raised, say), a retry sends the backlog in order.
    assert await relay.retry_parked(owner_app.state.db.url, [parked[0].id]) == 1
    while await relay_once(
        sessions, lambda envelope: publish({**envelope, "version": envelope["version"] + 1000})
    ):
        pass
    assert [v - 1000 for s, v in published if s == "stuck"] == list(range(1, 121))
    assert await relay.outbox_counts(sessions) == {"pending": 0, "parked": 0}


async def test_an_unreadable_row_is_parked(
    owner: httpx.AsyncClient,
    owner_app: FastAPI,
    new_{{ e }}: dict[str, object],
) -> None:
    async with owner_app.state.db.sessions() as session, session.begin():
        session.add(
            OutboxMessage(
                id="broken",
                entity_id="x",
                event_type="{{ e }}.upserted",
                payload="{not json",
                created_at=datetime.now(UTC),
            )
        )
    await owner.put("/{{ e }}s/y", json=new_{{ e }})
    published: list[str] = []

    async def publish(envelope: dict[str, Any]) -> None:
        published.append(envelope["subject"])

    assert await relay_once(owner_app.state.db.sessions, publish) == 1
    assert published == ["y"]
    [broken] = [row for row in await rows(owner_app) if row.id == "broken"]
    assert broken.parked_at is not None and broken.sent_at is None
    assert (broken.error or "").startswith("JSONDecodeError")


async def test_one_entity_s_backlog_does_not_starve_the_others(
    owner: httpx.AsyncClient, owner_app: FastAPI, new_{{ e }}: dict[str, object]
) -> None:
    for _ in range(150):
        await owner.put("/{{ e }}s/busy", json=new_{{ e }})
    await owner.put("/{{ e }}s/quiet", json=new_{{ e }})
    published: list[str] = []

    async def publish(envelope: dict[str, Any]) -> None:
        if envelope["subject"] == "busy":
            raise ConnectionError("a retryable failure, for this entity only")
        published.append(envelope["subject"])

    assert await relay_once(owner_app.state.db.sessions, publish, batch=100) == 1
    assert published == ["quiet"]
    assert not [row for row in await rows(owner_app) if row.parked_at is not None]  # retryable: not parked


async def test_while_the_broker_is_down_connections_back_off_and_one_line_says_so(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    down = True
    attempts: list[float] = []

    class Connection:
        async def start(self) -> None:
            attempts.append(time.monotonic())
            if down:
                raise ConnectionRefusedError("connection refused")

        async def stop(self) -> None:
            pass

    async def publish(broker: Any, envelope: dict[str, Any]) -> None:
        pass

    monkeypatch.setattr(messaging, "make_broker", lambda url: Connection())
    monkeypatch.setattr(messaging, "publish", publish)
    publisher = Publisher("broker-url")
    publisher.outage.base = publisher.outage.cap = 60.0  # the first wait is 30 to 60 s
    caplog.set_level(logging.INFO, logger=relay.log.name)
    with pytest.raises(ConnectionRefusedError):
        await publisher({"id": "1"})
    for _ in range(50):  # while backing off, no new connection attempt
        with pytest.raises(BrokerUnavailable):
            await publisher({"id": "1"})
    assert len(attempts) == 1
    assert 30 <= publisher.retry_at - time.monotonic() <= 60
    publisher.retry_at = 0  # the wait is over
    with pytest.raises(ConnectionRefusedError):
        await publisher({"id": "1"})
    down, publisher.retry_at = False, 0
    await publisher({"id": "1"})
    await publisher({"id": "2"})
    assert len(attempts) == 3
    messages = [(r.levelname, r.getMessage()) for r in caplog.records if r.name == relay.log.name]
    assert [level for level, _ in messages] == ["WARNING", "INFO"], messages
    assert "unavailable" in messages[0][1] and "back after" in messages[1][1] and "2 failed" in messages[1][1]


def test_the_relay_process_logs_a_broker_outage_once_with_timestamps(tmp_path: Path) -> None:
    """The real relay, its broker nowhere: a few lines, not one traceback per row and pass."""
    database = tmp_path / "owner.db"
    setup = (
        "import asyncio; from {{ cookiecutter.__owner_pkg }}.app import create_app; from {{ cookiecutter.__owner_pkg }} import service;"
        "from {{ cookiecutter.__owner_pkg }}.schemas import {{ E }}In; app = create_app();"
        "asyncio.run(app.state.db.create_all());"
        "[asyncio.run(service.put_{{ e }}(app.state.db.sessions, f'id-{n}', {{ E }}In(**%r))) for n in range(20)]"
    )
    with socket_nobody_listens_on() as port:
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT / "services"),
            "DATABASE_URL": f"sqlite+aiosqlite:///{database}",
            "BROKER_URL": {{ broker_profiles()[cookiecutter.broker].url.on_port | json_str }}.format(port=port),
            "LOG_LEVEL": "INFO",
        }
        new = {
{%- for name, kind in cookiecutter.fields | fields %}
            "{{ name }}": {{ kind | sample(0) }},
{%- endfor %}
        }
        subprocess.run([sys.executable, "-c", setup % new], env=env, check=True, timeout=60)
        log = tmp_path / "relay.log"
        with log.open("w") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "{{ cookiecutter.__owner_pkg }}.relay"],
                env=env,
                stderr=out,
            )
            logged_within(log, "the broker is unavailable", 60)
            time.sleep(3)  # a few more connection attempts
            process.send_signal(signal.SIGTERM)
            process.wait(30)
        stderr = log.read_text()
    lines = stderr.splitlines()
    ours = [line for line in lines if " {{ cookiecutter.__owner_pkg }}.relay: " in line]
    assert "Traceback" not in stderr, stderr[-3000:]
    # The client library may log each connection attempt; backoff keeps those few.
    assert len(lines) <= 40, stderr[-3000:]
    assert [line.split(" ")[3] for line in ours] == ["{{ cookiecutter.__owner_pkg }}.relay:"], lines
    assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ WARNING .*the broker is unavailable", ours[0]), ours


def logged_within(log: Path, text: str, seconds: float) -> None:
    """Wait until ``text`` appears in ``log`` (start-up may be slow on a busy machine)."""
    end = time.monotonic() + seconds
    while text not in log.read_text() and time.monotonic() < end:
        time.sleep(0.1)


class socket_nobody_listens_on:  # noqa: N801 (a context manager, used like a function)
    """A local TCP port that refuses connections, kept bound so no one else takes it."""

    def __enter__(self) -> int:
        import socket

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))  # bound, never listening: connecting is refused
        return int(self.sock.getsockname()[1])

    def __exit__(self, *exc: object) -> None:
        self.sock.close()
