"""The generated event + replica pipeline loses nothing and applies nothing twice under faults.

10,000 owner changes over 1,000 entities (SNS/SQS: a fifth, see ``SMALLER``) go through
real processes, a real broker and PostgreSQL in five phases of 2,000, each with its faults:

1. every message delivered twice, and older changes replayed after newer ones;
2. as 1, and the consumer SIGKILLed and restarted, twice;
3. as 1, and the relay killed between a confirmed publish and marking the row sent;
4. the broker gone twice: RabbitMQ's application stopped and started (with queues or a
   stream); a private NATS
   server stopped and started on its own store; for the in-memory Kafka-protocol broker,
   every connection through a fault-injecting proxy dropped; for SNS/SQS the same: moto's
   server, its stand-in, keeps its state in memory, so a restart would lose every queue
   (AWS's own SNS and SQS never restart for their users): the proxy cuts the network;
5. as 1, and poison messages (malformed JSON, unknown type, schema-invalid data).

Effects are counted by the database itself: a trigger records every write to the replica.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from tests.support import clients, infra
from tests.support.mangler import (
    MARK,
    KafkaMangler,
    Mangler,
    NatsMangler,
    RabbitMangler,
    RabbitStreamMangler,
    SqsMangler,
)
from tests.support.pipeline import Layout, Pipeline, eventually, put_once
from tests.support.projects import broker_profiles, render_project
from tests.support.proxy import FaultProxy

ENTITIES = 1_000
CHANGES_PER_PHASE = 2_000
#: SNS/SQS runs on moto, whose queues are lists that every send, receive and delete scans
#: (its FIFO de-duplication too): at 2,000 changes a phase, three deliveries each, the
#: stand-in, not the pipeline, falls minutes behind. Its run is a fifth of the size,
#: with every phase and every fault.
SMALLER = {"sns-sqs": 5}
PHASES = 5
#: Attempts the consumer gives a poison message before dead-lettering it (configured).
POISON_ATTEMPTS = 2
LAYOUT = Layout()
CONSUMER_QUEUE = "order-service.user.events"
DEAD_LETTERS = f"{CONSUMER_QUEUE}.dlq"
#: The JetStream stream that stores the consumer's dead letters (NATS).
DEAD_LETTER_STREAM = "order-service-user-dead-letters"
#: The JetStream stream of the owner's events (NATS).
EVENT_STREAM = "user-events"
#: The SNS FIFO topic of the owner's events, the consumer's SQS FIFO queue and its
#: dead-letter queue (SNS/SQS: their names take no dots).
SNS_TOPIC = "user-events.fifo"
SQS_QUEUE = "order-service-user-events.fifo"
SQS_DEAD_LETTERS = "order-service-user-events-dlq.fifo"
POISON = [
    b"{not json",
    json.dumps({"id": "p-unknown", "type": "user.renamed", "schemaversion": 1}).encode(),
    json.dumps(
        {
            "id": "p-invalid",
            "source": "user-service",
            "type": "user.upserted",
            "specversion": "1.0",
            "time": "2026-01-01T00:00:00+00:00",
            "schemaversion": 1,
            "version": 1,
            "data": {"user_id": 42},
        }
    ).encode(),
]

AUDIT = """
CREATE TABLE replica_audit (seq bigserial PRIMARY KEY, user_id text, version int, op text);
CREATE FUNCTION audit_replica() RETURNS trigger AS $$
BEGIN
    INSERT INTO replica_audit (user_id, version, op) VALUES (NEW.user_id, NEW.version, TG_OP);
    RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER replica_audit AFTER INSERT OR UPDATE ON replica_users
    FOR EACH ROW EXECUTE FUNCTION audit_replica();
"""


# --- databases -----------------------------------------------------------------------


def query(url: str, sql: str) -> list[asyncpg.Record]:
    """Run SQL on a service's PostgreSQL database; the rows of a single query."""

    async def go() -> list[asyncpg.Record]:
        connection = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
        try:
            if ";" in sql:  # a script: several statements, no rows
                await connection.execute(sql)
                return []
            return list(await connection.fetch(sql))
        finally:
            await connection.close()

    return asyncio.run(go())


def table_exists(url: str, table: str) -> bool:
    return bool(query(url, f"SELECT to_regclass('{table}') IS NOT NULL AS present")[0][0])


# --- load ----------------------------------------------------------------------------


