{%- set E = cookiecutter.entity -%}
{%- set e = cookiecutter.__entity_snake -%}
{%- set b = broker_profiles()[cookiecutter.broker] -%}
{%- set tracked = b.position == "database" -%}
{%- import 'brokers/' ~ cookiecutter.broker ~ '/consumer.py.j2' as part with context -%}
"""The event consumer of {{ cookiecutter.consumer }} (FastStream).

Run: ``python -m {{ cookiecutter.__consumer_pkg }}.consumer`` (reads ``BROKER_URL``, ``DATABASE_URL``{% if cookiecutter.__replica %}, ``OWNER_URL``{% endif %}).

Each message is handled so that the consumer keeps going whatever arrives:

- idempotent: the effect and the inbox row (``processed_messages``) are written in ONE
  transaction, so a redelivered message is recognised and skipped;
- batched: messages that arrive while a transaction is being written share the next one
  (up to ``CONSUMER_BATCH``, {{ b.docs.batching }}), applied in arrival
  order; if a batch fails, its messages are retried one by one, so one bad message cannot
  hold the others back;
- poison (malformed JSON, unknown type, data breaking the contract schema): retrying
  rarely fixes it, so it goes to the dead-letter {{ b.dead_letters.kind }} after ``CONSUMER_POISON_ATTEMPTS``
  attempts (1, that is at once, unless configured), with the error in the ``x-error``
  header;
- any other failure (database down, a conflict) is retried with exponential backoff and
  jitter, ``CONSUMER_MAX_ATTEMPTS`` times, then dead-lettered the same way;
- a message is acknowledged only after its transaction committed (or it was
  dead-lettered), so a crash mid-way redelivers it.
{%- if tracked %}

The stream hands each message out once: the offset of the last message applied is written
in the batch's transaction (``stream_offsets``), the consumer starts after it, and a batch
that fails is retried before any message after it, and the offset only moves on over
offsets all written (never over a message that did not reach the consumer), so that it
never passes a message not yet recorded.
{%- endif %}
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

{%- if part.run is defined %}{# the broker's partials run the consumer without FastStream's app #}
from faststream import StreamMessage
{%- else %}
from faststream import AckPolicy, FastStream, StreamMessage
{%- endif %}
{{ part.imports() }}
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from {{ cookiecutter.__consumer_pkg }} import messaging
{%- if cookiecutter.__replica %}
from {{ cookiecutter.__consumer_pkg }} import projector
{%- endif %}
from {{ cookiecutter.__consumer_pkg }}.contracts import PoisonMessage, parse
from {{ cookiecutter.__consumer_pkg }}.db import Database
{%- if tracked %}
from {{ cookiecutter.__consumer_pkg }}.inbox import (
    already_processed,
    mark_processed,
    save_offset,
    stored_offset,
)
{%- else %}
from {{ cookiecutter.__consumer_pkg }}.inbox import already_processed, mark_processed
{%- endif %}
from {{ cookiecutter.__consumer_pkg }}.metrics import EVENTS
{%- if not cookiecutter.__replica %}
from {{ cookiecutter.__consumer_pkg }}.models import {{ E }}Change
{%- endif %}
{%- if part.run is defined %}
from {{ cookiecutter.__consumer_pkg }}.outage import Outage, quiet_client_logs
{%- else %}
from {{ cookiecutter.__consumer_pkg }}.outage import Outage, quiet_client_logs, watch
{%- endif %}
from {{ cookiecutter.__consumer_pkg }}.settings import Settings

log = logging.getLogger("{{ cookiecutter.__consumer_pkg }}.consumer")


async def apply_effects(session: AsyncSession, envelopes: list[dict[str, Any]]) -> None:
    """What this service does with events, in order, inside the caller's transaction."""
{%- if cookiecutter.__replica %}
    await projector.apply_events(session, envelopes)
{%- else %}
    session.add_all(
        {{ E }}Change(
            {{ e }}_id=envelope["data"]["{{ e }}_id"],
            event_type=envelope["type"],
            version=envelope["version"],
            occurred_at=datetime.fromisoformat(envelope["time"]),
            received_at=datetime.now(UTC),
        )
        for envelope in envelopes
    )
{%- endif %}


