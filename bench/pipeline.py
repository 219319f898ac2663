"""The generated event pipeline against raw broker clients, on RabbitMQ, Kafka (tansu),
NATS JetStream, RabbitMQ streams and Amazon SNS/SQS (moto's server, a stand-in: its
figures say nothing about AWS).

Pipeline: owner API (HTTP PUT) -> outbox -> relay -> broker -> consumer -> replica row,
four real processes on PostgreSQL, rendered from the template with every pattern. Each
change creates a new entity, so each change leaves one replica row carrying ``source_time``
(the owner's change) and ``replicated_at`` (the projector's write): lag is their
difference, throughput the count over first change to last row. Two ways in:

- end to end: the load generator PUTs to the owner's HTTP API (aiohttp, whose client
  costs a fraction of httpx's CPU, so it takes less of the two cores from the pipeline);
- from the outbox on: the load generator commits the rows the owner's PUT would commit to
  its outbox, one transaction each, so the relay, the broker and the consumer are measured
  without the owner's HTTP handling: the part the raw clients stand in for.

Baselines, same run, same broker:

- the naive dual-write (bench/naive_service.py), on RabbitMQ, Kafka and NATS only: the
  same work done by hand without the guarantees, on the same framework, database and
  broker client; PUTs to its owner, lag and throughput measured on its replica table as on
  the pipeline's;
- raw clients publishing the same envelopes and consuming them; lag: envelope ``time`` to
  receipt. aio-pika on RabbitMQ (persistent, publisher confirms; ack per message), aiokafka
  (``acks=all``; group consumer), nats-py (stored by a stream, with ``Nats-Msg-Id``;
  durable pull consumer, ack per message), aio-pika on a RabbitMQ stream (persistent,
  publisher confirms; read from the first offset with a prefetch, ack per message) and
  aiobotocore on SNS/SQS (a FIFO topic, entity id as message group, event id as
  de-duplication id, fanned out with raw delivery to a FIFO queue; one long-polling
  receiver, ten at a time, deleting each batch).

Targets (issue 18), end to end: throughput >= 70% of the naive dual-write's; lag p99
<= 50 ms at 100 events/s and <= 100 ms at half the pipeline's unthrottled rate (or the
raw client's p99 plus 50 ms where the raw client alone is slower); CPU per event: the
owner's PUT <= 2 ms, the whole pipeline <= 5 ms (RabbitMQ) and <= 4 ms (Kafka). They are
for RabbitMQ, Kafka and NATS; RabbitMQ streams and SNS/SQS are compared with their raw
client only.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import asyncpg

from bench.report import machine, write_section
from bench.stack import (
    ALL_PATTERNS,
    ROOT,
    SMOKE,
    Pipeline,
    broker,
    cpu_seconds,
    cpu_seconds_of,
    fetch,
    infra,
    render_project,
)
from tests.support.processes import ServiceProcess, uvicorn, wait_http

#: Offered loads in events/s; None is "as fast as it goes" (the capacity).
LOADS: tuple[int | None, ...] = (100, 500, 2000, None)
SECONDS = 1.5 if SMOKE else 3.0
#: Events per run at most (and unthrottled): the owner's HTTP API takes far fewer than
#: 2,000 writes/s on this machine, so a full 2,000/s run would take minutes.
MAX_EVENTS = 300 if SMOKE else 1000
#: Requests in flight at most: the owner's connection pool holds 15 (SQLAlchemy's default).
CONCURRENCY = 16


@dataclass(frozen=True)
class Run:
    """One load level, once: events/s through, lag percentiles in seconds."""

    throughput: float
    p50: float
    p99: float
    offered: float  # the rate the load generator achieved
    relay_p99: float = 0.0  # of the lag, the part from the owner's change to the relay's publish
    cpu: dict[str, float] = field(default_factory=dict)  # CPU ms per event, by part


#: What each broker's server processes have on their command line (arguments joined by
#: spaces), ``{port}`` being the port of the benchmark's broker URL. The private
#: nats-server by its store folder, the private moto server by its port: the shared
#: nats-server on 4222 and other runs' moto servers are not measured. RabbitMQ streams are
#: served by the same RabbitMQ node.
BROKER_PROCESS = {
    "rabbitmq": "beam",
    "kafka": "tansu",
    "nats": "nats-store-",
    "rabbitmq-streams": "beam",
    "sns-sqs": "moto_server -H 127.0.0.1 -p {port} ",
}
#: The brokers bench/naive_service.py implements, which are also the brokers issue 18 set
#: its targets for; the others are compared with their raw client only.
NAIVE_BROKERS = ("rabbitmq", "kafka", "nats")
#: No naive dual-write to compare with, said where its figures would be.
NO_NAIVE = "no naive baseline for this broker"
#: The parts of a run whose CPU is counted, in the order data flows.
CPU_PARTS = ("load generator", "owner", "relay", "broker", "consumer", "PostgreSQL")


def _count(load: int | None) -> int:
    return MAX_EVENTS if load is None else min(MAX_EVENTS, int(load * SECONDS))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def _paced(count: int, rate: int | None, send: Callable[[int], Awaitable[None]]) -> float:
    """Call ``send(i)`` ``count`` times, started at ``rate`` per second (open loop) with at
    most CONCURRENCY in flight; the rate at which they were started and finished."""
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(i: int) -> None:
        async with gate:
            await send(i)

    start = time.perf_counter()
    tasks = []
    for i in range(count):
        if rate is not None:
            delay = start + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
        elif i >= CONCURRENCY:
            await asyncio.sleep(0)
        tasks.append(asyncio.create_task(one(i)))
    await asyncio.gather(*tasks)
    return count / (time.perf_counter() - start)


def _summary(lags: list[float], first: float, last: float, offered: float) -> Run:
    return Run(
        len(lags) / max(last - first, 1e-9), percentile(lags, 0.5), percentile(lags, 0.99), offered
    )


# --- the generated pipeline -------------------------------------------------------------


async def _put_once(http: aiohttp.ClientSession, path: str, body: dict[str, str]) -> None:
    """PUT, again only if a broken connection left the change unmade (as support.put_once)."""
    try:
        async with http.put(path, json=body) as answer:
            answer.raise_for_status()
            return
    except aiohttp.ClientConnectionError:
        async with http.get(path) as current:
            if current.status == 200 and body.items() <= (await current.json()).items():
                return
    async with http.put(path, json=body) as answer:
        answer.raise_for_status()


async def pipeline_run(pipeline: Pipeline, load: int | None) -> Run:
    """PUT ``_count(load)`` new entities at ``load`` to the owner; wait for every replica row."""
    return await put_run(
        pipeline.owner_url, pipeline.databases, load, pipeline.logs, outbox="owner"
    )


async def put_run(
    owner_url: str,
    databases: dict[str, str],
    load: int | None,
    logs: Callable[[], str],
    outbox: str | None = None,
) -> Run:
    """PUT ``_count(load)`` new entities at ``load`` to ``owner_url``; wait for every row of
    the replica in ``databases["consumer"]`` (and read the relay's part of the lag from the
    outbox in ``databases[outbox]``, if there is one)."""
    prefix = f"b{uuid.uuid4().hex[:8]}-"
    count = _count(load)
    connector = aiohttp.TCPConnector(limit=CONCURRENCY)
    async with aiohttp.ClientSession(owner_url, connector=connector) as http:

        async def put(i: int) -> None:
            body = {"name": f"User {i}", "email": f"u{i}@x.org"}
            await _put_once(http, f"/users/{prefix}{i:07d}", body)

        offered = await _paced(count, load, put)
    return await _replicated(databases, prefix, count, offered, logs, outbox)


async def outbox_run(pipeline: Pipeline, load: int | None) -> Run:
    """Commit ``_count(load)`` outbox rows at ``load``, as the owner's PUTs would; wait for
    every replica row."""
    prefix = f"o{uuid.uuid4().hex[:8]}-"
    count = _count(load)
    dsn = pipeline.databases["owner"].replace("+asyncpg", "")
    async with asyncpg.create_pool(dsn, min_size=CONCURRENCY, max_size=CONCURRENCY) as pool:

        async def insert(i: int) -> None:
            event = envelope(i, prefix)
            await pool.execute(
                "INSERT INTO outbox (id, entity_id, event_type, payload, created_at) "
                "VALUES ($1, $2, $3, $4, $5)",
                event["id"],
                event["subject"],
                event["type"],
                json.dumps(event),
                datetime.fromisoformat(event["time"]),
            )

        offered = await _paced(count, load, insert)
    return await _replicated(pipeline.databases, prefix, count, offered, pipeline.logs, "owner")


async def _replicated(
    databases: dict[str, str],
    prefix: str,
    count: int,
    offered: float,
    logs: Callable[[], str],
    outbox: str | None,
) -> Run:
    """Wait until the replica holds the ``count`` entities named ``prefix*``; their lags."""
    consumer_db = databases["consumer"]
    deadline = time.monotonic() + 120 + count / 10
    query = "SELECT count(*) FROM replica_users WHERE user_id LIKE $1"
    while (await fetch(consumer_db, query, prefix + "%"))[0][0] < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"the replica did not catch up:\n{logs()}")
        await asyncio.sleep(0.2)
    rows = await fetch(
        consumer_db,
        "SELECT source_time, replicated_at FROM replica_users WHERE user_id LIKE $1",
        prefix + "%",
    )
    lags = [(r["replicated_at"] - r["source_time"]).total_seconds() for r in rows]
    first = min(r["source_time"] for r in rows).timestamp()
    last = max(r["replicated_at"] for r in rows).timestamp()
    run = _summary(lags, first, last, offered)
    if outbox is None:
        return run
    sent = await fetch(
        databases[outbox],
        "SELECT created_at, sent_at FROM outbox WHERE entity_id LIKE $1",
        prefix + "%",
    )
    relayed = [(r["sent_at"] - r["created_at"]).total_seconds() for r in sent]
    return Run(run.throughput, run.p50, run.p99, offered, percentile(relayed, 0.99))


# --- raw clients ------------------------------------------------------------------------


def envelope(i: int, prefix: str) -> dict[str, Any]:
    """An event shaped as the owner's (``events.upserted``), stamped now."""
    user_id = f"{prefix}{i:07d}"
    return {
        "specversion": "1.0",
        "id": uuid.uuid4().hex,
        "source": "/user-service",
        "type": "user.upserted",
        "subject": user_id,
        "time": datetime.now(UTC).isoformat(),
        "datacontenttype": "application/json",
        "dataschema": "urn:user-service:events:user.upserted:v1",
        "schemaversion": 1,
        "version": 1,
        "data": {
            "user_id": user_id,
            "name": f"User {i}",
            "email": f"u{i}@example.com",
            "version": 1,
        },
    }


