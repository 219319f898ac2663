"""Every generated pattern on real infrastructure: real processes, brokers and PostgreSQL."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator

import pytest

from tests.support import clients, infra
from tests.support.pipeline import Pipeline, eventually
from tests.support.projects import ALL_PATTERNS, render_project

#: The JetStream stream the NATS project stores the owner's events in.
EVENT_STREAM = "user-events"
#: The SNS FIFO topic the SNS/SQS project publishes the owner's events to.
SNS_TOPIC = "user-events.fifo"
ENVELOPE = {"id", "source", "type", "specversion", "time", "data", "dataschema", "schemaversion"}
#: The relay's poll here: a change that arrives much sooner was announced by the outbox.
RELAY_POLL_SECONDS = 60


@pytest.fixture(scope="module", params=["kafka", "rabbitmq", "nats", "rabbitmq-streams", "sns-sqs"])
def pipeline(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Pipeline]:
    """A project with every pattern, all four processes running, per broker."""
    broker: str = request.param
    out = tmp_path_factory.mktemp(f"pipeline-{broker}")
    project = render_project(out, patterns=ALL_PATTERNS, broker=broker)
    with (
        infra.broker(broker) as broker_url,
        infra.postgres_databases("owner", "consumer") as databases,
    ):
        running = Pipeline(project, broker_url, databases, log_dir=out)
        running.broker_name = broker  # type: ignore[attr-defined]
        # Far longer than any wait below: only PostgreSQL's NOTIFY wakes the relay in time.
        running.extra_env["RELAY_POLL_SECONDS"] = str(RELAY_POLL_SECONDS)
        try:
            running.start("owner", "relay", "consumer", "consumer-api")
            yield running
        finally:
            running.stop_all()


def _new_ids(count: int) -> list[str]:
    run = uuid.uuid4().hex[:6]
    return [f"u-{run}-{i}" for i in range(count)]


def test_replica_reflects_every_change(pipeline: Pipeline) -> None:
    ids = _new_ids(20)
    for i, entity_id in enumerate(ids):
        pipeline.put(entity_id, {"name": f"User {i}", "email": f"u{i}@example.com"})
    for i, entity_id in enumerate(ids[:10]):
        pipeline.put(entity_id, {"name": f"Renamed {i}", "email": f"r{i}@example.com"})
    owner = pipeline.owner_rows()

    def replica_matches() -> bool:
        for entity_id in ids:
            seen = pipeline.view(entity_id)
            if seen.status_code != 200 or seen.json()["source"] != "replica":
                return False
            if seen.json()["user"] != owner[entity_id]:
                return False
        return True

    assert eventually(replica_matches, 60), pipeline.logs()

    # The consumer's start-up bootstrap may have copied every row above from the owner's
    # export (making their events stale); a change made now can only arrive as an event.
    late = {"name": "Late Change", "email": "late@example.com"}
    pipeline.put(ids[0], late)
    expected = pipeline.owner_rows()[ids[0]]
    assert eventually(lambda: pipeline.view(ids[0]).json()["user"] == expected, 30)
    assert _lag_observations(pipeline.metrics()) > 0


def test_replica_reads_outlive_connections_the_database_dropped(pipeline: Pipeline) -> None:
    """The views' reads keep no pre-ping: a pooled connection PostgreSQL closed (a restart,
    a failover) costs its read one retry on a new connection, never an error."""
    (entity_id,) = _new_ids(1)
    pipeline.put(entity_id, {"name": "Kept", "email": "kept@example.com"})

    def replicated() -> bool:
        return bool(pipeline.view(entity_id).json().get("source") == "replica")

    assert eventually(replicated, 60), pipeline.logs()
    url = pipeline.databases["consumer"]
    dropped = infra.postgres_rows(
        url,
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        f"WHERE datname = '{url.rsplit('/', 1)[1]}' AND pid <> pg_backend_pid()",
    )
    assert dropped, "the consumer held no connection to drop"
    views = [pipeline.view(entity_id) for _ in range(5)]
    assert [view.status_code for view in views] == [200] * 5, [view.text for view in views]
    assert all(view.json()["source"] == "replica" for view in views)


def test_the_relay_is_woken_by_the_outbox_not_by_its_poll(pipeline: Pipeline) -> None:
    """With the relay polling once a minute, each of four changes made one after another
    still reaches the replica within seconds: the outbox's trigger notified the relay."""
    for i, entity_id in enumerate(_new_ids(4)):
        body = {"name": f"Woken {i}", "email": f"w{i}@example.com"}
        started = time.monotonic()
        pipeline.put(entity_id, body)

        def replicated(entity_id: str = entity_id) -> bool:
            return bool(pipeline.view(entity_id).json().get("source") == "replica")

        arrived = eventually(replicated, 10, 0.05)
        assert arrived, f"change {i} waited over 10 s\n{pipeline.logs()}"
        assert time.monotonic() - started < RELAY_POLL_SECONDS / 6