async def process_events(
{%- if tracked %}
    sessions: async_sessionmaker[AsyncSession],
    envelopes: list[dict[str, Any]],
    offset: int | None = None,
{%- else %}
    sessions: async_sessionmaker[AsyncSession], envelopes: list[dict[str, Any]]
{%- endif %}
) -> list[bool]:
    """Apply events in order, each exactly once, in ONE transaction; per event, False if it
    had been processed already (before, or earlier in ``envelopes``).{% if tracked %} ``offset``, the
    stream offset read up to, is recorded in the same transaction.{% endif %}"""
    applied: list[bool] = []
    async with sessions() as session, session.begin():
        seen = await already_processed(session, {envelope["id"] for envelope in envelopes})
        fresh: list[dict[str, Any]] = []
        for envelope in envelopes:
            applied.append(envelope["id"] not in seen)
            if applied[-1]:
                seen.add(envelope["id"])
                fresh.append(envelope)
        await apply_effects(session, fresh)
        await mark_processed(session, [envelope["id"] for envelope in fresh])
{%- if tracked %}
        if offset is not None:
            await save_offset(session, messaging.STREAM.name, offset)
{%- endif %}
    return applied


Pending = tuple[bytes, bytes | None, {% if tracked %}int | None, {% endif %}"asyncio.Future[str]"]


