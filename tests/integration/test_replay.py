"""RabbitMQ streams: the consumer resumes after the offset it stored, and rebuilds its replica
from the stream's first event with ``make replay``, on a real RabbitMQ and PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.integration.test_faults import query
from tests.support import infra
from tests.support.pipeline import Pipeline, eventually
from tests.support.projects import render_project

ENTITIES = 40
CHANGES = 200


def replica(pipeline: Pipeline) -> dict[str, tuple[object, ...]]:
    rows = query(
        pipeline.databases["consumer"],
        "SELECT user_id, name, email, version FROM replica_users WHERE NOT deleted",
    )
    return {r["user_id"]: tuple(r) for r in rows}


def source(pipeline: Pipeline) -> dict[str, tuple[object, ...]]:
    rows = query(pipeline.databases["owner"], "SELECT user_id, name, email, version FROM users")
    return {r["user_id"]: tuple(r) for r in rows}


def stored_offset(pipeline: Pipeline) -> int | None:
    rows = query(pipeline.databases["consumer"], "SELECT last_offset FROM stream_offsets")
    return int(rows[0]["last_offset"]) if rows else None


def counted(pipeline: Pipeline) -> float:
    """Events this consumer process handled (applied, duplicate or dead-lettered)."""
    return sum(
        float(line.split()[-1])
        for line in pipeline.metrics().splitlines()
        if line.startswith("events_total{")
    )


@pytest.mark.slow
def test_the_consumer_resumes_after_its_offset_and_replays_from_the_first(tmp_path: Path) -> None:
    project = render_project(tmp_path, patterns="event,replica", broker="rabbitmq-streams")
    ids = [f"r-{uuid.uuid4().hex[:8]}" for _ in range(ENTITIES)]
    with (
        infra.rabbitmq_vhost("streams") as url,
        infra.postgres_databases("owner", "consumer") as databases,
    ):
        pipeline = Pipeline(project, url, databases, log_dir=tmp_path)
        try:
            pipeline.start("owner", "relay", "consumer")
            for n in range(CHANGES):
                entity_id = ids[n % ENTITIES]
                pipeline.put(entity_id, {"name": f"{entity_id} {n}", "email": f"{n}@example.com"})
            owner = source(pipeline)
            assert len(owner) == ENTITIES
            assert eventually(lambda: replica(pipeline) == owner, 120), pipeline.logs()
            # Only the relay wrote to the stream: offsets 0 .. CHANGES - 1.
            assert eventually(lambda: stored_offset(pipeline) == CHANGES - 1, 30), pipeline.logs()

            # Restarted, it starts after the stored offset: nothing is read again.
            pipeline.process("consumer").stop()
            pipeline.start("consumer")
            time.sleep(3)
            assert counted(pipeline) == 0, pipeline.metrics()
            pipeline.put(ids[0], {"name": "after restart", "email": "a@example.com"})
            assert eventually(lambda: counted(pipeline) == 1, 30), pipeline.logs()
            assert eventually(lambda: stored_offset(pipeline) == CHANGES, 30)

            # Replay: the consumer stopped, and the owner too, so that the start-up bootstrap
            # from its export cannot fill the replica: only the stream can.
            owner = source(pipeline)
            pipeline.process("consumer").stop()
            pipeline.process("owner").stop()
            done = subprocess.run(
                [
                    *("make", "-o", ".venv/.installed", "replay"),
                    f"BIN={Path(sys.executable).parent}",
                    f"CONSUMER_DATABASE_URL={databases['consumer']}",
                ],
                cwd=project,
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert done.returncode == 0, done.stdout + done.stderr
            assert replica(pipeline) == {} and stored_offset(pipeline) is None
            assert query(databases["consumer"], "SELECT message_id FROM processed_messages") == []

            pipeline.start("consumer")
            assert eventually(lambda: replica(pipeline) == owner, 120), pipeline.logs()
            assert eventually(lambda: stored_offset(pipeline) == CHANGES, 30)
            assert eventually(lambda: counted(pipeline) == CHANGES + 1, 30), pipeline.metrics()
            # The owner is down: its export gave nothing to this life of the consumer.
            last_life = pipeline.process("consumer").tail(50_000).rsplit("app starting", 1)[1]
            assert "replica bootstrapped with" not in last_life, last_life
        finally:
            pipeline.stop_all()
