"""The outbox relay: publish pending outbox rows, each entity's in order, then mark them sent.

Run: ``python -m {{ cookiecutter.__owner_pkg }}.relay`` (reads ``DATABASE_URL`` and ``BROKER_URL``).
A crash between publish and mark re-publishes the row later: delivery is at least once,
and consumers are idempotent on the event ``id``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from {{ cookiecutter.__owner_pkg }} import messaging
from {{ cookiecutter.__owner_pkg }}.db import Database
from {{ cookiecutter.__owner_pkg }}.models import OutboxMessage
from {{ cookiecutter.__owner_pkg }}.settings import Settings

log = logging.getLogger("{{ cookiecutter.__owner_pkg }}.relay")
Publish = Callable[[dict[str, Any]], Awaitable[None]]


async def relay_once(sessions: async_sessionmaker[AsyncSession], publish: Publish, batch: int = 100) -> int:
    """Publish up to ``batch`` unsent rows and mark the published ones sent; returns how many.

    Rows of different entities are published concurrently (their confirms are awaited
    together); the rows of one entity go one after another, oldest first, and stop at its
    first failure, so a later change never overtakes an earlier one that has to be retried.
    """
    async with sessions() as session, session.begin():
        query = (
            select(OutboxMessage)
            .where(OutboxMessage.sent_at.is_(None))
            .order_by(OutboxMessage.created_at, OutboxMessage.id)
            .limit(batch)
        )
        # On PostgreSQL two relays skip each other's rows instead of sending them twice.
        if session.bind.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        by_entity: dict[str, list[OutboxMessage]] = {}
        for row in (await session.scalars(query)).all():
            by_entity.setdefault(row.entity_id, []).append(row)

        async def publish_in_order(rows: list[OutboxMessage]) -> list[OutboxMessage]:
            published = []
            for row in rows:
                try:
                    await publish(json.loads(row.payload))
                except Exception:
                    log.exception("publishing outbox row %s failed; will retry", row.id)
                    break
                published.append(row)
            return published

        sent_at = datetime.now(UTC)
        sent = 0
        for published in await asyncio.gather(*map(publish_in_order, by_entity.values())):
            for row in published:
                row.sent_at = sent_at
            sent += len(published)
    return sent


class Publisher:
    """Publishes through one broker connection, and opens a new one after any failure.

    The client's own reconnection was seen to leave a channel closed for good after a
    broker restart; a fresh connection per failure always recovers.
    """

    def __init__(self, broker_url: str) -> None:
        self.broker_url = broker_url
        self.broker: messaging.Broker | None = None
        # Concurrent publishes share one connection: only the first of them opens it.
        self._connecting = asyncio.Lock()

    async def connected(self) -> messaging.Broker:
        """The open connection, opened first if there is none."""
        async with self._connecting:
            if self.broker is None:
                broker = messaging.make_broker(self.broker_url)
                await broker.start()
                self.broker = broker
            return self.broker

    async def __call__(self, envelope: dict[str, Any]) -> None:
        broker = await self.connected()
        try:
            await messaging.publish(broker, envelope)
        except Exception:
            if self.broker is broker:  # a concurrent failure may have replaced it already
                await self.close()
            raise

    async def close(self) -> None:
        """Drop the connection (if any); the next publish opens a new one."""
        broker, self.broker = self.broker, None
        if broker is not None:
            try:
                await broker.stop()
            except Exception:  # closing a broken connection may fail too; it is gone either way
                log.debug("closing the broker connection failed", exc_info=True)


async def run(stop: asyncio.Event | None = None) -> None:
    """Poll the outbox until ``stop`` is set (forever by default)."""
    settings = Settings()
    # How long to wait after a pass found nothing: the most an event waits to be picked up
    # when the outbox was idle (a pass that sent something is followed at once by the next).
    interval = float(os.environ.get("RELAY_POLL_SECONDS", "0.05"))
    db = Database(settings.database_url)
    await db.create_all()
    publisher = Publisher(settings.broker_url)
    stop = stop or asyncio.Event()
    try:
        while not stop.is_set():
            try:
                sent = await relay_once(db.sessions, publisher)
            except Exception:
                log.exception("relay pass failed; retrying")
                sent = 0
            if not sent:
                try:
                    await asyncio.wait_for(stop.wait(), timeout=interval)
                except TimeoutError:
                    pass
    finally:
        await publisher.close()
        await db.dispose()


if __name__ == "__main__":
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"))
    asyncio.run(run())
