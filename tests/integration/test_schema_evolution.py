"""Schema evolution on real brokers and PostgreSQL, as a developer would evolve an event.

Phase 1: owner, relay and a v1 consumer run; changes flow; a v2 producer (an independent
client) publishes an event with an added optional field, which the v1 consumer applies.
Phase 2: a second render of the consumer (``order-service-v2``: new Kafka group, new
RabbitMQ queue) reads v2 and upcasts v1; replayed every event (Kafka, NATS and RabbitMQ
streams: from the first offset; RabbitMQ: a tap captured them in phase 1), it builds the
same replica.

The RabbitMQ exchange is shared with other tests, so only this run's entities are compared,
and the consumers have names of their own (no competing for the usual queue).
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pika
import pika.exceptions
import pytest

from tests.support import clients, infra
from tests.support.pipeline import Layout, Pipeline, eventually
from tests.support.projects import render_project

UPSERTED = "user.upserted"
ADDED = "tier"  # the optional field v2 adds to data
V1_CONSUMER = Layout(consumer_pkg="order_service_v1")
V2_CONSUMER = Layout(consumer_pkg="order_service_v2")
REPLICA = (
    "SELECT user_id, name, email, version, deleted, source_time FROM replica_users "
    "WHERE user_id LIKE '{run}-%' ORDER BY 1"
)
UPCASTER = f'''

@upcaster("{UPSERTED}", 1)
def upserted_v1_to_v2(envelope: Envelope) -> Envelope:
    envelope["data"].setdefault("{ADDED}", "standard")
    return envelope
'''


def evolve_to_v2(project: Path) -> None:
    """A developer's steps: the v2 schema, an upcaster from v1, then read v2."""
    events = project / "contracts" / "events" / UPSERTED
    schema = json.loads((events / "v1.schema.json").read_text("utf-8"))
    schema["$id"] = schema["$id"].removesuffix(":v1") + ":v2"
    schema["description"] = f"CloudEvents-named envelope of {UPSERTED}, data schema version 2."
    schema["properties"]["data"]["properties"][ADDED] = {"type": "string"}
    (events / "v2.schema.json").write_text(json.dumps(schema, indent=2) + "\n", "utf-8")
    package = project / "services" / V2_CONSUMER.consumer_pkg
    with (package / "upcasters.py").open("a", encoding="utf-8") as module:
        module.write(UPCASTER)
    contracts = package / "contracts.py"
    source = contracts.read_text("utf-8")
    reads_v1 = "READS = {UPSERTED: 1, DELETED: 1}"
    assert reads_v1 in source
    contracts.write_text(source.replace(reads_v1, "READS = {UPSERTED: 2, DELETED: 1}"), "utf-8")


def service(layout: Layout) -> str:
    return layout.consumer_pkg.replace("_", "-")


def v2_event(entity_id: str) -> dict[str, Any]:
    """What the owner will publish once it writes v2: an upsert with the added field."""
    return {
        "specversion": "1.0",
        "id": uuid.uuid4().hex,
        "source": "/user-service",
        "type": UPSERTED,
        "subject": entity_id,
        "time": datetime.now(UTC).isoformat(),
        "datacontenttype": "application/json",
        "dataschema": f"urn:user-service:events:{UPSERTED}:v2",
        "schemaversion": 2,
        "version": 1,
        "data": {
            "user_id": entity_id,
            "name": "From V2",
            "email": "v2@example.com",
            "version": 1,
            ADDED: "gold",
        },
    }


@contextlib.contextmanager
def rabbit_capture(url: str, exchange: str) -> Iterator[clients.RabbitTap]:
    """A tap on the owner's exchange (declared as the project declares it), from now on."""
    with contextlib.closing(pika.BlockingConnection(pika.URLParameters(url))) as connection:
        connection.channel().exchange_declare(exchange, exchange_type="topic", durable=True)
    with clients.rabbit_tap(url, exchange) as tap:
        yield tap


def delete_queues(url: str, *queues: str) -> None:
    """Remove this test's durable queues, which would otherwise collect every later event."""
    with (
        contextlib.suppress(pika.exceptions.AMQPError),
        contextlib.closing(pika.BlockingConnection(pika.URLParameters(url))) as connection,
    ):
        channel = connection.channel()
        for queue in queues:
            channel.queue_delete(queue)


def logged(pipeline: Pipeline, name: str, text: str) -> bool:
    return text in pipeline.process(name).tail(100_000)


