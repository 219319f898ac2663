{%- set E = cookiecutter.entity -%}
{%- set e = cookiecutter.__entity_snake -%}
"""Events of {{ cookiecutter.owner }}: CloudEvents-named envelopes, stored in the outbox.

The envelope carries ``schemaversion`` (the data schema's major version, matching
``contracts/events/<type>/v<N>.schema.json``) and ``version``, the {{ e }}'s own version,
which consumers use to ignore stale or out-of-order events. ``dataschema`` is that schema's
``$id``: CloudEvents wants a URI there, and a path relative to this repository is none.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from {{ cookiecutter.__owner_pkg }}.models import OutboxMessage
from {{ cookiecutter.__owner_pkg }}.schemas import {{ E }}Out

SOURCE = "/{{ cookiecutter.owner }}"
UPSERTED = "{{ e }}.upserted"
DELETED = "{{ e }}.deleted"
SCHEMA_VERSION = 1
#: Kafka topic / RabbitMQ topic exchange the relay publishes to.
CHANNEL = "{{ e }}.events"


def dataschema(event_type: str, version: int = SCHEMA_VERSION) -> str:
    """The URI of an event type's data schema: the ``$id`` of its contract file."""
    return f"urn:{{ cookiecutter.owner }}:events:{event_type}:v{version}"


def _envelope(
    event_type: str, entity_id: str, version: int, at: datetime, data: dict[str, Any]
) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": uuid.uuid4().hex,
        "source": SOURCE,
        "type": event_type,
        "subject": entity_id,
        "time": at.isoformat(),
        "datacontenttype": "application/json",
        "dataschema": dataschema(event_type),
        "schemaversion": SCHEMA_VERSION,
        "version": version,
        "data": data,
    }


def upserted({{ e }}: {{ E }}Out, at: datetime) -> dict[str, Any]:
    """The event saying a {{ e }} was created or changed; ``data`` is its full state."""
    return _envelope(
        UPSERTED,
        {{ e }}.{{ e }}_id,
        {{ e }}.version,
        at,
        {{ e }}.model_dump(),
    )


def deleted({{ e }}_id: str, version: int, at: datetime) -> dict[str, Any]:
    """The event saying a {{ e }} was deleted."""
    return _envelope(
        DELETED,
        {{ e }}_id,
        version,
        at,
        {"{{ e }}_id": {{ e }}_id, "version": version},
    )


async def record(session: AsyncSession, envelope: dict[str, Any]) -> None:
    """Add the event to the outbox in the caller's transaction (never commits by itself)."""
    # A plain INSERT, sent now: no ORM object for the session to track and flush later.
    await session.execute(
        insert(OutboxMessage).values(
            id=envelope["id"],
            entity_id=envelope["subject"],
            event_type=envelope["type"],
            payload=json.dumps(envelope),
            created_at=datetime.fromisoformat(envelope["time"]),
        )
    )
