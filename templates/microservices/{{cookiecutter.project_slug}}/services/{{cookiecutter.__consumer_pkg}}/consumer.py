{%- set E = cookiecutter.entity -%}
{%- set e = cookiecutter.__entity_snake -%}
"""The event consumer of {{ cookiecutter.consumer_service }} (FastStream).

Run: ``python -m {{ cookiecutter.__consumer_pkg }}.consumer`` (reads ``BROKER_URL``, ``DATABASE_URL``{% if cookiecutter.__replica %}, ``OWNER_URL``{% endif %}).

Each message is handled so that the consumer keeps going whatever arrives:

- idempotent: the effect and the inbox row (``processed_messages``) are written in ONE
  transaction, so a redelivered message is recognised and skipped;
- poison (malformed JSON, unknown type, data breaking the contract schema): retrying
  cannot fix it, so it goes straight to the dead-letter {{ 'topic' if cookiecutter.broker == 'kafka' else 'queue' }} with the error in the
  ``x-error`` header;
- any other failure (database down, a conflict) is retried with exponential backoff and
  jitter, ``CONSUMER_MAX_ATTEMPTS`` times, then dead-lettered the same way;
- the message is acknowledged only after that, so a crash mid-way redelivers it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from faststream import AckPolicy, FastStream, StreamMessage
{%- if cookiecutter.broker == 'kafka' %}
from faststream.kafka.annotations import KafkaMessage as Message
{%- else %}
from faststream.rabbit import Channel
from faststream.rabbit.annotations import RabbitMessage as Message
{%- endif %}
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from {{ cookiecutter.__consumer_pkg }} import messaging
{%- if cookiecutter.__replica %}
from {{ cookiecutter.__consumer_pkg }} import projector
{%- endif %}
from {{ cookiecutter.__consumer_pkg }}.contracts import PoisonMessage, parse
from {{ cookiecutter.__consumer_pkg }}.db import Database
from {{ cookiecutter.__consumer_pkg }}.inbox import already_processed, mark_processed
from {{ cookiecutter.__consumer_pkg }}.metrics import EVENTS
{%- if not cookiecutter.__replica %}
from {{ cookiecutter.__consumer_pkg }}.models import {{ E }}Change
{%- endif %}
from {{ cookiecutter.__consumer_pkg }}.settings import Settings

log = logging.getLogger("{{ cookiecutter.__consumer_pkg }}.consumer")


async def apply_effect(session: AsyncSession, envelope: dict[str, Any]) -> None:
    """What this service does with an event, inside the caller's transaction."""
{%- if cookiecutter.__replica %}
    await projector.apply_event(session, envelope)
{%- else %}
    session.add(
        {{ E }}Change(
            {{ e }}_id=envelope["data"]["{{ e }}_id"],
            event_type=envelope["type"],
            version=envelope["version"],
            occurred_at=datetime.fromisoformat(envelope["time"]),
            received_at=datetime.now(UTC),
        )
    )
{%- endif %}


async def process_event(sessions: async_sessionmaker[AsyncSession], envelope: dict[str, Any]) -> bool:
    """Apply one event exactly once; False if it had been processed already."""
    async with sessions() as session, session.begin():
        if await already_processed(session, envelope["id"]):
            return False
        await apply_effect(session, envelope)
        await mark_processed(session, envelope["id"])
    return True


@dataclass
class Consumer:
    """The broker, the database and the retry policy of this consumer."""

    broker: messaging.Broker
    db: Database
    max_attempts: int = 5
    backoff_base: float = 0.2
    backoff_max: float = 10.0

    def backoff(self, attempt: int) -> float:
        """Full jitter: a random wait up to base * 2**(attempt-1), capped."""
        return random.uniform(0, min(self.backoff_max, self.backoff_base * 2 ** (attempt - 1)))

    async def handle(self, raw: bytes, key: bytes | None = None) -> str:
        """Handle one raw message; returns the outcome (applied, duplicate, dead-lettered)."""
        attempt = 0
        while True:
            attempt += 1
            try:
                envelope = parse(raw)
                outcome = "applied" if await process_event(self.db.sessions, envelope) else "duplicate"
            except PoisonMessage as exc:
                return await self._dead_letter(raw, key, str(exc), attempt)
            except Exception as exc:
                if attempt >= self.max_attempts:
                    return await self._dead_letter(raw, key, f"{type(exc).__name__}: {exc}", attempt)
                log.warning("attempt %d failed (%s); retrying", attempt, exc)
                await asyncio.sleep(self.backoff(attempt))
                continue
            EVENTS.labels(outcome=outcome).inc()
            return outcome

    async def _dead_letter(self, raw: bytes, key: bytes | None, error: str, attempts: int) -> str:
        log.error("dead-lettering a message after %d attempt(s): %s", attempts, error)
        headers = {"x-error": error[:1000], "x-attempts": str(attempts), "x-failed-at": datetime.now(UTC).isoformat()}
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
        backoff_base=float(os.environ.get("CONSUMER_BACKOFF_SECONDS", "0.2")),
    )
{% if cookiecutter.broker == 'kafka' %}
    @broker.subscriber(
        messaging.CHANNEL,
        group_id=messaging.GROUP,
        auto_offset_reset="earliest",
        ack_policy=AckPolicy.ACK,  # commit the offset only after the handler returned
        decoder=undecoded,
    )
    async def on_event(message: Message) -> None:
        await consumer.handle(message.body, message.raw_message.key)
{%- else %}
    @broker.subscriber(
        messaging.QUEUE,
        exchange=messaging.EXCHANGE,
        ack_policy=AckPolicy.ACK,  # acknowledge only after the handler returned
        decoder=undecoded,
        # At most this many unacknowledged messages (handled concurrently) at a time,
        # within the database pool's connections.
        channel=Channel(prefetch_count=int(os.environ.get("CONSUMER_PREFETCH", "10"))),
    )
    async def on_event(message: Message) -> None:
        await consumer.handle(message.body)
{%- endif %}

    return consumer


async def prepare(consumer: Consumer) -> bool:
    """Create the tables before the broker starts; True if the replica must be bootstrapped."""
    await consumer.db.create_all()
{%- if cookiecutter.__replica %}
    async with consumer.db.sessions() as session:
        return not await projector.replica_size(session)
{%- else %}
    return False
{%- endif %}


async def after_start(consumer: Consumer, needs_bootstrap: bool) -> None:
    """Once the broker runs (its queue exists, so no event is lost from here on){% if cookiecutter.__replica %}, copy what was there before{% endif %}."""
{%- if cookiecutter.broker == 'rabbitmq' %}
    await consumer.broker.declare_queue(messaging.DEAD_LETTERS)
{%- endif %}
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


async def main() -> None:
    """Run the consumer until interrupted."""
    from prometheus_client import start_http_server

    consumer = create_consumer()
    needs_bootstrap = await prepare(consumer)
    # The consumer's own metrics{% if cookiecutter.__replica %} (replication lag){% endif %}, apart from the HTTP app's.
    start_http_server(int(os.environ.get("CONSUMER_METRICS_PORT", "9102")))
    app = FastStream(consumer.broker)

    @app.after_startup
    async def started() -> None:
        await after_start(consumer, needs_bootstrap)

    try:
        await app.run()
    finally:
        await consumer.db.dispose()


if __name__ == "__main__":
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"))
    asyncio.run(main())