@pytest.mark.parametrize("broker", ["kafka", "rabbitmq", "nats", "rabbitmq-streams"])
def test_v1_reads_v2_and_v2_replays_v1_into_the_same_replica(broker: str, tmp_path: Path) -> None:
    v1_project, v2_project = (
        render_project(
            tmp_path / name,
            patterns="event,replica",
            broker=broker,
            consumer=service(layout),
        )
        for name, layout in (("v1", V1_CONSUMER), ("v2", V2_CONSUMER))
    )
    evolve_to_v2(v2_project)
    check = [sys.executable, "-m", "advisor", "check", str(v2_project), "--format", "json"]
    done = subprocess.run(check, capture_output=True, text=True, check=False)
    assert json.loads(done.stdout)["passed"], done.stdout  # v2 is FULL-compatible with v1
    run = f"u{uuid.uuid4().hex[:6]}"
    replica = REPLICA.format(run=run)

    with (
        infra.broker(broker) as url,
        infra.postgres_databases("owner", "consumer", "consumer-v2") as databases,
    ):
        (tmp_path / "logs-v1").mkdir()
        (tmp_path / "logs-v2").mkdir()
        v1 = Pipeline(v1_project, url, databases, log_dir=tmp_path / "logs-v1", layout=V1_CONSUMER)
        # Its OWNER_URL answers nothing: the v2 replica can only come from the replayed events.
        v2_databases = {"owner": databases["owner"], "consumer": databases["consumer-v2"]}
        v2 = Pipeline(
            v2_project, url, v2_databases, log_dir=tmp_path / "logs-v2", layout=V2_CONSUMER
        )
        try:
            with (
                rabbit_capture(url, v1.layout.channel)
                if broker == "rabbitmq"
                else contextlib.nullcontext()
            ) as tap:
                v1.start("owner", "relay", "consumer")
                # Bootstrapped (from the empty owner): from here the replica is made of events.
                ready = eventually(
                    lambda: logged(v1, "consumer", "replica bootstrapped with 0"), 60
                )
                assert ready, v1.logs()
                published = phase_one(v1, url, broker, run)
                captured: list[bytes] = []
                if tap is not None:
                    # Other tests' events may pass through the shared exchange: keep this run's.
                    def drained() -> bool:
                        records = clients.rabbit_drain(tap, 100, deadline_s=0.5)
                        captured.extend(r.value for r in records if run.encode() in r.value)
                        return len(captured) >= published

                    assert eventually(drained, 30), f"the tap captured {len(captured)}/{published}"
            v1_rows = infra.postgres_rows(databases["consumer"], replica)

            v2.start("consumer")
            started = eventually(lambda: logged(v2, "consumer", "replica bootstrap from"), 60)
            assert started, v2.logs()
            if broker == "rabbitmq":
                queue = f"{service(V2_CONSUMER)}.{v2.layout.channel}"
                clients.rabbit_publish(url, "", [(queue, value) for value in captured])

            def same_replica() -> bool:
                return infra.postgres_rows(databases["consumer-v2"], replica) == v1_rows

            assert eventually(same_replica, 90), v2.logs()
        finally:
            v1.stop_all()
            v2.stop_all()
            if broker == "rabbitmq":
                queues = [f"{service(c)}.{v1.layout.channel}" for c in (V1_CONSUMER, V2_CONSUMER)]
                delete_queues(url, *queues, *(f"{q}.dlq" for q in queues))


def phase_one(v1: Pipeline, url: str, broker: str, run: str) -> int:
    """Changes through the v1 pipeline plus one v2 event; how many events were published."""
    ids = [f"{run}-{i}" for i in range(8)]
    for i, entity_id in enumerate(ids):
        v1.put(entity_id, {"name": f"User {i}", "email": f"u{i}@example.com"})
    for i, entity_id in enumerate(ids[:4]):
        v1.put(entity_id, {"name": f"Renamed {i}", "email": f"r{i}@example.com"})
    for entity_id in ids[:2]:
        deleted = httpx.delete(f"{v1.owner_url}/users/{entity_id}", timeout=10)
        assert deleted.status_code == 204, deleted.text
    owner = v1.owner_rows()

    # (a) The v1 consumer has no v2 schema, yet applies the v2 event.
    assert not (v1.project / "contracts" / "events" / UPSERTED / "v2.schema.json").exists()
    newcomer = f"{run}-v2"
    body = json.dumps(v2_event(newcomer)).encode()
    if broker == "kafka":
        clients.kafka_publish(url, v1.layout.channel, [(newcomer.encode(), body)])
    elif broker == "nats":
        clients.nats_publish(url, v1.layout.channel, [body])
    elif broker == "rabbitmq-streams":  # appended to the stream (the default exchange)
        clients.rabbit_publish(url, "", [(v1.layout.channel, body)])
    else:
        clients.rabbit_publish(url, v1.layout.channel, [(UPSERTED, body)])

    expected = {
        **{i: (owner[i]["name"], owner[i]["email"], str(owner[i]["version"]), "f") for i in owner},
        **{i: ("", "", "3", "t") for i in ids[:2]},  # tombstones: put, put, delete
        newcomer: ("From V2", "v2@example.com", "1", "f"),
    }

    def replica_complete() -> bool:
        rows = infra.postgres_rows(v1.databases["consumer"], REPLICA.format(run=run))
        return {row[0]: row[1:5] for row in rows} == expected

    assert eventually(replica_complete, 60), v1.logs()
    return len(ids) + 4 + 2 + 1