class _Receipts:
    """What a raw consumer saw: one lag per message, and when the last arrived."""

    def __init__(self, want: int) -> None:
        self.want = want
        self.lags: list[float] = []
        self.first_sent = float("inf")
        self.last = 0.0
        self.done = asyncio.Event()

    def add(self, body: bytes) -> None:
        now = time.time()
        sent = datetime.fromisoformat(json.loads(body)["time"]).timestamp()
        self.lags.append(now - sent)
        self.first_sent = min(self.first_sent, sent)
        self.last = now
        if len(self.lags) >= self.want:
            self.done.set()

    async def run(self, offered: float) -> Run:
        await asyncio.wait_for(self.done.wait(), 120 + self.want / 10)
        return _summary(self.lags, self.first_sent, self.last, offered)


async def raw_rabbitmq(url: str, load: int | None) -> Run:
    import aio_pika

    count, prefix = _count(load), f"r{uuid.uuid4().hex[:8]}-"
    receipts = _Receipts(count)
    publisher = await aio_pika.connect(url)
    subscriber = await aio_pika.connect(url)
    try:
        channel = await publisher.channel()  # publisher confirms are on by default
        exchange = await channel.declare_exchange(
            "bench.raw", aio_pika.ExchangeType.TOPIC, durable=True
        )
        reading = await subscriber.channel()
        await reading.set_qos(prefetch_count=CONCURRENCY)
        queue = await reading.declare_queue(f"bench.raw.{prefix}", durable=True, auto_delete=True)
        await queue.bind(exchange, "user.*")

        async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            receipts.add(message.body)
            await message.ack()

        await queue.consume(on_message)

        async def publish(i: int) -> None:
            body = json.dumps(envelope(i, prefix)).encode()
            await exchange.publish(
                aio_pika.Message(body, delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
                routing_key="user.upserted",
            )

        offered = await _paced(count, load, publish)
        return await receipts.run(offered)
    finally:
        await publisher.close()
        await subscriber.close()


async def raw_kafka(bootstrap: str, load: int | None) -> Run:
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

    count, prefix = _count(load), f"r{uuid.uuid4().hex[:8]}-"
    topic = f"bench.raw.{prefix.rstrip('-')}"
    receipts = _Receipts(count)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=False)
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, group_id=topic, auto_offset_reset="earliest"
    )
    await producer.start()
    try:
        # The first send creates the topic; the consumer then joins and reads from the start.
        await producer.send_and_wait(topic, b"{}", key=b"warm-up")
        await consumer.start()

        async def consume() -> None:
            async for message in consumer:
                if message.key != b"warm-up" and message.value is not None:
                    receipts.add(message.value)

        reader = asyncio.create_task(consume())

        async def publish(i: int) -> None:
            event = envelope(i, prefix)
            await producer.send_and_wait(
                topic, json.dumps(event).encode(), key=event["subject"].encode()
            )

        offered = await _paced(count, load, publish)
        try:
            return await receipts.run(offered)
        finally:
            reader.cancel()
    finally:
        await consumer.stop()
        await producer.stop()


