"""The idempotency guard: an inbox of processed message ids, in the effect's transaction."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from {{ cookiecutter.__consumer_pkg }}.models import ProcessedMessage


async def already_processed(session: AsyncSession, message_id: str) -> bool:
    """True if the message was applied before (a redelivery or a duplicate publish)."""
    return await session.get(ProcessedMessage, message_id) is not None


async def mark_processed(session: AsyncSession, message_id: str) -> None:
    """Record the message as applied; commits with the effect or not at all.

    Two concurrent deliveries of one message collide on the primary key: one transaction
    fails, is retried, and then sees the message as already processed.
    """
    session.add(ProcessedMessage(message_id=message_id, processed_at=datetime.now(UTC)))
    await session.flush()