def _lag_observations(metrics: str) -> float:
    """How many events the replication-lag histogram observed (one per applied event)."""
    assert "replica_replication_lag_seconds_count" in metrics
    return next(
        float(line.split()[-1])
        for line in metrics.splitlines()
        if line.startswith("replica_replication_lag_seconds_count")
    )


def test_an_independent_client_reads_plain_events(pipeline: Pipeline) -> None:
    broker = pipeline.broker_name  # type: ignore[attr-defined]
    entity_id = _new_ids(1)[0]
    if broker == "kafka":
        pipeline.put(entity_id, {"name": "Kafka Reader", "email": "k@example.com"})
        records = eventually(
            lambda: [
                r
                for r in clients.kafka_read(pipeline.broker_url, pipeline.layout.channel, 10_000, 5)
                if r.key == entity_id.encode()
            ],
            30,
        )
    elif broker == "nats":
        pipeline.put(entity_id, {"name": "Nats Reader", "email": "n@example.com"})
        records = eventually(
            lambda: [
                r
                for r in clients.nats_stream_read(
                    pipeline.broker_url, EVENT_STREAM, pipeline.layout.channel
                )
                if entity_id.encode() in r.value
            ],
            30,
        )
    elif broker == "rabbitmq-streams":
        pipeline.put(entity_id, {"name": "Stream Reader", "email": "s@example.com"})
        records = eventually(
            lambda: [
                r
                for r in clients.rabbit_stream_read(
                    pipeline.broker_url, pipeline.layout.channel, 10_000, deadline_s=3
                )
                if entity_id.encode() in r.value
            ],
            30,
        )
    elif broker == "sns-sqs":
        with clients.sns_tap(pipeline.broker_url, SNS_TOPIC) as (sqs, tap):
            pipeline.put(entity_id, {"name": "Sqs Reader", "email": "s@example.com"})
            records = clients.sqs_drain(sqs, tap, 1)
    else:
        with clients.rabbit_tap(pipeline.broker_url, pipeline.layout.channel) as tap:
            pipeline.put(entity_id, {"name": "Rabbit Reader", "email": "r@example.com"})
            records = clients.rabbit_drain(tap, 1)
    assert records, pipeline.logs()
    envelope = records[-1].json()
    assert set(envelope) >= ENVELOPE, envelope
    assert envelope["specversion"] == "1.0"
    assert envelope["type"] == "user.upserted"
    assert envelope["data"]["user_id"] == entity_id
    if broker == "kafka":
        assert records[-1].key == entity_id.encode()  # keyed by entity: per-entity order
    elif broker == "nats":
        # The event id is the stream's de-duplication id.
        assert records[-1].headers["Nats-Msg-Id"] == envelope["id"].encode()
        _the_stream_drops_the_event_published_again(pipeline, records[-1].value)
    elif broker == "rabbitmq-streams":
        # Appended to the stream through the default exchange; read back at its own offset.
        assert records[-1].key == pipeline.layout.channel.encode()
        assert int(records[-1].headers["x-stream-offset"]) >= 0
    elif broker == "sns-sqs":
        # Per-entity order: the entity id is the message group; the event id de-duplicates.
        assert records[-1].key == entity_id.encode()
        assert records[-1].headers["MessageDeduplicationId"] == envelope["id"].encode()
        assert records[-1].headers["ce_type"] == b"user.upserted"
    else:
        assert records[-1].key == envelope["type"].encode()  # routed by event type


def test_the_sdk_reads_the_running_owner(pipeline: Pipeline) -> None:
    entity_id = _new_ids(1)[0]
    stored = pipeline.put(entity_id, {"name": "Sdk User", "email": "sdk@example.com"})
    script = (
        "import asyncio, json, sys\n"
        "from user_sdk import UserClient\n"
        "async def main():\n"
        "    async with UserClient(sys.argv[1]) as client:\n"
        "        user = await client.get(sys.argv[2])\n"
        "    print(user.model_dump_json())\n"
        "asyncio.run(main())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, pipeline.owner_url, entity_id],
        cwd=pipeline.project,
        env={"PYTHONPATH": pipeline.layout.sdk_dir, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == stored


def _the_stream_drops_the_event_published_again(pipeline: Pipeline, event: bytes) -> None:
    """The relay publishing an event again (a crash before marking it sent) stores nothing:
    published here through the owner's own messaging module, as the relay would."""
    script = (
        "import asyncio, json, sys\n"
        "from user_service import messaging\n"
        "async def main():\n"
        "    broker = messaging.make_broker(sys.argv[1])\n"
        "    await broker.start()\n"
        "    await messaging.publish(broker, json.loads(sys.argv[2]))\n"
        "    await broker.stop()\n"
        "asyncio.run(main())\n"
    )
    before = clients.nats_stream_messages(pipeline.broker_url, EVENT_STREAM)
    done = subprocess.run(
        [sys.executable, "-c", script, pipeline.broker_url, event.decode()],
        cwd=pipeline.project,
        env={"PYTHONPATH": "services", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert clients.nats_stream_messages(pipeline.broker_url, EVENT_STREAM) == before