async def raw_nats(url: str, load: int | None) -> Run:
    import nats
    from nats.js.api import ConsumerConfig

    count, prefix = _count(load), f"r{uuid.uuid4().hex[:8]}"
    stream, subject = f"bench-raw-{prefix}", f"bench.raw.{prefix}"
    receipts = _Receipts(count)
    connection = await nats.connect(url)
    try:
        jetstream = connection.jetstream()
        await jetstream.add_stream(name=stream, subjects=[subject], duplicate_window=120)
        pull = await jetstream.pull_subscribe(
            subject, durable=prefix, stream=stream, config=ConsumerConfig(ack_wait=30)
        )

        async def consume() -> None:
            while True:
                try:
                    batch = await pull.fetch(CONCURRENCY * 4, timeout=1)
                except nats.errors.TimeoutError:
                    continue
                for message in batch:
                    receipts.add(message.data)
                    await message.ack()

        reader = asyncio.create_task(consume())

        async def publish(i: int) -> None:
            event = envelope(i, prefix + "-")
            await jetstream.publish(
                subject, json.dumps(event).encode(), headers={"Nats-Msg-Id": event["id"]}
            )

        offered = await _paced(count, load, publish)
        try:
            return await receipts.run(offered)
        finally:
            reader.cancel()
            await jetstream.delete_stream(stream)
    finally:
        await connection.close()