@dataclass
class Consumer:
    """The broker, the database and the retry policy of this consumer."""

    broker: messaging.Broker
    db: Database
    max_attempts: int = 5
    poison_attempts: int = 1
    backoff_base: float = 0.2
    backoff_max: float = 10.0
    max_batch: int = 100
{%- if tracked %}
    #: The subscription's arguments: where it reads the stream from (``prepare`` sets it from
    #: the database; moved on after each batch, so that a reconnection resumes there).
    position: dict[str, Any] = field(default_factory=lambda: messaging.start_at(None))
    #: The offset to record next (None: the first the stream hands out), and the offsets
    #: written beyond it (see ``_reached``).
    _next: int | None = field(default=None, init=False, repr=False)
    _above: set[int] = field(default_factory=set, init=False, repr=False)
{%- endif %}
    _pending: list[Pending] = field(default_factory=list, init=False, repr=False)
    _writer: asyncio.Task[None] | None = field(default=None, init=False, repr=False)

    def backoff(self, attempt: int) -> float:
        """Full jitter: a random wait up to base * 2**(attempt-1), capped."""
        return random.uniform(0, min(self.backoff_max, self.backoff_base * 2 ** (attempt - 1)))

    async def handle(self, raw: bytes, key: bytes | None = None{% if tracked %}, offset: int | None = None{% endif %}) -> str:
        """Handle one raw message; returns the outcome (applied, duplicate, dead-lettered).

        Messages handed in while a batch is being written are written together next.
        """
        done: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._pending.append((raw, key, {% if tracked %}offset, {% endif %}done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_pending())
        return await done

{%- if tracked %}

    def resume_after(self, offset: int | None) -> None:
        """Read the stream after ``offset`` (None: from the first), from now and after a reconnection."""
        self._next = None if offset is None else offset + 1
        self.position.update(messaging.start_at(offset))

    def _reached(self, offsets: list[int | None]) -> tuple[int | None, set[int]]:
        """The offset to record once a batch of messages at ``offsets`` has its outcomes
        (None: it does not move on), and the offsets then written beyond it.

        Messages reach ``handle`` out of stream order (FastStream gives each a task of its
        own), and one the stream handed out may never reach it (FastStream cancels handlers
        when the connection drops, some before they got here). So the offset recorded moves
        on only over offsets all written: at a gap it stays put, and the subscription renewed
        on reconnection hands the missing message out again, with what followed it (which
        the inbox then drops).
        """
        new = {o for o in offsets if o is not None and (self._next is None or o >= self._next)}
        written = self._above | new
        start = self._next if self._next is not None else min(written, default=None)
        if start is None:
            return None, written
        upto = start
        while upto in written:
            written.discard(upto)
            upto += 1
        return (None if upto == start else upto - 1), written
{%- endif %}

    async def _write_pending(self) -> None:
{%- if tracked %}
        failures = 0
{%- endif %}
        while self._pending:
            batch, self._pending = self._pending[: self.max_batch], self._pending[self.max_batch :]
{%- if tracked %}
            reached, above = self._reached([offset for _, _, offset, _ in batch])
            # Recorded with the batch's last outcome, when every message of it has one.
            offsets: list[int | None] = [None] * len(batch)
            offsets[-1] = reached
{%- endif %}
            try:
                outcomes = await self.handle_batch([(raw, key) for raw, key, *_ in batch]{% if tracked %}, offsets{% endif %})
            except Exception as exc:
{%- if tracked %}
                # The stream will not hand these out again: retry them before anything after.
                failures += 1
                log.warning("a batch of %d failed (%s); retrying it before what follows", len(batch), exc)
                self._pending[:0] = batch
                await asyncio.sleep(self.backoff(failures))
                continue
{%- else %}
                # E.g. the dead-letter destination is down: each handler of the batch raises
                # it, so its message is nacked and redelivered; the next batch still goes.
                for *_, done in batch:
                    if not done.done():
                        done.set_exception(exc)
                continue
{%- endif %}
            except BaseException:
                for *_, done in batch:
                    done.cancel()
                raise
{%- if tracked %}
            failures = 0
            self._above = above
            if reached is not None:
                self.resume_after(reached)
{%- endif %}
            for (*_, done), outcome in zip(batch, outcomes, strict=True):
                if not done.done():  # its handler may have been cancelled meanwhile
                    done.set_result(outcome)
{%- if tracked %}

    async def handle_batch(
        self, messages: list[tuple[bytes, bytes | None]], offsets: list[int | None] | None = None
    ) -> list[str]:
{%- else %}

    async def handle_batch(self, messages: list[tuple[bytes, bytes | None]]) -> list[str]:
{%- endif %}
        """Handle raw messages in order: the valid ones in ONE transaction, falling back to
        one by one (with retries and dead-lettering) for poison or when that fails.{% if tracked %}
        ``offsets`` are the messages' stream offsets, recorded with their effects.{% endif %}"""
        valid: dict[int, dict[str, Any]] = {}
        for index, (raw, _) in enumerate(messages):
            try:
                valid[index] = parse(raw)
            except PoisonMessage:
                pass  # dead-lettered one by one below
{%- if tracked %}
        at = offsets or [None] * len(messages)
        # The batch records the offset read up to its first poison, which is yet to be parked.
        clean = next((index for index in range(len(messages)) if index not in valid), len(messages))
        offset = max((o for o in at[:clean] if o is not None), default=None)
{%- endif %}
        outcomes: dict[int, str] = {}
        tried = 0  # attempts each valid message has had
        if valid:
            tried = 1
            try:
                applied = await process_events(self.db.sessions, list(valid.values()){% if tracked %}, offset{% endif %})
            except Exception as exc:
                log.warning("a batch of %d failed (%s); applying its messages one by one", len(valid), exc)
                await asyncio.sleep(self.backoff(1))
            else:
                outcomes = {i: "applied" if ok else "duplicate" for i, ok in zip(valid, applied, strict=True)}
                for outcome in outcomes.values():
                    EVENTS.labels(outcome=outcome).inc()
        for index, (raw, key) in enumerate(messages):
            if index not in outcomes:
                outcomes[index] = await self._handle_one(raw, key, tried if index in valid else 0{% if tracked %}, at[index]{% endif %})
{%- if tracked %}
        last = max((o for o in at if o is not None), default=None)
        if last is not None and last != offset:
            # Past poison or a failed batch every message has its outcome now (applied, or
            # parked): record the offset read up to in a transaction of its own.
            async with self.db.sessions() as session, session.begin():
                await save_offset(session, messaging.STREAM.name, last)
{%- endif %}
        return [outcomes[index] for index in range(len(messages))]

    async def _handle_one(self, raw: bytes, key: bytes | None, tried: int{% if tracked %}, offset: int | None = None{% endif %}) -> str:
        """One message in its own transaction, after ``tried`` attempts in a batch (whose
        failure may have been another message's, so it always gets one of its own)."""
        attempt = min(tried, self.max_attempts - 1)
        while True:
            attempt += 1
            try:
                envelope = parse(raw)
                [applied] = await process_events(self.db.sessions, [envelope]{% if tracked %}, offset{% endif %})
                outcome = "applied" if applied else "duplicate"
            except Exception as exc:
                poison = isinstance(exc, PoisonMessage)
                if attempt >= (self.poison_attempts if poison else self.max_attempts):
                    error = str(exc) if poison else f"{type(exc).__name__}: {exc}"
                    return await self._dead_letter(raw, key, error, attempt)
                log.warning("attempt %d failed (%s); retrying", attempt, exc)
                await asyncio.sleep(self.backoff(attempt))
                continue
            EVENTS.labels(outcome=outcome).inc()
            return outcome

    async def _dead_letter(self, raw: bytes, key: bytes | None, error: str, attempts: int) -> str:
        log.error("dead-lettering a message after %d attempt(s): %s", attempts, error)
        headers = {
            "x-error": error[:1000],
            "x-attempts": str(attempts),
            "x-failed-at": datetime.now(UTC).isoformat(),
        }
        await messaging.dead_letter(self.broker, raw, key, headers)
        EVENTS.labels(outcome="dead-lettered").inc()
        return "dead-lettered"


async def undecoded(message: StreamMessage[Any]) -> bytes:
    """The body as it came: ``parse`` judges it, so bad JSON is dead-lettered, never dropped."""
    return message.body


def create_consumer(settings: Settings | None = None, database_url: str | None = None) -> Consumer:
    """The consumer with its subscriber registered on a new broker (not started)."""
    settings = settings or Settings()
    broker = messaging.make_broker(settings.broker_url)
    consumer = Consumer(
        broker=broker,
        db=Database(database_url or settings.database_url),
        max_attempts=int(os.environ.get("CONSUMER_MAX_ATTEMPTS", "5")),
        poison_attempts=int(os.environ.get("CONSUMER_POISON_ATTEMPTS", "1")),
        backoff_base=float(os.environ.get("CONSUMER_BACKOFF_SECONDS", "0.2")),
        max_batch=int(os.environ.get("CONSUMER_BATCH", "100")),
    )

    {{ part.subscriber() }}

    return consumer


async def prepare(consumer: Consumer) -> bool:
    """Create the tables before the broker starts{% if tracked %} and read where to start in the stream
    (``position``){% endif %}; True if the replica must be bootstrapped."""
    await consumer.db.create_all()
{%- if tracked %}
    async with consumer.db.sessions() as session:
        consumer.resume_after(await stored_offset(session, messaging.STREAM.name))
{%- endif %}
{%- if cookiecutter.__replica %}
    async with consumer.db.sessions() as session:
        return not await projector.replica_size(session)
{%- else %}
    return False
{%- endif %}


async def after_start(consumer: Consumer, needs_bootstrap: bool) -> None:
    """Once the broker runs (its queue exists, so no event is lost from here on){% if cookiecutter.__replica %}, copy what was there before{% endif %}."""{{ part.after_start() }}
{%- if cookiecutter.__replica %}
    if needs_bootstrap:
        from {{ cookiecutter.__consumer_pkg }} import bootstrap

        # Events applied meanwhile are safe: both paths go through the projector's version check.
        await bootstrap.bootstrap_from_owner(consumer.db, Settings().owner_url)
{%- else %}
    del needs_bootstrap  # nothing to copy without a replica
{%- endif %}


async def start_consumer(database_url: str | None = None) -> Consumer:
    """Create the tables, start consuming in the background{% if cookiecutter.__replica %}, then bootstrap an empty replica{% endif %}."""
    consumer = create_consumer(database_url=database_url)
    needs_bootstrap = await prepare(consumer)
    await consumer.broker.start()
    await after_start(consumer, needs_bootstrap)
    return consumer


async def wait_for_broker(broker: messaging.Broker, outage: Outage, timeout: float = 5.0) -> None:
    """Connect, retrying with capped exponential backoff and jitter while no broker answers
    (an attempt with no answer within ``timeout`` seconds counts as failed): one log line
    when that starts, one when connected, instead of dying at start-up."""
    while True:
        try:
            await asyncio.wait_for(broker.connect(), timeout=timeout)
        except Exception as exc:
            await asyncio.sleep(outage.failed(exc))
            continue
        outage.recovered()
        return


async def main() -> None:
    """Run the consumer until interrupted."""
    from prometheus_client import start_http_server

    consumer = create_consumer()
    needs_bootstrap = await prepare(consumer)
    # The consumer's own metrics{% if cookiecutter.__replica %} (replication lag){% endif %}, apart from the HTTP app's.
    start_http_server(int(os.environ.get("CONSUMER_METRICS_PORT", "9102")))
    outage = Outage("the broker", log, base=0.2, cap=10.0)
    await wait_for_broker(consumer.broker, outage)
{%- if part.run is defined %}
    {{ part.run() }}
{%- else %}
    app = FastStream(consumer.broker)
    watching: list[asyncio.Task[None]] = []

    @app.after_startup
    async def started() -> None:
        await after_start(consumer, needs_bootstrap)
        # The client reconnects by itself after start-up; this says when it lost the broker.
        watching.append(asyncio.create_task(watch(consumer.broker, outage)))

    try:
        await app.run()
    finally:
        for task in watching:
            task.cancel()
        await consumer.db.dispose()
{%- endif %}


if __name__ == "__main__":
    logging.basicConfig(
        level=os.environ.get("LOG_LEVEL", "INFO"), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    quiet_client_logs()
    asyncio.run(main())
