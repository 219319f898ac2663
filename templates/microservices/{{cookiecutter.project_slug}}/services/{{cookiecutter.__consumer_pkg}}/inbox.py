{%- set tracked = broker_profiles()[cookiecutter.broker].position == "database" -%}
"""The idempotency guard: an inbox of processed message ids, in the effect's transaction{% if tracked %};
and the consumer's place in the stream, written in that transaction too{% endif %}."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from {{ cookiecutter.__consumer_pkg }}.models import ProcessedMessage{% if tracked %}, StreamOffset{% endif %}


async def already_processed(session: AsyncSession, message_ids: Collection[str]) -> set[str]:
    """Those of ``message_ids`` applied before (redeliveries or duplicate publishes)."""
    query = select(ProcessedMessage.message_id).where(ProcessedMessage.message_id.in_(message_ids))
    return set((await session.scalars(query)).all())


async def mark_processed(session: AsyncSession, message_ids: Collection[str]) -> None:
    """Record the messages as applied; commits with their effects or not at all.

    Two consumers applying one message at once collide on the primary key: one transaction
    fails, is retried, and then sees the message as already processed.
    """
    now = datetime.now(UTC)
    session.add_all(ProcessedMessage(message_id=message_id, processed_at=now) for message_id in message_ids)
    await session.flush()
{%- if tracked %}


async def stored_offset(session: AsyncSession, stream: str) -> int | None:
    """The offset of the last message of ``stream`` recorded (None: read it from the first)."""
    row = await session.get(StreamOffset, stream)
    return None if row is None else row.last_offset


async def save_offset(session: AsyncSession, stream: str, offset: int) -> None:
    """Record that ``stream`` was read up to ``offset``; in the caller's transaction, never backwards."""
    row = await session.get(StreamOffset, stream)
    if row is None:
        session.add(StreamOffset(stream=stream, last_offset=offset))
    elif offset > row.last_offset:
        row.last_offset = offset
    await session.flush()
{%- endif %}