async def raw_rabbitmq_streams(url: str, load: int | None) -> Run:
    import aio_pika

    count, prefix = _count(load), f"r{uuid.uuid4().hex[:8]}-"
    receipts = _Receipts(count)
    publisher = await aio_pika.connect(url)
    subscriber = await aio_pika.connect(url)
    try:
        channel = await publisher.channel()  # publisher confirms are on by default
        # A stream, as the generated owner declares it (durable; streams refuse auto-delete).
        arguments: dict[str, Any] = {"x-queue-type": "stream"}
        stream = await channel.declare_queue(
            f"bench.raw.{prefix}", durable=True, arguments=arguments
        )
        reading = await subscriber.channel()
        # A stream consumer must bound its unacknowledged messages.
        await reading.set_qos(prefetch_count=CONCURRENCY)
        queue = await reading.declare_queue(stream.name, durable=True, arguments=arguments)

        async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            receipts.add(message.body)
            await message.ack()

        async def publish(i: int) -> None:
            body = json.dumps(envelope(i, prefix)).encode()
            await channel.default_exchange.publish(
                aio_pika.Message(body, delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
                routing_key=stream.name,
            )

        tag = await queue.consume(on_message, arguments={"x-stream-offset": "first"})
        try:
            offered = await _paced(count, load, publish)
            return await receipts.run(offered)
        finally:
            # The consumer first: a stream deleted under it is logged as a cancellation.
            await queue.cancel(tag)
            await stream.delete(if_unused=False, if_empty=False)
    finally:
        await publisher.close()
        await subscriber.close()


async def raw_sns_sqs(url: str, load: int | None) -> Run:
    from aiobotocore.session import get_session

    count, prefix = _count(load), f"r{uuid.uuid4().hex[:8]}"
    receipts = _Receipts(count)
    # moto takes any credentials: the dummy ones, so that no real key is ever sent anywhere.
    aws = {
        "endpoint_url": url,
        "region_name": infra.MOTO_ENV["AWS_REGION"],
        "aws_access_key_id": infra.MOTO_ENV["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": infra.MOTO_ENV["AWS_SECRET_ACCESS_KEY"],
    }
    session = get_session()
    async with (
        session.create_client("sns", **aws) as sns,
        session.create_client("sqs", **aws) as sqs,
    ):
        # FIFO, as the generated code: a FIFO topic fanned out to a FIFO queue (raw delivery).
        name = f"bench-raw-{prefix}.fifo"
        topic = (await sns.create_topic(Name=name, Attributes={"FifoTopic": "true"}))["TopicArn"]
        queue = (await sqs.create_queue(QueueName=name, Attributes={"FifoQueue": "true"}))[
            "QueueUrl"
        ]
        try:
            found = await sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])
            # No queue policy: moto delivers without one (AWS needs one letting the topic send).
            await sns.subscribe(
                TopicArn=topic,
                Protocol="sqs",
                Endpoint=found["Attributes"]["QueueArn"],
                Attributes={"RawMessageDelivery": "true"},
            )

            async def consume() -> None:
                # One long-polling receiver, ten at a time, deleting each batch once read.
                while True:
                    answer = await sqs.receive_message(
                        QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=20
                    )
                    messages = answer.get("Messages", [])
                    for message in messages:
                        receipts.add(message["Body"].encode())
                    if messages:
                        entries = [
                            {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]}
                            for n, m in enumerate(messages)
                        ]
                        await sqs.delete_message_batch(QueueUrl=queue, Entries=entries)

            reader = asyncio.create_task(consume())

            async def publish(i: int) -> None:
                event = envelope(i, prefix + "-")
                # As the relay: the entity id orders, the event id de-duplicates.
                await sns.publish(
                    TopicArn=topic,
                    Message=json.dumps(event),
                    MessageGroupId=event["subject"],
                    MessageDeduplicationId=event["id"],
                )

            offered = await _paced(count, load, publish)
            try:
                return await receipts.run(offered)
            finally:
                reader.cancel()
        finally:
            await sqs.delete_queue(QueueUrl=queue)
            await sns.delete_topic(TopicArn=topic)