class Load(threading.Thread):
    """Owner changes (creates, then updates) spread over the entities, one writer per entity."""

    def __init__(self, owner_url: str, ids: list[str], changes: int, workers: int = 16) -> None:
        super().__init__(daemon=True)
        self.owner_url, self.ids, self.changes, self.workers = owner_url, ids, changes, workers
        self.done = 0
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            asyncio.run(self._run())
        except BaseException as exc:  # reported by finish()
            self.error = exc

    async def _run(self) -> None:
        per_worker = self.changes // self.workers
        async with httpx.AsyncClient(base_url=self.owner_url, timeout=30) as http:
            await asyncio.gather(*(self._worker(http, w, per_worker) for w in range(self.workers)))

    async def _worker(self, http: httpx.AsyncClient, worker: int, count: int) -> None:
        mine = self.ids[worker :: self.workers]
        for n in range(count):
            entity_id = mine[n % len(mine)]
            body = {"name": f"{entity_id} change {n}", "email": f"{entity_id}-{n}@example.com"}
            await put_once(http, f"{LAYOUT.collection}/{entity_id}", body)
            self.done += 1

    def at(self, fraction: float) -> None:
        """Block until this share of the changes was made."""
        eventually(lambda: self.done >= fraction * self.changes or not self.is_alive(), 600)

    def finish(self) -> None:
        self.join(600)
        assert self.error is None, f"the load failed: {self.error!r}"
        assert self.done == self.changes


# --- the broker and its faults ---------------------------------------------------------


class Broker:
    """One broker under test: its URL for the project, its outage and its dead letters."""

    def __init__(
        self,
        name: str,
        url: str,
        proxy: FaultProxy | None = None,
        server: infra.NatsServer | None = None,
        direct: str | None = None,
    ) -> None:
        self.name, self.url, self.proxy, self.server = name, url, proxy, server
        # Where the test's own clients reach the broker, when not through the proxy.
        self.direct = direct or url
        # What the project's processes need on this broker, beyond the pipeline's defaults.
        self.env: dict[str, str] = {}

    def outage(self, seconds: float) -> None:
        if self.proxy is not None:
            self.proxy.cut(seconds)
            time.sleep(seconds)
        elif self.server is not None:
            self.server.restart(down_s=seconds)
        else:
            infra.restart_rabbitmq_app(down_s=seconds)

    def mangler(self) -> Mangler:
        if self.name == "kafka":
            return KafkaMangler(self.url, LAYOUT.channel)
        if self.name == "nats":
            return NatsMangler(self.url, LAYOUT.channel)
        if self.name == "rabbitmq-streams":
            return RabbitStreamMangler(self.url, LAYOUT.channel)
        if self.name == "sns-sqs":
            return SqsMangler(self.direct, SNS_TOPIC, SQS_QUEUE)
        return RabbitMangler(self.url, LAYOUT.channel, CONSUMER_QUEUE)

    def publish_poison(self) -> None:
        # Marked, so that the mangler leaves them alone: each must be dead-lettered once.
        if self.name == "kafka":
            clients.kafka_publish(
                self.url, LAYOUT.channel, [(b"poison", raw) for raw in POISON], {MARK: b"1"}
            )
        elif self.name == "nats":
            clients.nats_publish(self.url, LAYOUT.channel, POISON, {MARK: "1"})
        elif self.name == "rabbitmq-streams":
            # Appended to the stream (the default exchange routes by its name).
            messages = [(LAYOUT.channel, raw) for raw in POISON]
            clients.rabbit_publish(self.url, "", messages, {MARK: "1"})
        elif self.name == "sns-sqs":
            clients.sqs_send(self.direct, SQS_QUEUE, POISON, group="poison")
        else:
            clients.rabbit_publish(self.url, "", [(CONSUMER_QUEUE, raw) for raw in POISON])

    def dead_letters(self) -> list[clients.Record]:
        if self.name == "kafka":
            return clients.kafka_read(self.url, DEAD_LETTERS, len(POISON) + 1, deadline_s=10)
        if self.name == "nats":
            return clients.nats_stream_read(self.url, DEAD_LETTER_STREAM, DEAD_LETTERS)
        if self.name == "sns-sqs":
            return clients.sqs_queue_read(self.direct, SQS_DEAD_LETTERS)
        return clients.rabbit_queue_read(self.url, DEAD_LETTERS)


