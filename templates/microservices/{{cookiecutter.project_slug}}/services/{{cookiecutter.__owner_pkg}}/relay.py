"""The outbox relay: publish pending outbox rows, each entity's in order, then mark them sent.

Run: ``python -m {{ cookiecutter.__owner_pkg }}.relay`` (reads ``DATABASE_URL`` and ``BROKER_URL``).
A crash between publish and mark re-publishes the row later: delivery is at least once,
and consumers are idempotent on the event ``id``.

A row the broker refuses for good (``messaging.PERMANENT_PUBLISH_ERRORS``, or a payload
that is no JSON) is parked with its error; its entity's later rows wait behind it, every
other entity goes on. ``python -m {{ cookiecutter.__owner_pkg }}.relay parked`` lists parked rows,
``... retry ID [ID ...]`` (or ``--all``) sends them again; the owner's ``/metrics`` counts them.
Any other failure (the broker or the database away) is retried with capped exponential
backoff and jitter, logged once when it starts and once when it ends.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from {{ cookiecutter.__owner_pkg }} import messaging
from {{ cookiecutter.__owner_pkg }}.db import Database
from {{ cookiecutter.__owner_pkg }}.models import NOTIFY_CHANNEL, OutboxMessage
from {{ cookiecutter.__owner_pkg }}.outage import Outage, quiet_client_logs, watch
from {{ cookiecutter.__owner_pkg }}.settings import Settings

log = logging.getLogger("{{ cookiecutter.__owner_pkg }}.relay")
Publish = Callable[[dict[str, Any]], Awaitable[None]]
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


async def relay_once(
    sessions: async_sessionmaker[AsyncSession], publish: Publish, batch: int = 100, per_entity: int = 10
) -> int:
    """Publish up to ``batch`` unsent rows and mark the published ones sent; returns how many.

    The rows are the oldest unsent ones, at most ``per_entity`` of any one entity, so one
    entity's backlog cannot crowd the others out; an entity with a parked row is skipped.
    Rows of different entities are published concurrently (their confirms are awaited
    together); the rows of one entity go one after another, oldest first, and stop at its
    first failure, so a later change never overtakes an earlier one that has to be retried.
    """
    async with sessions() as session, session.begin():
        unsent = OutboxMessage.sent_at.is_(None)
        parked = select(OutboxMessage.entity_id).where(unsent, OutboxMessage.parked_at.is_not(None))
        order = (OutboxMessage.created_at, OutboxMessage.id)
        ranked = (
            select(
                OutboxMessage.id,
                func.row_number().over(partition_by=OutboxMessage.entity_id, order_by=order).label("rank"),
            )
            .where(unsent, OutboxMessage.entity_id.not_in(parked))
            .subquery()
        )
        # Plain rows, not ORM objects: the relay only reads them and marks them by id.
        columns = (
            OutboxMessage.id,
            OutboxMessage.entity_id,
            OutboxMessage.event_type,
            OutboxMessage.payload,
        )
        query = (
            select(*columns)
            .where(OutboxMessage.id.in_(select(ranked.c.id).where(ranked.c.rank <= per_entity)))
            .order_by(*order)
            .limit(batch)
        )
        # On PostgreSQL two relays skip each other's rows instead of sending them twice.
        if session.bind.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        by_entity: dict[str, list[Row[Any]]] = {}
        for row in (await session.execute(query)).all():
            by_entity.setdefault(row.entity_id, []).append(row)

        refused: dict[str, str] = {}  # row id -> why, for the rows to park

        async def publish_in_order(rows: list[Row[Any]]) -> list[str]:
            published = []
            for row in rows:
                try:
                    await publish(json.loads(row.payload))
                except (ValueError, *messaging.PERMANENT_PUBLISH_ERRORS) as exc:
                    # Retrying cannot help: park it, and its entity waits (order is kept).
                    refused[row.id] = _describe(exc)[:2000]
                    log.error(
                        "parked outbox row %s (%s of %s): %s; its later changes wait until "
                        "`python -m {{ cookiecutter.__owner_pkg }}.relay retry %s`",
                        row.id,
                        row.event_type,
                        row.entity_id,
                        refused[row.id],
                        row.id,
                    )
                    break
                except Exception as exc:
                    log.debug("publishing outbox row %s failed (%s); will retry", row.id, _describe(exc))
                    break
                published.append(row.id)
            return published

        published = await asyncio.gather(*map(publish_in_order, by_entity.values()))
        sent = [row_id for ids in published for row_id in ids]
        now = datetime.now(UTC)
        if sent:
            # One statement marks the whole batch sent, not one UPDATE per row.
            mark_sent = update(OutboxMessage).where(OutboxMessage.id.in_(sent))
            await session.execute(mark_sent.values(sent_at=now))
        for row_id, error in refused.items():
            park = update(OutboxMessage).where(OutboxMessage.id == row_id)
            await session.execute(park.values(parked_at=now, error=error))
    return len(sent)


class BrokerUnavailable(ConnectionError):
    """The last connection attempt failed and the backoff before the next has not passed."""


class Publisher:
    """Publishes through one broker connection, and opens a new one after any failure.

    The client's own reconnection was seen to leave a channel closed for good after a
    broker restart; a fresh connection per failure always recovers. While connecting
    fails, attempts are spaced by :class:`Outage`'s backoff; publishes in between fail
    at once with :class:`BrokerUnavailable`.
    """

    def __init__(self, broker_url: str) -> None:
        self.broker_url = broker_url
        self.broker: messaging.Broker | None = None
        self.outage = Outage("the broker", log)
        self.retry_at = 0.0
        self.connect_timeout = 5.0
        # Concurrent publishes share one connection: only the first of them opens it.
        self._connecting = asyncio.Lock()

    async def connected(self) -> messaging.Broker:
        """The open connection, opened first if there is none."""
        async with self._connecting:
            if self.broker is None:
                if time.monotonic() < self.retry_at:
                    raise BrokerUnavailable(
                        f"backing off after {self.outage.attempts} failed connection attempt(s)"
                    )
                broker = messaging.make_broker(self.broker_url)
                try:
                    # Some clients retry a first connection for minutes, silently (NATS):
                    # an attempt with no answer by then counts as failed.
                    await asyncio.wait_for(broker.start(), timeout=self.connect_timeout)
                except Exception as exc:
                    self.retry_at = time.monotonic() + self.outage.failed(exc)
                    await self._stop(broker)
                    raise
                self.broker = broker
            return self.broker

    async def __call__(self, envelope: dict[str, Any]) -> None:
        broker = await self.connected()
        try:
            await messaging.publish(broker, envelope)
        except messaging.PERMANENT_PUBLISH_ERRORS:
            raise  # this message is refused; the connection is fine
        except Exception as exc:
            if self.broker is broker:  # a concurrent failure may have replaced it already
                self.outage.failed(exc)
                await self.close()
            raise
        self.outage.recovered()

    async def close(self) -> None:
        """Drop the connection (if any); the next publish opens a new one."""
        broker, self.broker = self.broker, None
        if broker is not None:
            await self._stop(broker)

    async def watch(self) -> None:
        """Ping the open connection, forever: an outage is noticed (and said once), and its
        end, also while a publish waits inside the client."""
        while True:
            broker = self.broker
            if broker is None:
                await asyncio.sleep(1.0)
            else:
                # Returns when the connection is replaced (after a failed publish).
                watching = asyncio.create_task(watch(broker, self.outage))
                while self.broker is broker:
                    await asyncio.sleep(1.0)
                watching.cancel()

    @staticmethod
    async def _stop(broker: messaging.Broker) -> None:
        try:
            await broker.stop()
        except Exception:  # closing a broken connection may fail too; it is gone either way
            log.debug("closing the broker connection failed", exc_info=True)


async def outbox_counts(sessions: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    """Unsent outbox rows: ``pending`` (to be published) and ``parked`` (refused for good)."""
    state = OutboxMessage.parked_at.is_not(None)
    query = select(state, func.count()).where(OutboxMessage.sent_at.is_(None)).group_by(state)
    async with sessions() as session:
        counts = {bool(is_parked): int(count) for is_parked, count in (await session.execute(query)).all()}
    return {"pending": counts.get(False, 0), "parked": counts.get(True, 0)}


class Wakeup:
    """On PostgreSQL, LISTEN on the outbox's channel: ``event`` is set whenever outbox rows
    commit (models.py's trigger notifies), so the relay need not poll to find them.

    The connection is opened again after it was lost (say, the database restarted); until
    then, and on SQLite, the poll alone finds new rows.
    """

    def __init__(self, db: Database) -> None:
        self.db = db
        self.event = asyncio.Event()
        self.connection: AsyncConnection | None = None
        self.driver: Any = None  # the asyncpg connection under it
        self.retry_at = 0.0

    @property
    def listening(self) -> bool:
        return self.driver is not None and not self.driver.is_closed()

    async def listen(self) -> None:
        """Start listening, if the database can and this is not listening already."""
        if self.db.engine.dialect.name != "postgresql" or self.listening:
            return
        if time.monotonic() < self.retry_at:
            return
        await self.close()
        try:
            self.connection = await self.db.engine.connect()
            raw = await self.connection.get_raw_connection()
            await raw.driver_connection.add_listener(NOTIFY_CHANNEL, self._notified)
        except Exception as exc:
            log.debug("cannot listen for outbox rows (%s); polling", _describe(exc))
            self.retry_at = time.monotonic() + 5.0
            await self.close()
            return
        self.driver = raw.driver_connection

    def _notified(self, *_: object) -> None:
        self.event.set()

    async def close(self) -> None:
        """Stop listening: the connection is closed, not given back to the pool."""
        connection, self.connection, self.driver = self.connection, None, None
        if connection is not None:
            try:
                await connection.invalidate()
                await connection.close()
            except Exception:  # a lost connection may fail to close; it is gone either way
                log.debug("closing the listening connection failed", exc_info=True)


async def run(stop: asyncio.Event | None = None) -> None:
    """Relay outbox rows until ``stop`` is set (forever by default)."""
    settings = Settings()
    # How long to wait after a pass found nothing: the most an event waits to be picked up
    # when the outbox was idle (a pass that sent something is followed at once by the next).
    interval = float(os.environ.get("RELAY_POLL_SECONDS", "0.05"))
    db = Database(settings.database_url)
    await db.create_all()
    publisher = Publisher(settings.broker_url)
    database = Outage("the outbox database", log, traceback=True)
    wakeup = Wakeup(db)
    stop = stop or asyncio.Event()
    watching = asyncio.create_task(publisher.watch())
    stopping = asyncio.create_task(stop.wait())
    try:
        while not stop.is_set():
            wait = interval
            # Cleared before the pass: a row committed during it wakes the next one at once.
            wakeup.event.clear()
            try:
                await wakeup.listen()
                sent = await relay_once(db.sessions, publisher)
            except Exception as exc:
                sent, wait = 0, database.failed(exc)
            else:
                database.recovered()
                if wakeup.listening:
                    # Woken by notifications, the poll only backs them up: once a second.
                    wait = max(wait, 1.0)
            if not sent:
                # While the broker is away, wait for the next connection attempt.
                wait = max(wait, publisher.retry_at - time.monotonic())
                woken = asyncio.create_task(wakeup.event.wait())
                await asyncio.wait({stopping, woken}, timeout=wait, return_when=asyncio.FIRST_COMPLETED)
                woken.cancel()
    finally:
        watching.cancel()
        stopping.cancel()
        await wakeup.close()
        await publisher.close()
        await db.dispose()


async def list_parked(database_url: str) -> list[dict[str, str]]:
    """Every parked row, oldest first: its id, entity, event type, when and why."""
    db = Database(database_url)
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.sent_at.is_(None), OutboxMessage.parked_at.is_not(None))
        .order_by(OutboxMessage.created_at)
    )
    try:
        async with db.sessions() as session:
            rows = (await session.scalars(query)).all()
            return [
                {
                    "id": row.id,
                    "entity_id": row.entity_id,
                    "event_type": row.event_type,
                    "parked_at": row.parked_at.isoformat() if row.parked_at else "",
                    "error": row.error or "",
                }
                for row in rows
            ]
    finally:
        await db.dispose()


async def retry_parked(database_url: str, ids: Sequence[str] | None) -> int:
    """Un-park rows (all of them when ``ids`` is None), so the relay sends them again."""
    db = Database(database_url)
    query = update(OutboxMessage).where(OutboxMessage.sent_at.is_(None), OutboxMessage.parked_at.is_not(None))
    if ids is not None:
        query = query.where(OutboxMessage.id.in_(ids))
    try:
        async with db.sessions() as session, session.begin():
            done = await session.execute(query.values(parked_at=None, error=None))
            return int(getattr(done, "rowcount", 0))
    finally:
        await db.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    """The relay (no arguments), or the admin commands ``parked`` and ``retry``."""
    parser = argparse.ArgumentParser(
        prog="python -m {{ cookiecutter.__owner_pkg }}.relay",
        description="The outbox relay.",
    )
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("parked", help="list parked outbox rows, one JSON object a line")
    retry = commands.add_parser("retry", help="send parked rows again")
    retry.add_argument("ids", nargs="*", metavar="ID", help="outbox row ids (from `parked`)")
    retry.add_argument("--all", action="store_true", help="every parked row")
    args = parser.parse_args(argv)
    if args.command == "retry" and bool(args.ids) == args.all:
        parser.error("retry: give outbox row ids or --all")
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"), format=LOG_FORMAT)
    quiet_client_logs()
    database_url = Settings().database_url
    if args.command == "parked":
        for row in asyncio.run(list_parked(database_url)):
            print(json.dumps(row, ensure_ascii=False))
    elif args.command == "retry":
        count = asyncio.run(retry_parked(database_url, None if args.all else args.ids))
        print(f"{count} parked row(s) will be sent again")
    else:
        asyncio.run(run())
    return 0


if __name__ == "__main__":
    sys.exit(main())
