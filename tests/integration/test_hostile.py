"""The generated owner and relay under hostile input, racing writers and a refused change.

Real processes on PostgreSQL (where bad input used to end as a 500: int32 overflow, ids
longer than the column, NUL, lone surrogates) and a real broker (RabbitMQ in a private
vhost, a private tansu or NATS server). Sizes are kept small for CI: one refused change
with 120 more of its entity behind it (more than a relay batch, which used to starve
everyone) among 300 changes over 30 other entities.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import httpx
import pytest

from tests.support import infra
from tests.support.pipeline import Layout, Pipeline, eventually
from tests.support.projects import (
    broker_profiles,
    render_project,
    schemathesis_finds_no_server_error,
)

LAYOUT = Layout()
ENTITIES = 30
CHANGES = 300
BACKLOG = 120  # queued behind the refused change: more than a relay batch (100)


def insert_outbox_row(database_url: str, row_id: str, entity_id: str, payload: str) -> None:
    """Write a row into the owner's outbox, as its own transaction would have."""

    async def go() -> None:
        connection = await asyncpg.connect(database_url.replace("postgresql+asyncpg", "postgresql"))
        try:
            await connection.execute(
                "INSERT INTO outbox (id, entity_id, event_type, payload, created_at)"
                " VALUES ($1, $2, 'user.upserted', $3, now())",
                row_id,
                entity_id,
                payload,
            )
        finally:
            await connection.close()

    asyncio.run(go())


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Owner-side tests need no broker: one rendering serves them."""
    return render_project(tmp_path_factory.mktemp("hostile"), patterns="api,event", broker="kafka")


@pytest.fixture
def owner(project: Path, tmp_path: Path) -> Iterator[Pipeline]:
    """The owner alone, served by uvicorn on a free port, on its own PostgreSQL database."""
    with infra.postgres_databases("owner") as databases:
        running = Pipeline(project, "127.0.0.1:1", databases, log_dir=tmp_path)
        try:
            running.start("owner")
            yield running
        finally:
            running.stop_all()


def _encoded(value: str) -> str:
    return "".join(f"%{byte:02X}" for byte in value.encode("utf-8", "surrogatepass"))


def test_hostile_ids_and_values_are_all_4xx(owner: Pipeline) -> None:
    valid = {"name": "Ada", "email": "ada@example.com"}
    bad_ids = ["..", "a b", "x" * 65, "a\x00b", "\ud800", "é", "a/b"]
    bad_values = [
        '"' + "x" * 1001 + '"',
        '"a\\u0000b"',
        '"\\ud800"',
        "5",
        "true",
        "null",
        '{"nested": 1}',
    ]
    statuses: list[tuple[str, int]] = []
    with httpx.Client(base_url=owner.owner_url, timeout=10) as http:
        for bad in bad_ids:
            path = f"{LAYOUT.collection}/{_encoded(bad)}"
            for method in ("PUT", "GET", "DELETE"):
                response = http.request(method, path, json=valid if method == "PUT" else None)
                statuses.append((f"{method} id {bad!r}", response.status_code))
            response = http.get(f"{LAYOUT.collection}?after={_encoded(bad)}")
            statuses.append((f"after {bad!r}", response.status_code))
        for raw in bad_values:
            body = ('{"name": ' + raw + ', "email": "e@example.com"}').encode(
                "utf-8", "surrogatepass"
            )
            headers = {"content-type": "application/json"}
            for path in (f"{LAYOUT.collection}/victim", LAYOUT.collection):
                method = "PUT" if path.endswith("victim") else "POST"
                response = http.request(method, path, content=body, headers=headers)
                statuses.append((f"{method} name {raw[:20]!r}", response.status_code))
        huge = http.put(
            f"{LAYOUT.collection}/victim", content=b'{"name": "' + b"x" * 300_000 + b'"}'
        )
        statuses.append(("300 kB body", huge.status_code))
        stale = http.put(f"{LAYOUT.collection}/victim", json=valid, headers={"If-Match": '"7"'})
        statuses.append(("stale If-Match", stale.status_code))
        assert http.get(LAYOUT.collection).json()["items"] == [], (
            "a hostile request wrote something"
        )
    wrong = [(what, status) for what, status in statuses if not 400 <= status < 500]
    assert not wrong, f"{wrong}\n{owner.logs()}"
    assert ("300 kB body", 413) in statuses and ("stale If-Match", 412) in statuses


def test_racing_creates_give_no_5xx_and_count_every_write(owner: Pipeline) -> None:
    """20 writers at once on each of 5 new ids: all 200, each id's version = its writes."""
    ids = [f"race-{uuid.uuid4().hex[:8]}" for _ in range(5)]

    async def race() -> list[tuple[str, int]]:
        limits = httpx.Limits(max_connections=100)
        async with httpx.AsyncClient(base_url=owner.owner_url, timeout=30, limits=limits) as http:

            async def put(entity_id: str, n: int) -> tuple[str, int]:
                body = {"name": f"writer {n}", "email": f"w{n}@example.com"}
                response = await http.put(f"{LAYOUT.collection}/{entity_id}", json=body)
                return entity_id, response.status_code

            return await asyncio.gather(*(put(i, n) for i in ids for n in range(20)))

    results = asyncio.run(race())
    assert not [r for r in results if r[1] >= 500], owner.logs()
    for entity_id in ids:
        accepted = sum(1 for i, status in results if i == entity_id and status == 200)
        current = httpx.get(f"{owner.owner_url}{LAYOUT.collection}/{entity_id}", timeout=10).json()
        assert current["version"] == accepted == 20


