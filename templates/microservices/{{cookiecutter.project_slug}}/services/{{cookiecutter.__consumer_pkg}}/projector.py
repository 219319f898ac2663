{%- set E = cookiecutter.entity -%}
{%- set e = cookiecutter.__entity_snake -%}
"""The ONLY writer of the {{ E }} replica (``advisor check`` enforces it).

Changes are applied in version order per {{ e }}: anything not newer than what the replica
holds is stale and ignored, so redelivered, duplicated or reordered events are harmless.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from {{ cookiecutter.__consumer_pkg }}.metrics import REPLICATION_LAG
from {{ cookiecutter.__consumer_pkg }}.models import {{ E }}Replica

FIELDS = ({% for name, kind in cookiecutter.fields | fields %}"{{ name }}", {% endfor %})
UPSERTED = "{{ e }}.upserted"


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


#: What the upsert writes besides the id: the fields and the replica's own bookkeeping.
WRITTEN = (*FIELDS, "version", "deleted", "source_time", "replicated_at")


@functools.cache
def _upsert(dialect: str) -> Any:
    """The conditional upsert, built once per dialect (both have ON CONFLICT): building
    it per event cost more CPU than running it."""
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)({{ E }}Replica)
    return insert.on_conflict_do_update(
        index_elements=[{{ E }}Replica.{{ e }}_id],
        set_={name: insert.excluded[name] for name in WRITTEN},
        where={{ E }}Replica.version < insert.excluded.version,
    ).returning({{ E }}Replica.{{ e }}_id)


async def _apply(
    session: AsyncSession, {{ e }}_id: str, version: int, data: dict[str, Any] | None, at: datetime
) -> bool:
    """Upsert (``data``) or tombstone (None) the row if ``version`` is newer; True if applied.

    One atomic statement, so the start-up bootstrap and the event consumer (or two consumer
    instances) can write the same {{ e }} at once: the newest version wins, whatever the order.
    """
    values: dict[str, Any] = {name: (data or {}).get(name) for name in FIELDS}
    values.update(
        {{ e }}_id={{ e }}_id, version=version, deleted=data is None, source_time=at, replicated_at=datetime.now(UTC)
    )
    statement = _upsert(session.get_bind().dialect.name)
    return (await session.execute(statement, values)).first() is not None


async def apply_event(session: AsyncSession, envelope: dict[str, Any]) -> bool:
    """Apply a validated {{ e }} event; False when it is stale."""
    at = _aware(datetime.fromisoformat(envelope["time"]))
    data = envelope["data"]
    applied = await _apply(
        session, data["{{ e }}_id"], envelope["version"], data if envelope["type"] == UPSERTED else None, at
    )
    if applied:
        REPLICATION_LAG.observe(max(0.0, (datetime.now(UTC) - at).total_seconds()))
    return applied


async def apply_snapshot(session: AsyncSession, item: dict[str, Any], at: datetime) -> bool:
    """Apply one row of the owner's export (bootstrap); False when the replica is newer."""
    return await _apply(session, item["{{ e }}_id"], item["version"], item, at)


async def replica_size(session: AsyncSession) -> int:
    """How many {{ e }}s the replica holds (tombstones included)."""
    return int(await session.scalar(select(func.count()).select_from({{ E }}Replica)) or 0)