RAW = {
    "rabbitmq": raw_rabbitmq,
    "kafka": raw_kafka,
    "nats": raw_nats,
    "rabbitmq-streams": raw_rabbitmq_streams,
    "sns-sqs": raw_sns_sqs,
}
#: The brokers measured, every one with a raw client by default; ``BENCH_BROKERS=nats``
#: (comma-separated) picks some.
BROKERS = tuple(os.environ.get("BENCH_BROKERS", ",".join(RAW)).split(","))


def broker_process(name: str, url: str) -> str:
    """What the command line of the server of broker ``name`` at ``url`` holds."""
    return BROKER_PROCESS[name].format(port=urlsplit(url).port)


# --- the naive dual-write -----------------------------------------------------------------


@dataclass
class Naive:
    """bench/naive_service.py's owner API and consumer on ``broker_name``, each with a
    PostgreSQL database of its own, as the generated services have."""

    broker_name: str
    broker_url: str
    databases: dict[str, str]  # "owner", "consumer"
    log_dir: Path
    port: int = field(default_factory=infra.free_port)
    processes: dict[str, ServiceProcess] = field(default_factory=dict)

    @property
    def owner_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        env = {"NAIVE_BROKER": self.broker_name, "BROKER_URL": self.broker_url}
        commands = {
            "consumer": [sys.executable, "-m", "bench.naive_service"],
            "owner": uvicorn("bench.naive_service:app", self.port),
        }
        for name, args in commands.items():
            process = ServiceProcess(
                f"naive-{name}",
                args,
                cwd=ROOT,
                env={**env, "DATABASE_URL": self.databases[name]},
                log_dir=self.log_dir,
            )
            self.processes[name] = process.start()
        # The consumer first: on RabbitMQ, an event published before its queue exists is lost.
        deadline = time.monotonic() + 60
        while "started successfully" not in self.processes["consumer"].tail():
            if time.monotonic() > deadline or not self.processes["consumer"].running:
                raise RuntimeError(f"the naive consumer did not start:\n{self.logs()}")
            time.sleep(0.2)
        wait_http(f"{self.owner_url}/health", 60, self.processes["owner"])

    def stop(self) -> None:
        for process in self.processes.values():
            process.stop()

    def logs(self) -> str:
        return "\n".join(f"--- {n}\n{p.tail(1500)}" for n, p in self.processes.items())

    def run(self, load: int | None) -> Coroutine[Any, Any, Run]:
        return put_run(self.owner_url, self.databases, load, self.logs)


# --- the benchmark ----------------------------------------------------------------------


def _cpu_now(server: str, pids: dict[str, int]) -> dict[str, float]:
    """CPU seconds used so far by each part (this process is the load generator and, for
    the raw runs, the raw clients too); ``server``: see :func:`broker_process`."""
    used = {name: cpu_seconds(pid) for name, pid in pids.items()}
    used["broker"] = cpu_seconds_of(server)
    used["PostgreSQL"] = cpu_seconds_of("postgres")
    used["load generator"] = time.process_time()
    return used