@contextlib.contextmanager
def broker(name: str) -> Iterator[Broker]:
    if name == "kafka":
        port, proxy_port = infra.free_port(), infra.free_port()
        # tansu advertises the proxy, so every client (project and test) goes through it.
        with FaultProxy(proxy_port, "127.0.0.1", port) as proxy, infra.tansu(port, proxy_port):
            yield Broker(name, f"127.0.0.1:{proxy_port}", proxy)
    elif name == "nats":
        # A private server: the outage restarts it, and its streams start empty.
        with infra.nats_server() as server:
            yield Broker(name, server.url, server=server)
    elif name == "sns-sqs":
        # A private moto server; the project reaches it through the proxy, which the outage
        # cuts (restarting moto would lose its queues), the test's own clients directly.
        proxy_port = infra.free_port()
        with (
            infra.moto_server() as moto,
            FaultProxy(proxy_port, "127.0.0.1", moto.port) as proxy,
        ):
            bus = Broker(name, f"http://127.0.0.1:{proxy_port}", proxy, direct=moto.url)
            # Short polls from one receiver (ten messages a receive): moto's long poll spins
            # while the only visible messages are in groups another receive holds, which
            # starves the whole server (seconds per request).
            bus.env.update(CONSUMER_BATCH="10", SQS_WAIT_SECONDS="0")
            yield bus
    else:
        # The queues (or the stream) are durable and named by the template: a private vhost
        # starts them empty.
        with infra.rabbitmq_vhost() as url:
            yield Broker(name, url, None)


# --- the test ------------------------------------------------------------------------


class ConsumerCounts:
    """The consumer's own counters, summed over its lives (banked before each kill and at the
    end; what a killed consumer counted after its last scrape is lost, hence "at least")."""

    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline
        self.totals: dict[str, float] = {}

    def scrape(self) -> dict[str, float]:
        with contextlib.suppress(httpx.HTTPError):
            text = self.pipeline.metrics()
            return {
                line.split('outcome="')[1].split('"')[0]: float(line.split()[-1])
                for line in text.splitlines()
                if line.startswith("events_total{")
            }
        return {}

    def bank(self) -> None:
        for outcome, value in self.scrape().items():
            self.totals[outcome] = self.totals.get(outcome, 0) + value

    def total(self, outcome: str) -> int:
        return int(self.totals.get(outcome, 0))


def phase(load: Load, faults: Callable[[Load], None], mangler: Mangler | None) -> None:
    with mangler if mangler is not None else contextlib.nullcontext():
        load.start()
        faults(load)
        load.finish()


