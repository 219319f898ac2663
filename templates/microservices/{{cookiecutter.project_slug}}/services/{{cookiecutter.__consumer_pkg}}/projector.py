{%- set E = cookiecutter.entity -%}
{%- set e = cookiecutter.__entity_snake -%}
"""The ONLY writer of the {{ E }} replica (``advisor check`` enforces it).

Changes are applied in version order per {{ e }}: anything not newer than what the replica
holds is stale and ignored, so redelivered, duplicated or reordered events are harmless.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from {{ cookiecutter.__consumer_pkg }}.metrics import REPLICATION_LAG
from {{ cookiecutter.__consumer_pkg }}.models import {{ E }}Replica
{% set names = cookiecutter.fields | fields | map(attribute=0) | list %}
{%- if names | length == 1 %}
FIELDS = ("{{ names[0] }}",)
{%- else %}
FIELDS = (
{%- for name in names %}
    "{{ name }}",
{%- endfor %}
)
{%- endif %}
UPSERTED = "{{ e }}.upserted"


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


#: What the upsert writes besides the id: the fields and the replica's own bookkeeping.
WRITTEN = (*FIELDS, "version", "deleted", "source_time", "replicated_at")
#: Rows per statement: within SQLite's oldest limit of 999 bound parameters.
CHUNK = max(1, 999 // (len(WRITTEN) + 1))


def _row(
    {{ e }}_id: str,
    version: int,
    data: dict[str, Any] | None,
    at: datetime,
) -> dict[str, Any]:
    """The replica row for ``data`` (None: a tombstone) at ``version``."""
    row: dict[str, Any] = {name: (data or {}).get(name) for name in FIELDS}
    row.update(
        {{ e }}_id={{ e }}_id,
        version=version,
        deleted=data is None,
        source_time=at,
    )
    return row


async def _apply(session: AsyncSession, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Upsert each row whose ``version`` is newer than the replica's; the rows written.

    One atomic conditional upsert per chunk of rows, so the start-up bootstrap and the event
    consumer (or two consumer instances) can write the same {{ e }} at once: the newest
    version wins, whatever the order. Of several rows for one {{ e }}, only the newest is
    written: the others are stale already.
    """
    newest: dict[str, dict[str, Any]] = {}
    for row in rows:
        kept = newest.get(row["{{ e }}_id"])
        if kept is None or row["version"] > kept["version"]:
            newest[row["{{ e }}_id"]] = row
    now = datetime.now(UTC)
    values = [{**row, "replicated_at": now} for row in newest.values()]
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    written: set[str] = set()
    for start in range(0, len(values), CHUNK):
        insert = dialect.insert({{ E }}Replica).values(values[start : start + CHUNK])
        statement = insert.on_conflict_do_update(
            index_elements=[{{ E }}Replica.{{ e }}_id],
            set_={name: insert.excluded[name] for name in WRITTEN},
            where={{ E }}Replica.version < insert.excluded.version,
        ).returning({{ E }}Replica.{{ e }}_id)
        written.update((await session.scalars(statement)).all())
    return [row for entity_id, row in newest.items() if entity_id in written]


async def apply_events(session: AsyncSession, envelopes: list[dict[str, Any]]) -> list[bool]:
    """Apply validated {{ e }} events together; per event, False when it is stale."""
    rows = []
    for envelope in envelopes:
        data = envelope["data"]
        at = _aware(datetime.fromisoformat(envelope["time"]))
        rows.append(
            _row(
                data["{{ e }}_id"],
                envelope["version"],
                data if envelope["type"] == UPSERTED else None,
                at,
            )
        )
    written = {id(row) for row in await _apply(session, rows)}
    now = datetime.now(UTC)
    for row in rows:
        if id(row) in written:
            REPLICATION_LAG.observe(max(0.0, (now - row["source_time"]).total_seconds()))
    return [id(row) in written for row in rows]


async def apply_snapshots(session: AsyncSession, items: list[dict[str, Any]], at: datetime) -> int:
    """Apply rows of the owner's export (bootstrap); how many were newer than the replica."""
    rows = [_row(item["{{ e }}_id"], item["version"], item, at) for item in items]
    return len(await _apply(session, rows))


async def replica_size(session: AsyncSession) -> int:
    """How many {{ e }}s the replica holds (tombstones included)."""
    return int(
        await session.scalar(select(func.count()).select_from({{ E }}Replica)) or 0,
    )
