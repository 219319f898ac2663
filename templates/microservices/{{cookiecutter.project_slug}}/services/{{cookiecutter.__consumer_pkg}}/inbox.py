"""The idempotency guard: an inbox of processed message ids, in the effect's transaction."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from {{ cookiecutter.__consumer_pkg }}.models import ProcessedMessage


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