async def _metered(server: str, pids: dict[str, int], load: int | None, run: Awaitable[Run]) -> Run:
    """``run``, with the CPU milliseconds each part spent per event; ``server``: the broker's
    server processes, as :func:`broker_process` names them."""
    before = _cpu_now(server, pids)
    result = await run
    after = _cpu_now(server, pids)
    per_event = {part: (after[part] - used) * 1000 / _count(load) for part, used in before.items()}
    return replace(result, cpu=per_event)


async def _measure(
    name: str, url: str, pipeline: Pipeline, naive: Naive | None, rounds: int
) -> dict[str, list[Run]]:
    """Pipeline, naive dual-write (if the broker has one) and raw runs per load level, taking
    turns, ``rounds`` times."""
    raw, server = RAW[name], broker_process(name, url)
    pids = {part: pipeline.processes[part].pid for part in ("owner", "relay", "consumer")}
    runs: dict[str, list[Run]] = {}
    for _ in range(rounds):
        for load in LOADS:
            level = "max" if load is None else str(load)
            ours = await _metered(server, pids, load, pipeline_run(pipeline, load))
            runs.setdefault(f"pipeline {level}", []).append(ours)
            if naive is not None:
                naive_pids = {part: process.pid for part, process in naive.processes.items()}
                by_hand = await _metered(server, naive_pids, load, naive.run(load))
                runs.setdefault(f"naive {level}", []).append(by_hand)
            fed = await _metered(server, pids, load, outbox_run(pipeline, load))
            runs.setdefault(f"outbox {level}", []).append(fed)
            theirs = await _metered(server, {}, load, raw(url, load))
            runs.setdefault(f"raw {level}", []).append(theirs)
    return runs


def measure_broker(name: str, rounds: int) -> dict[str, list[Run]]:
    """Render, start the four processes on ``name``, and measure."""
    with tempfile.TemporaryDirectory(prefix=f"bench-pipeline-{name}-") as scratch:
        out = Path(scratch)
        project = render_project(out, patterns=ALL_PATTERNS, broker=name)
        with_naive = name in NAIVE_BROKERS
        with broker(name) as url, _databases(with_naive) as databases:
            ours = {part: databases[part] for part in ("owner", "consumer")}
            pipeline = Pipeline(project, url, ours, log_dir=out)
            naive = None
            if with_naive:
                theirs = {part: databases[f"naive-{part}"] for part in ("owner", "consumer")}
                naive = Naive(name, url, theirs, log_dir=out)
            try:
                pipeline.start("owner", "relay", "consumer")
                if naive is not None:
                    naive.start()
                # One unmeasured run each lets every process connect and warm up.
                asyncio.run(pipeline_run(pipeline, 100))
                if naive is not None:
                    asyncio.run(naive.run(100))
                return asyncio.run(_measure(name, url, pipeline, naive, rounds))
            finally:
                if naive is not None:
                    naive.stop()
                pipeline.stop_all()


def _databases(with_naive: bool) -> Any:
    naive = ("naive-owner", "naive-consumer") if with_naive else ()
    return infra.postgres_databases("owner", "consumer", *naive)


def _cell(values: list[float], scale: float, digits: int = 0) -> str:
    mid = statistics.median(values) * scale
    return f"{mid:.{digits}f} ({min(values) * scale:.{digits}f}-{max(values) * scale:.{digits}f})"


#: The two ways events enter the pipeline: run name -> (short name, what the load is).
WAYS_IN = {
    "pipeline": ("end to end", "PUTs to the owner's API"),
    "outbox": ("from the outbox on", "rows committed to the owner's outbox"),
}


