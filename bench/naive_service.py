"""The naive dual-write baseline: the generated pipeline's work without its guarantees.

What a team would write by hand on the same stack (FastAPI, SQLAlchemy on asyncpg,
FastStream with the same broker client): the owner's PUT upserts the row, commits, then
publishes the event itself (no outbox, no relay); the consumer upserts what it receives
(no inbox, no de-duplication, no version check). A crash between the commit and the
publish loses the event: that is what the generated code exists to prevent, and why this
is a baseline and not a template.

Run from the repository's root, with ``NAIVE_BROKER`` (rabbitmq, kafka or nats),
``BROKER_URL`` and ``DATABASE_URL`` set:

- owner: ``python -m uvicorn bench.naive_service:app``
- consumer: ``python -m bench.naive_service``

The consumer writes ``replica_users`` with the columns the generated consumer's replica
has (``source_time``, ``replicated_at``), so bench/pipeline.py measures both the same way.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

BROKER = os.environ.get("NAIVE_BROKER", "rabbitmq")
# Names of their own, so the generated pipeline's processes on the same broker see none of it.
CHANNEL = "naive.user.events"
STREAM = "naive-user-events"

metadata = MetaData()
users = Table(
    "users",
    metadata,
    Column("user_id", String(64), primary_key=True),
    Column("name", String(200)),
    Column("email", String(200)),
    Column("version", Integer),
    Column("updated_at", DateTime(timezone=True)),
)
replica = Table(
    "replica_users",
    metadata,
    Column("user_id", String(64), primary_key=True),
    Column("name", String(200)),
    Column("email", String(200)),
    Column("version", Integer),
    Column("source_time", DateTime(timezone=True)),
    Column("replicated_at", DateTime(timezone=True)),
)


def engine() -> AsyncEngine:
    # The generated services' pool size, so that the comparison is of the designs, not of
    # pool settings (SQLAlchemy's default, 5, opens and closes connections at 16 in flight).
    return create_async_engine(os.environ["DATABASE_URL"], pool_size=20)


def make_broker() -> Any:
    """The FastStream broker the generated code uses for ``NAIVE_BROKER``."""
    url = os.environ["BROKER_URL"]
    if BROKER == "kafka":
        from faststream.kafka import KafkaBroker

        return KafkaBroker(url, acks="all", log_level=logging.DEBUG)
    if BROKER == "nats":
        from faststream.nats import JStream, NatsBroker

        nats = NatsBroker(url, log_level=logging.DEBUG)
        nats.publisher(CHANNEL, stream=JStream(STREAM, subjects=[CHANNEL]))  # start() declares it
        return nats
    from faststream.rabbit import RabbitBroker

    return RabbitBroker(url, log_level=logging.DEBUG)


async def publish(broker: Any, body: bytes, key: str) -> None:
    """Publish and wait for the broker's acknowledgement (confirm / acks=all / stored)."""
    if BROKER == "kafka":
        await broker.publish(body, topic=CHANNEL, key=key.encode())
    elif BROKER == "nats":
        await broker.publish(body, CHANNEL, stream=STREAM)
    else:
        from faststream.rabbit import ExchangeType, RabbitExchange

        exchange = RabbitExchange(CHANNEL, type=ExchangeType.TOPIC, durable=True)
        await broker.publish(body, exchange=exchange, routing_key="user.upserted", persist=True)


# --- the owner ----------------------------------------------------------------------------


class UserIn(BaseModel):
    name: str
    email: str


class UserOut(UserIn):
    user_id: str
    version: int


db = engine() if "DATABASE_URL" in os.environ else None
broker = make_broker() if "BROKER_URL" in os.environ else None


@asynccontextmanager
async def lifespan(_: FastAPI) -> AsyncIterator[None]:
    assert db is not None and broker is not None
    async with db.begin() as connection:
        await connection.run_sync(metadata.create_all)
    await broker.start()
    yield
    await broker.stop()
    await db.dispose()


app = FastAPI(lifespan=lifespan)


@app.put("/users/{user_id}")
async def put_user(user_id: str, data: UserIn) -> UserOut:
    assert db is not None
    now = datetime.now(UTC)
    inserted = insert(users).values(user_id=user_id, **data.model_dump(), version=1, updated_at=now)
    statement = inserted.on_conflict_do_update(
        index_elements=[users.c.user_id],
        set_={
            "name": data.name,
            "email": data.email,
            "version": users.c.version + 1,
            "updated_at": now,
        },
    ).returning(users.c.version)
    async with db.begin() as connection:
        version = (await connection.execute(statement)).scalar_one()
    stored = UserOut(user_id=user_id, version=version, **data.model_dump())
    event = {
        "id": uuid.uuid4().hex,
        "type": "user.upserted",
        "subject": user_id,
        "time": now.isoformat(),
        "version": version,
        "data": stored.model_dump(),
    }
    # The dual write: committed above, published here; a crash in between loses the event.
    await publish(broker, json.dumps(event).encode(), user_id)
    return stored


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


# --- the consumer -------------------------------------------------------------------------


async def consume() -> None:
    from faststream import FastStream

    consumer_db = engine()
    async with consumer_db.begin() as connection:
        await connection.run_sync(metadata.create_all)
    consumer = make_broker()
    if BROKER == "kafka":
        subscriber = consumer.subscriber(CHANNEL, group_id="naive", auto_offset_reset="earliest")
    elif BROKER == "nats":
        from faststream.nats import JStream

        subscriber = consumer.subscriber(
            CHANNEL, stream=JStream(STREAM, subjects=[CHANNEL]), durable="naive"
        )
    else:
        from faststream.rabbit import ExchangeType, RabbitExchange, RabbitQueue

        exchange = RabbitExchange(CHANNEL, type=ExchangeType.TOPIC, durable=True)
        queue = RabbitQueue("naive.user.events", durable=True, routing_key="user.*")
        subscriber = consumer.subscriber(queue, exchange=exchange)

    @subscriber  # type: ignore[untyped-decorator]  # FastStream's subscriber types vary by broker
    async def on_event(event: dict[str, Any]) -> None:
        row = {
            **event["data"],
            "source_time": datetime.fromisoformat(event["time"]),
            "replicated_at": datetime.now(UTC),
        }
        statement = insert(replica).values(row)
        statement = statement.on_conflict_do_update(
            index_elements=[replica.c.user_id],
            set_={k: v for k, v in row.items() if k != "user_id"},
        )
        async with consumer_db.begin() as connection:
            await connection.execute(statement)

    await FastStream(consumer).run()


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    asyncio.run(consume())
