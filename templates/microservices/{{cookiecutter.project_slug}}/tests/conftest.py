{%- set e = cookiecutter.__entity_snake -%}
{%- set b = broker_profiles()[cookiecutter.broker] -%}
{%- import 'brokers/' ~ cookiecutter.broker ~ '/tests.py.j2' as part with context -%}
{%- import 'apis/' ~ cookiecutter.api ~ '/conftest.py.j2' as api_part with context -%}
"""Shared fixtures: each service on its own SQLite file, HTTP through ASGI (no server, no Docker)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path{{ api_part.imports() }}
{%- if cookiecutter.__event %}
from typing import Any
{%- endif %}

import httpx
import pytest
from fastapi import FastAPI
{%- if cookiecutter.__event %}
{{ part.conftest_imports() }}
{%- endif %}
from {{ cookiecutter.__owner_pkg }}.app import create_app as create_owner_app

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = httpx.Timeout(5.0){{ api_part.setup() }}

{%- if cookiecutter.__event and part.conftest_helpers is defined %}
{{ part.conftest_helpers() }}
{%- endif %}


@pytest.fixture
def owner_url(tmp_path: Path) -> str:
    """The owner's own database."""
    return f"sqlite+aiosqlite:///{tmp_path / 'owner.db'}"


@pytest.fixture
def consumer_url(tmp_path: Path) -> str:
    """The consumer's own database (another file: database per service)."""
    return f"sqlite+aiosqlite:///{tmp_path / 'consumer.db'}"


@pytest.fixture
async def owner_app(owner_url: str) -> AsyncIterator[FastAPI]:
    """The owner application with its tables created."""
    app = create_owner_app(owner_url)
    await app.state.db.create_all()
    yield app
    await app.state.db.dispose()
{{- api_part.fixtures() }}


@pytest.fixture
async def owner(owner_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client talking to the owner in-process."""
    transport = httpx.ASGITransport(app=owner_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://owner", timeout=TIMEOUT) as client:
        yield client


@pytest.fixture
def new_{{ e }}() -> dict[str, object]:
    """A valid {{ cookiecutter.entity }} body."""
    return {
{%- for name, kind in cookiecutter.fields | fields %}
        "{{ name }}": {{ kind | sample(0) }},
{%- endfor %}
    }


@pytest.fixture
def changed_{{ e }}() -> dict[str, object]:
    """Another valid {{ cookiecutter.entity }} body, different in every field."""
    return {
{%- for name, kind in cookiecutter.fields | fields %}
        "{{ name }}": {{ kind | sample(1) }},
{%- endfor %}
    }
{%- if cookiecutter.__event %}


# --- events -----------------------------------------------------------------------------


def idempotent_append(items: list[Any], seen: set[str], key: str, item: Any) -> None:
    """Append ``item`` unless an item with ``key`` was appended already."""
    if key not in seen:
        seen.add(key)
        items.append(item)


def _make_event(
    event_type: str,
    {{ e }}_id: str,
    version: int,
    data: dict[str, object] | None = None,
) -> dict[str, object]:
    """An envelope built by the owner's own code (so tests follow its format)."""
    from datetime import UTC, datetime

    from {{ cookiecutter.__owner_pkg }} import events
    from {{ cookiecutter.__owner_pkg }}.schemas import {{ cookiecutter.entity }}Out

    now = datetime.now(UTC)
    if event_type == events.DELETED:
        return events.deleted({{ e }}_id, version, now)
    out = {{ cookiecutter.entity }}Out(
        {{ e }}_id={{ e }}_id,
        version=version,
        **(data or {}),
    )
    return events.upserted(out, now)


@pytest.fixture
async def consumer(consumer_url: str) -> AsyncIterator[Any]:
    """The consumer with fast retries, its tables created; its broker is not started."""
    from {{ cookiecutter.__consumer_pkg }}.consumer import create_consumer

    created = create_consumer(database_url=consumer_url)
    created.max_attempts = 3
    created.backoff_base = 0.001
    await created.db.create_all()
    yield created
    await created.db.dispose()


@pytest.fixture
def dead_letters(consumer: Any) -> list[tuple[bytes, dict[str, str]]]:
    """Messages the consumer dead-letters, captured by a subscriber on the dead-letter {{ b.dead_letters.kind }}."""
    from {{ cookiecutter.__consumer_pkg }} import messaging

    parked: list[tuple[bytes, dict[str, str]]] = []
    seen: set[str] = set()

    @consumer.broker.subscriber({{ part.dead_letter_subscription() }})
    async def capture(message: Message) -> None:
        # A test subscriber is a consumer too: a redelivered dead letter is recorded once.
        idempotent_append(parked, seen, message.message_id, (message.body, dict(message.headers)))

    return parked


async def _deliver(
    broker: Any,
    raw: bytes,
    key: bytes = b"k",
    routing_key: str = "{{ e }}.upserted",
    content_type: str | None = None,
) -> None:
    """Publish raw bytes where the consumer listens (through the test broker)."""
    {{ part.deliver() }}


@pytest.fixture
def make_event() -> Any:
    """Build an envelope: ``make_event(type, id, version, data)``."""
    return _make_event


@pytest.fixture
def deliver() -> Any:
    """Publish raw bytes where the consumer listens: ``await deliver(broker, raw)``."""
    return _deliver


@pytest.fixture
def test_broker() -> Any:
    """FastStream's in-memory test broker class for the chosen broker."""
    return TestBroker
{%- endif %}