def section(results: dict[str, dict[str, list[Run]]], rounds: int) -> str:
    some = "" if set(results) == set(RAW) else ": " + ", ".join(results)
    lines = [
        "## Event pipeline against the naive dual-write and raw broker clients" + some,
        "",
        f"{machine()}; {rounds} rounds, the pipeline's two ways in, the naive dual-write "
        "(where the broker has one) and the raw clients taking turns at each load; "
        f"{SECONDS:g} s of events per offered load, at most {MAX_EVENTS} (and {MAX_EVENTS} "
        f"unthrottled), at most {CONCURRENCY} in flight. `offered` is what was asked; the "
        "load generator's achieved rate is in the `sent/s` columns. Cells: median (min-max) "
        "over the rounds. End to end, the load generator PUTs to the owner's HTTP API; from "
        "the outbox on, it commits the outbox rows such PUTs would commit, so the relay, the "
        "broker and the consumer are measured on their own: what the raw clients stand in "
        "for. The naive dual-write (bench/naive_service.py) is the same work without the "
        "guarantees, on the same framework, database and broker client: its PUT upserts the "
        "row, commits, and publishes the event itself; its consumer upserts what it "
        f"receives. It exists for {', '.join(NAIVE_BROKERS)} only.",
        "",
        "**End to end, against the naive dual-write (both take PUTs over HTTP):**",
        "",
        "| broker | offered (events/s) | pipeline sent/s | pipeline events/s | naive sent/s "
        "| naive events/s | ratio | pipeline lag p50 / p99 (ms) | naive lag p50 / p99 (ms) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, runs in results.items():
        if "naive max" not in runs:
            lines.append(f"| {name} | {NO_NAIVE} |")
            continue
        for load in LOADS:
            level = "max" if load is None else str(load)
            ours, naive = runs[f"pipeline {level}"], runs[f"naive {level}"]
            lines.append(_compared(name, load, ours, naive, with_relay=False))
    for kind, (short, load_is) in WAYS_IN.items():
        lines += [
            "",
            f"**{short.capitalize()}, {load_is}, against the raw clients:**",
            "",
            "| broker | offered (events/s) | pipeline sent/s | pipeline events/s | raw sent/s "
            "| raw events/s | ratio | pipeline lag p50 / p99 (ms) | of which relay p99 (ms) "
            "| raw lag p50 / p99 (ms) |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for name, runs in results.items():
            for load in LOADS:
                level = "max" if load is None else str(load)
                ours, raw = runs[f"{kind} {level}"], runs[f"raw {level}"]
                lines.append(_compared(name, load, ours, raw, with_relay=True))
    lines += ["", "Targets (issue 18), end to end: " + "; ".join(verdicts(results)) + "."]
    if "sns-sqs" in results:
        lines += ["", MOTO_CAVEAT]
    return "\n".join([*lines, "", cpu_table(results)])


#: What the SNS/SQS figures are (and are not) about.
MOTO_CAVEAT = (
    "**SNS/SQS is measured against moto in server mode** (`moto_server`, a private one on a "
    "free port), a stand-in for Amazon SNS and SQS that keeps everything in one Python "
    "process's memory, **not against AWS**: its figures say how the code behaves on moto, "
    "and nothing about latency or throughput on AWS, where every publish, receive and delete "
    "is an HTTPS call to the region. The relay publishes one event at a time, the raw client "
    f"up to {CONCURRENCY} at once (as on every broker): moto's server spends more CPU per "
    "event on concurrent requests, so where the pipeline outpaces the raw client here, that "
    "is moto's doing, not a property of SNS/SQS."
)


def _compared(
    name: str, load: int | None, ours: list[Run], other: list[Run], with_relay: bool
) -> str:
    """One table row: the pipeline's runs beside another's at the same load, and their ratio."""
    ratio = _median(ours, "throughput") / _median(other, "throughput")
    cells = [
        name,
        "unthrottled" if load is None else f"{load}",
        _cell([r.offered for r in ours], 1),
        _cell([r.throughput for r in ours], 1),
        _cell([r.offered for r in other], 1),
        _cell([r.throughput for r in other], 1),
        f"{ratio:.2f}x",
        f"{_cell([r.p50 for r in ours], 1000)} / {_cell([r.p99 for r in ours], 1000)}",
        *([_cell([r.relay_p99 for r in ours], 1000)] if with_relay else []),
        f"{_cell([r.p50 for r in other], 1000)} / {_cell([r.p99 for r in other], 1000)}",
    ]
    return "| " + " | ".join(cells) + " |"


def _median(runs: list[Run], attribute: str) -> float:
    return float(statistics.median(getattr(r, attribute) for r in runs))


#: CPU per event the whole pipeline may take end to end, by broker (issue 18); none for NATS.
PIPELINE_CPU_TARGET_MS = {"rabbitmq": 5.0, "kafka": 4.0}
#: The owner's PUT, CPU per event.
OWNER_CPU_TARGET_MS = 2.0


def _lag_allowed(target_ms: float, raw: list[Run]) -> float:
    """The lag p99 allowed: ``target_ms``, or the raw client's p99 plus 50 ms where the raw
    client alone is slower than the target already (issue 18)."""
    raw_p99 = _median(raw, "p99") * 1000
    return target_ms if raw_p99 <= target_ms else raw_p99 + 50


def verdicts(results: dict[str, dict[str, list[Run]]]) -> list[str]:
    """Each target of issue 18, per broker, met or not, from this run's numbers."""
    said = []

    def judge(label: str, value: str, met: bool) -> None:
        said.append(f"{label} {value} **{'met' if met else 'NOT met'}**")

    for name, runs in results.items():
        if name not in NAIVE_BROKERS:
            said.append(
                f"{name}: {NO_NAIVE} and no target of issue 18 (the pipeline is compared "
                "with the raw client only, in the tables above)"
            )
            continue
        ours_max = runs["pipeline max"]
        ratio = _median(ours_max, "throughput") / _median(runs["naive max"], "throughput")
        judge(
            f"{name}: throughput", f"{ratio:.0%} of the naive dual-write's (>= 70%)", ratio >= 0.7
        )
        allowed = _lag_allowed(50.0, runs["raw 100"])
        p99 = _median(runs["pipeline 100"], "p99") * 1000
        judge(f"{name}: lag p99 at 100/s", f"{p99:.0f} ms (<= {allowed:.0f} ms)", p99 <= allowed)
        # At half the pipeline's own unthrottled rate: the measured load nearest to it.
        half = _median(ours_max, "throughput") / 2
        near = min((load for load in LOADS if load is not None), key=lambda x: abs(x - half))
        allowed = _lag_allowed(100.0, runs[f"raw {near}"])
        p99 = _median(runs[f"pipeline {near}"], "p99") * 1000
        judge(
            f"{name}: lag p99 at {near}/s (the load measured nearest half the unthrottled "
            f"{half * 2:.0f}/s)",
            f"{p99:.0f} ms (<= {allowed:.0f} ms)",
            p99 <= allowed,
        )
        owner = statistics.median(r.cpu.get("owner", 0.0) for r in ours_max)
        judge(
            f"{name}: owner CPU per PUT", f"{owner:.2f} ms (<= 2 ms)", owner <= OWNER_CPU_TARGET_MS
        )
        whole = statistics.median(
            sum(v for part, v in r.cpu.items() if part != "load generator") for r in ours_max
        )
        if name in PIPELINE_CPU_TARGET_MS:
            target = PIPELINE_CPU_TARGET_MS[name]
            judge(
                f"{name}: pipeline CPU per event",
                f"{whole:.2f} ms (<= {target:g} ms)",
                whole <= target,
            )
        else:
            said.append(f"{name}: pipeline CPU per event {whole:.2f} ms (no target)")
    return said


RUN_NAMES = {"naive": "naive dual-write", "raw": "raw"}


def cpu_table(results: dict[str, dict[str, list[Run]]]) -> str:
    """Where the CPU goes in the unthrottled runs, per event, and the rate it allows."""
    cores = os.cpu_count() or 1
    lines = [
        "Where the CPU goes, unthrottled: CPU milliseconds per event of each part (median over "
        "the rounds; user + system time from /proc), their total, and the rate at which that "
        f"total would fill all {cores} cores (`ceiling`). From the outbox on, the owner "
        "process idles. The naive dual-write has no relay. The raw runs have no owner, relay "
        "or consumer process: their clients run in the load generator.",
        "",
        "| broker | run | " + " | ".join(CPU_PARTS) + " | total | ceiling (events/s) "
        "| measured (events/s) |",
        "|---|---|" + "---:|" * (len(CPU_PARTS) + 3),
    ]
    for name, runs in results.items():
        for kind in (*WAYS_IN, "naive", "raw"):
            if f"{kind} max" not in runs:
                lines.append(f"| {name} | {RUN_NAMES[kind]} | {NO_NAIVE} |")
                continue
            chosen = runs[f"{kind} max"]
            parts = {p: statistics.median(r.cpu.get(p, 0.0) for r in chosen) for p in CPU_PARTS}
            total = sum(parts.values())
            cells = [f"{parts[p]:.2f}" if p in chosen[0].cpu else "-" for p in CPU_PARTS]
            through = statistics.median(r.throughput for r in chosen)
            run = WAYS_IN[kind][0] if kind in WAYS_IN else RUN_NAMES[kind]
            lines.append(
                f"| {name} | {run} | "
                + " | ".join(cells)
                + f" | {total:.2f} | {cores * 1000 / total:.0f} | {through:.0f} |"
            )
    return "\n".join(lines)


def main(repeat: int = 15) -> str:
    rounds = max(2, repeat // 7)
    results = {name: measure_broker(name, rounds) for name in BROKERS}
    body = section(results, rounds)
    # A run of some brokers writes a section of its own, leaving the full one alone.
    key = "pipeline" if set(BROKERS) == set(RAW) else "pipeline-" + "-".join(BROKERS)
    write_section(key, body)
    return body


if __name__ == "__main__":
    print(main())
