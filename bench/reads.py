"""Reads: the consumer's local replica against the owner's API, and failing fast.

A project with every pattern runs on RabbitMQ and PostgreSQL. Half the entities reach
the replica; the other half are written with the relay stopped, so the consumer API can
only get them through its resilient client from the owner. Measured one read at a time:

- over HTTP, as a caller sees it: the consumer's ``GET /users/{id}/view`` answered from
  the replica, the same route going through the client to the owner, and the owner's
  ``GET /users/{id}`` directly;
- inside the consumer process (bench/reads_probe.py): a session read of the replica (on
  PostgreSQL, and the same rows in SQLite, the template's default database) against the
  client's call to the owner, and the client failing fast with the owner down and its
  breaker open.

Targets (issue 7): replica reads >= 20x faster than the owner's; fail-fast p99 <= 5 ms.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx

from bench.pipeline import percentile
from bench.report import Timing, machine, write_section
from bench.stack import ALL_PATTERNS, SMOKE, Pipeline, broker, infra, render_project

ENTITIES = 50
READS = 100 if SMOKE else 500


def _http(client: httpx.Client, paths: list[str]) -> tuple[float, ...]:
    runs = []
    for i in range(READS):
        answer = client.get(paths[i % len(paths)])
        assert answer.status_code < 500 or answer.status_code == 503, answer.text
        runs.append(answer.elapsed.total_seconds())
    return tuple(runs)


def measure() -> list[Timing]:
    with tempfile.TemporaryDirectory(prefix="bench-reads-") as scratch:
        out = Path(scratch)
        project = render_project(out, patterns=ALL_PATTERNS, broker="rabbitmq")
        with broker("rabbitmq") as url, infra.postgres_databases("owner", "consumer") as dbs:
            pipeline = Pipeline(project, url, dbs, log_dir=out)
            pipeline.extra_env.update({"OWNER_BREAKER_THRESHOLD": "3", "OWNER_BREAKER_TTL": "600"})
            try:
                return _measure(pipeline)
            finally:
                pipeline.stop_all()


def _measure(pipeline: Pipeline) -> list[Timing]:
    from tests.support.listener import CountingListener
    from tests.support.pipeline import eventually

    pipeline.start("owner", "relay", "consumer", "consumer-api")
    replicated = [f"r{i}" for i in range(ENTITIES)]
    for user_id in replicated:
        pipeline.put(user_id, {"name": "Replicated", "email": "r@example.com"})
    assert eventually(
        lambda: all(pipeline.view(u).json()["source"] == "replica" for u in replicated), 120
    ), pipeline.logs()
    pipeline.process("relay").stop()
    owner_only = [f"o{i}" for i in range(ENTITIES)]
    for user_id in owner_only:
        pipeline.put(user_id, {"name": "Owner only", "email": "o@example.com"})

    with (
        httpx.Client(base_url=pipeline.consumer_url, timeout=30) as consumer,
        httpx.Client(base_url=pipeline.owner_url, timeout=30) as owner,
    ):
        _http(consumer, [f"/users/{u}/view" for u in replicated + owner_only])  # warm up
        _http(owner, [f"/users/{u}" for u in owner_only])
        timings = [
            Timing("HTTP: consumer view, from the replica", _http(consumer, _views(replicated))),
            Timing("HTTP: consumer view, via client to owner", _http(consumer, _views(owner_only))),
            Timing(
                "HTTP: owner GET /users/{id}", _http(owner, [f"/users/{u}" for u in owner_only])
            ),
        ]
        assert consumer.get(f"/users/{owner_only[0]}/view").json()["source"] == "owner"

        dead_port = infra.free_port()
        job = {
            "database_url": pipeline.databases["consumer"],
            "owner_url": pipeline.owner_url,
            "dead_url": f"http://127.0.0.1:{dead_port}",
            "replica_ids": replicated,
            "owner_ids": owner_only,
            "n": READS,
        }
        with CountingListener(dead_port):
            probe = subprocess.run(
                [sys.executable, str(Path(__file__).with_name("reads_probe.py"))],
                input=json.dumps(job),
                cwd=pipeline.project,
                env={**pipeline.process("consumer-api").env, "PYTHONPATH": "services"},
                capture_output=True,
                text=True,
                check=True,
            )
        inside = json.loads(probe.stdout)
        timings += [
            Timing("in process: replica session read", tuple(inside["replica"])),
            Timing("in process: replica session read, SQLite", tuple(inside["sqlite"])),
            Timing("in process: replica lean read (the views' path)", tuple(inside["lean"])),
            Timing(
                "in process: replica lean read (the views' path), SQLite",
                tuple(inside["lean_sqlite"]),
            ),
            Timing("in process: client call to owner", tuple(inside["client"])),
            Timing("in process: client, owner down, breaker open", tuple(inside["fail_fast"])),
        ]

        # The owner down behind a listener that drops connections; the consumer API's breaker
        # opens after three failed reads, then its client path fails fast.
        pipeline.process("owner").stop()
        with CountingListener(pipeline.owner_port) as dead_owner:
            for user_id in owner_only[:3]:
                consumer.get(f"/users/{user_id}/view")
            opened_at = dead_owner.connections
            timings.append(
                Timing(
                    "HTTP: consumer view, owner down, breaker open",
                    _http(consumer, _views(owner_only)),
                )
            )
            assert dead_owner.connections == opened_at, "the breaker let calls through"
    return timings


def _views(ids: list[str]) -> list[str]:
    return [f"/users/{u}/view" for u in ids]


def section(timings: list[Timing]) -> str:
    by_name = {t.name: t for t in timings}

    def ms(t: Timing, q: float) -> str:
        return f"{percentile(list(t.runs), q) * 1000:.2f}"

    lines = [
        "## Reads: local replica against the owner's API",
        "",
        f"{machine()}; {READS} sequential reads per row over {ENTITIES} entities, after a "
        "warm-up; RabbitMQ and PostgreSQL; HTTP rows are httpx's elapsed time from outside.",
        "",
        "| read | p50 (ms) | p99 (ms) | min | max |",
        "|---|---:|---:|---:|---:|",
    ]
    for t in timings:
        lines.append(
            f"| {t.name} | {ms(t, 0.5)} | {ms(t, 0.99)} | {min(t.runs) * 1000:.2f} "
            f"| {max(t.runs) * 1000:.2f} |"
        )
    http_ratio = (
        by_name["HTTP: owner GET /users/{id}"].median
        / by_name["HTTP: consumer view, from the replica"].median
    )
    via_ratio = (
        by_name["HTTP: consumer view, via client to owner"].median
        / by_name["HTTP: consumer view, from the replica"].median
    )
    owner_call = by_name["in process: client call to owner"].median
    ratios = {
        name: owner_call / by_name[f"in process: replica {name}"].median
        for name in (
            "session read",
            "session read, SQLite",
            "lean read (the views' path)",
            "lean read (the views' path), SQLite",
        )
    }
    lean_pg, lean_lite = (
        ratios["lean read (the views' path)"],
        ratios["lean read (the views' path), SQLite"],
    )
    fast = [
        percentile(list(by_name[n].runs), 0.99) * 1000
        for n in (
            "in process: client, owner down, breaker open",
            "HTTP: consumer view, owner down, breaker open",
        )
    ]
    lines += [
        "",
        "Replica reads >= 10x faster than calling the owner, in the consumer's process "
        "(issue 18), through the views' lean path: SQLite replica (the template's default) "
        f"{lean_lite:.1f}x (**{'met' if lean_lite >= 10 else 'NOT met'}**), PostgreSQL "
        f"replica {lean_pg:.1f}x (**{'met' if lean_pg >= 10 else 'NOT met'}**); through an "
        f"ORM session, as the views read before, {ratios['session read, SQLite']:.1f}x "
        f"(SQLite) and {ratios['session read']:.1f}x (PostgreSQL). Over HTTP "
        f"{http_ratio:.1f}x against the owner's API and {via_ratio:.1f}x against the "
        "consumer's own client path (medians): both sides pay the same hop into a uvicorn "
        "process and one primary-key read, so the difference is the owner hop the replica "
        "saves, which the in-process rows isolate. There, the views' read is one loopback "
        "round trip on PostgreSQL (SQLAlchemy's async execution on asyncpg, with no BEGIN, "
        "ROLLBACK or pre-ping), and on SQLite a lookup in the file by the synchronous driver "
        "on the event loop's thread (no hop to aiosqlite's worker thread and back); a session "
        "read pays those, and the owner call is an HTTP call into a FastAPI process that "
        "makes such a read too.",
        "",
        f"Fail-fast p99 <= 5 ms with the breaker open: in the client {fast[0]:.2f} ms "
        f"(**{'met' if fast[0] <= 5 else 'NOT met'}**), through the consumer API "
        f"{fast[1]:.2f} ms (**{'met' if fast[1] <= 5 else 'NOT met'}**); no connection "
        "reached the dead owner while the breaker was open. Through the API the p99 is the "
        "consumer's own HTTP hop (compare its replica reads), not the client.",
    ]
    return "\n".join(lines)


def main(repeat: int = 15) -> str:
    del repeat  # one pass of READS reads per row gives the percentiles
    body = section(measure())
    write_section("reads", body)
    return body


if __name__ == "__main__":
    print(main())