@pytest.mark.slow
@pytest.mark.parametrize("broker_name", broker_profiles())
def test_nothing_lost_nothing_applied_twice(
    broker_name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = render_project(tmp_path, patterns="event,replica", broker=broker_name)
    smaller = SMALLER.get(broker_name, 1)
    changes = CHANGES_PER_PHASE // smaller
    ids = [f"f-{uuid.uuid4().hex[:8]}" for _ in range(ENTITIES // smaller)]
    with (
        broker(broker_name) as bus,
        infra.postgres_databases("owner", "consumer") as databases,
    ):
        pipeline = Pipeline(project, bus.url, databases, log_dir=tmp_path)
        pipeline.extra_env["CONSUMER_POISON_ATTEMPTS"] = str(POISON_ATTEMPTS)
        pipeline.extra_env.update(bus.env)
        consumer_db, owner_db = databases["consumer"], databases["owner"]
        try:
            pipeline.start("owner", "relay", "consumer")
            assert eventually(lambda: table_exists(consumer_db, "replica_users"), 60)
            query(consumer_db, AUDIT)
            counts = ConsumerCounts(pipeline)
            manglers: list[Mangler] = []
            republished: set[str] = set()

            def mangled() -> Mangler:
                manglers.append(bus.mangler())
                return manglers[-1]

            def load() -> Load:
                return Load(pipeline.owner_url, ids, changes)

            def kill_consumer_twice(running: Load) -> None:
                for fraction in (0.3, 0.7):
                    running.at(fraction)
                    counts.bank()
                    pipeline.process("consumer").kill()
                    time.sleep(1)
                    pipeline.start("consumer")

            def crash_relay(running: Load) -> None:
                running.at(0.2)
                pipeline.process("relay").stop()
                crashing = pipeline.custom(
                    "crashing-relay",
                    [
                        sys.executable,
                        str(Path(__file__).parents[1] / "support/crashing_relay.py"),
                        LAYOUT.owner_pkg,
                        str(300 // smaller),
                    ],
                    database="owner",
                ).start()
                assert crashing.proc is not None
                assert crashing.proc.wait(120) == -signal.SIGKILL, crashing.tail()

                # Proof the crash hit the window: events on the broker, still unsent.
                def published_unmarked() -> set[str]:
                    unsent = query(owner_db, "SELECT id FROM outbox WHERE sent_at IS NULL")
                    return {r["id"] for r in unsent} & manglers[-1].counts.seen

                republished.update(eventually(published_unmarked, 30))
                tap = manglers[-1]
                unsent = query(owner_db, "SELECT count(*) AS n FROM outbox WHERE sent_at IS NULL")
                assert republished, (
                    "the relay's crash left no published-but-unmarked event: the tap saw "
                    f"{len(tap.counts.seen)} events (error: {tap.error!r}), "
                    f"{unsent[0]['n']} outbox rows unsent\n{crashing.tail()}"
                )
                pipeline.start("relay")

            def broker_outages(running: Load) -> None:
                for fraction in (0.25, 0.65):
                    running.at(fraction)
                    bus.outage(5)

            def poison(running: Load) -> None:
                running.at(0.5)
                bus.publish_poison()

            phase(load(), lambda _: None, mangled())
            phase(load(), kill_consumer_twice, mangled())
            phase(load(), crash_relay, mangled())
            phase(load(), broker_outages, None)
            phase(load(), poison, mangled())

            owner = {
                r["user_id"]: tuple(r)
                for r in query(owner_db, "SELECT user_id, name, email, version FROM users")
            }

            def replica() -> dict[str, tuple[Any, ...]]:
                rows = query(
                    consumer_db,
                    "SELECT user_id, name, email, version FROM replica_users WHERE NOT deleted",
                )
                return {r["user_id"]: tuple(r) for r in rows}

            if not eventually(lambda: replica() == owner, 300, interval_s=2):
                seen = replica()
                behind = {k: (v, seen.get(k)) for k, v in owner.items() if seen.get(k) != v}
                unsent = query(owner_db, "SELECT count(*) AS n FROM outbox WHERE sent_at IS NULL")
                raise AssertionError(
                    f"{len(behind)} of {len(owner)} entities differ in the replica (owner, replica:"
                    f" {list(behind.values())[:5]}); {unsent[0]['n']} outbox rows unsent\n"
                    + pipeline.logs()
                )
            if broker_name == "rabbitmq-streams":
                # The offset stored is the stream's last: every message written to it (the
                # events, the relay's re-publishes, the copies, the late replays, the
                # poison) was recorded, none skipped.
                stream = clients.rabbit_stream_read(bus.url, LAYOUT.channel, 10**9, deadline_s=30)
                last = max(int(r.headers["x-stream-offset"]) for r in stream)

                def stored_offset() -> int:
                    rows = query(consumer_db, "SELECT last_offset FROM stream_offsets")
                    return int(rows[0]["last_offset"]) if rows else -1

                assert eventually(lambda: stored_offset() == last, 60), (stored_offset(), last)
            sent = {r["id"] for r in query(owner_db, "SELECT id FROM outbox")}
            processed = {
                r["message_id"]
                for r in query(consumer_db, "SELECT message_id FROM processed_messages")
            }
            effects = [
                (r["user_id"], r["version"])
                for r in query(
                    consumer_db, "SELECT user_id, version FROM replica_audit ORDER BY seq"
                )
            ]
            dead = bus.dead_letters()
            # NATS: what the events stream holds, to tell whether it stored an event twice.
            stored = clients.nats_stream_messages(bus.url, EVENT_STREAM) if bus.server else 0
            counts.bank()
        finally:
            pipeline.stop_all()

    total = changes * PHASES
    assert sum(row[3] for row in owner.values()) == total, "every change made a new version"
    assert len(sent) == total, "one outbox event per change"
    assert sent <= processed, f"{len(sent - processed)} events never reached the replica"
    assert len(effects) == len(set(effects)), "an event's effect was applied twice"
    latest: dict[str, int] = {}
    for entity_id, version in effects:
        assert version > latest.get(entity_id, 0), f"{entity_id} went back to v{version}"
        latest[entity_id] = version
    assert sorted(r.value for r in dead) == sorted(POISON), "only the poison is dead-lettered"
    assert all(r.headers.get("x-error") for r in dead), "each dead letter keeps its error"
    assert {r.headers.get("x-attempts") for r in dead} == {str(POISON_ATTEMPTS).encode()}, "retried"

    injected = sum(m.counts.copies for m in manglers)
    late = sum(m.counts.late_replays for m in manglers)
    if broker_name == "nats":
        # Each event once (a re-published one dropped by its Nats-Msg-Id), plus what the
        # test itself wrote: the copies, the late replays and the poison.
        assert stored == total + injected + late + len(POISON), "the stream kept a duplicate"
    with capsys.disabled():  # shown on a passing run too
        print(
            f"\n[{broker_name}] changes={total} sent={len(sent)} "
            f"delivered-twice={injected} late-replays={late} processed-ids={len(processed)} "
            f"republished-after-crash>={len(republished)} effects-applied={len(effects)} "
            f"stale-ignored={len(processed) - len(effects)} "
            f"duplicates-dropped>={counts.total('duplicate')} dead-lettered={len(dead)}"
        )
    assert counts.total("duplicate") > 0, "the duplicates never reached the inbox check"