def test_schemathesis_finds_no_server_error_on_postgresql(owner: Pipeline, project: Path) -> None:
    schemathesis_finds_no_server_error(owner.owner_url, project, owner.logs())


def _refused_row(broker_name: str, entity_id: str) -> tuple[str, str]:
    """An outbox row the broker will not take, as the relay would find it: for Kafka, NATS
    and SNS/SQS an event of 2 MiB (over the producer's and the server's 1 MiB limits, and
    SNS's 256 KiB), for RabbitMQ, queues or stream (whose limit, 128 MiB, no test should
    fill) a row that is no JSON. The owner's API refuses anything this large, so the row is
    written straight into its outbox."""
    row_id = uuid.uuid4().hex
    if not broker_name.startswith("rabbitmq"):
        envelope = {
            "specversion": "1.0",
            "id": row_id,
            "source": "/user-service",
            "type": "user.upserted",
            "subject": entity_id,
            "time": datetime.now(UTC).isoformat(),
            "datacontenttype": "application/json",
            "dataschema": "urn:user-service:events:user.upserted:v1",
            "schemaversion": 1,
            "version": 1,
            "data": {"user_id": entity_id, "name": "x" * (2 << 20), "email": "e", "version": 1},
        }
        return row_id, json.dumps(envelope)
    return row_id, '{"truncated": '


@pytest.mark.parametrize("broker_name", broker_profiles())
def test_a_refused_change_is_parked_and_every_other_entity_arrives(
    broker_name: str, tmp_path: Path
) -> None:
    project = render_project(tmp_path, patterns="event,replica", broker=broker_name)
    run = uuid.uuid4().hex[:6]
    ids = [f"h-{run}-{n}" for n in range(ENTITIES)]
    stuck = f"h-{run}-stuck"
    with (
        infra.broker(broker_name, "hostile") as url,
        infra.postgres_databases("owner", "consumer") as databases,
    ):
        pipeline = Pipeline(project, url, databases, log_dir=tmp_path)
        owner_db, consumer_db = databases["owner"], databases["consumer"]
        try:
            pipeline.start("owner", "relay", "consumer")
            # Bootstrapped from the empty owner before any write: the stuck entity can then
            # reach the replica only by its events, which the relay holds back.
            bootstrapped = eventually(
                lambda: "replica bootstrapped with 0" in pipeline.process("consumer").tail(100_000),
                90,
            )
            assert bootstrapped, pipeline.logs()
            row_id, payload = _refused_row(broker_name, stuck)
            with httpx.Client(base_url=pipeline.owner_url, timeout=30) as http:
                for n in range(CHANGES // 2):
                    entity_id = ids[n % ENTITIES]
                    pipeline.put(
                        entity_id, {"name": f"{entity_id} {n}", "email": f"{n}@example.com"}
                    )
                insert_outbox_row(owner_db, row_id, stuck, payload)
                for n in range(BACKLOG):  # queued behind the refused one
                    pipeline.put(stuck, {"name": f"stuck {n}", "email": f"s{n}@example.com"})
                for n in range(CHANGES // 2, CHANGES):
                    entity_id = ids[n % ENTITIES]
                    pipeline.put(
                        entity_id, {"name": f"{entity_id} {n}", "email": f"{n}@example.com"}
                    )

                owner_rows = {
                    r[0]: r
                    for r in infra.postgres_rows(
                        owner_db, "SELECT user_id, name, email, version FROM users"
                    )
                    if r[0] != stuck
                }

                def replica_matches() -> bool:
                    rows = infra.postgres_rows(
                        consumer_db,
                        "SELECT user_id, name, email, version FROM replica_users WHERE NOT deleted",
                    )
                    # The stuck entity is judged below, by the parked metric and the replica.
                    return {r[0]: r for r in rows if r[0] != stuck} == owner_rows

                assert eventually(replica_matches, 120, interval_s=1), pipeline.logs()
                metrics = http.get("/metrics").text
            assert 'outbox_rows{state="parked"} 1.0' in metrics, metrics
            assert f'outbox_rows{{state="pending"}} {BACKLOG}.0' in metrics, metrics
            assert (
                infra.postgres_rows(
                    consumer_db, f"SELECT user_id FROM replica_users WHERE user_id = '{stuck}'"
                )
                == []
            )
            listed = subprocess.run(
                [sys.executable, "-m", f"{LAYOUT.owner_pkg}.relay", "parked"],
                cwd=project / "services",
                env={**pipeline.process("relay").env},
                capture_output=True,
                text=True,
                timeout=60,
                check=True,
            )
            [parked] = [json.loads(line) for line in listed.stdout.splitlines()]
            assert (parked["id"], parked["entity_id"]) == (row_id, stuck)
            expected = {
                "kafka": "MessageSizeTooLarge",
                "nats": "MaxPayload",
                "rabbitmq": "JSONDecodeError",
                "rabbitmq-streams": "JSONDecodeError",
                "sns-sqs": "MessageTooLarge",
            }[broker_name]
            assert expected in parked["error"], parked
            relay_log = pipeline.process("relay").tail(20_000)
            assert relay_log.count("parked outbox row") == 1, relay_log
        finally:
            pipeline.stop_all()
