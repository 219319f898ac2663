"""Growth: the same project with 1k, 10k and 100k entities already owned.

For each size, on fresh databases (RabbitMQ, PostgreSQL): the owner's table is filled
with SQL, then the consumer starts on an empty replica and bootstraps it from the
owner's paginated export, as it does in production; then the relay starts and
unthrottled writes measure the pipeline's throughput. The consumer's resident memory
is read after the bootstrap and after the writes. Ratios are to the smallest size.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import asyncpg

from bench.pipeline import MAX_EVENTS, Run, pipeline_run
from bench.report import machine, write_section
from bench.stack import ALL_PATTERNS, SMOKE, Pipeline, broker, fetch, infra, render_project, rss_mib

SIZES = (1_000, 5_000) if SMOKE else (1_000, 10_000, 100_000)

SEED = (
    "INSERT INTO users (user_id, name, email, version, updated_at) "
    "SELECT 'g' || lpad(i::text, 7, '0'), 'User ' || i, 'u' || i || '@example.com', 1, now() "
    "FROM generate_series(1, $1) AS i"
)


def _replica_size(database_url: str) -> int:
    """Rows in the replica; 0 until the consumer has created its tables."""
    try:
        return int(asyncio.run(fetch(database_url, "SELECT count(*) FROM replica_users"))[0][0])
    except asyncpg.UndefinedTableError:
        return 0


def _size(pipeline: Pipeline, size: int) -> dict[str, float]:
    pipeline.start("owner")
    owner_db, consumer_db = pipeline.databases["owner"], pipeline.databases["consumer"]
    asyncio.run(fetch(owner_db, SEED, size))
    started = time.monotonic()
    consumer = pipeline.process("consumer").start()
    while _replica_size(consumer_db) < size:
        if time.monotonic() - started > 900:
            raise RuntimeError(f"bootstrap of {size} did not finish:\n{pipeline.logs()}")
        time.sleep(0.2)
    wall = time.monotonic() - started
    span = asyncio.run(
        fetch(consumer_db, "SELECT max(replicated_at) - min(replicated_at) FROM replica_users")
    )[0][0].total_seconds()
    assert consumer.proc is not None
    rss_bootstrapped, _ = rss_mib(consumer.proc.pid)
    pipeline.start("relay")
    run: Run = asyncio.run(pipeline_run(pipeline, None))
    rss_after, peak = rss_mib(consumer.proc.pid)
    return {
        "bootstrap (s)": span,
        "consumer start to replica full (s)": wall,
        "bootstrap rows/s": size / span,
        "pipeline events/s": run.throughput,
        "consumer RSS after bootstrap (MiB)": rss_bootstrapped,
        "consumer RSS after writes (MiB)": rss_after,
        "consumer peak RSS (MiB)": peak,
    }


def measure() -> dict[int, dict[str, float]]:
    results = {}
    with tempfile.TemporaryDirectory(prefix="bench-growth-") as scratch:
        out = Path(scratch)
        project = render_project(out, patterns=ALL_PATTERNS, broker="rabbitmq")
        for size in SIZES:
            with broker("rabbitmq") as url, infra.postgres_databases("owner", "consumer") as dbs:
                pipeline = Pipeline(project, url, dbs, log_dir=out)
                try:
                    results[size] = _size(pipeline, size)
                finally:
                    pipeline.stop_all()
    return results


def section(results: dict[int, dict[str, float]]) -> str:
    sizes = sorted(results)
    figures = list(results[sizes[0]])
    lines = [
        "## Growth: 1k, 10k and 100k entities" if not SMOKE else "## Growth (smoke sizes)",
        "",
        f"{machine()}; one pass per size (fresh databases each); RabbitMQ and PostgreSQL; "
        f"throughput from {MAX_EVENTS} unthrottled new entities; bootstrap is the span from "
        "the first to the last replica row written (pages of 500 through the projector). "
        "Ratios in brackets are to the smallest size.",
        "",
        "| figure | " + " | ".join(f"{s:,} entities" for s in sizes) + " |",
        "|---|" + "---:|" * len(sizes),
    ]
    for figure in figures:
        base = results[sizes[0]][figure]
        cells = [f"{results[s][figure]:.1f} ({results[s][figure] / base:.2f}x)" for s in sizes]
        lines.append(f"| {figure} | " + " | ".join(cells) + " |")
    rates = [results[s]["bootstrap rows/s"] for s in sizes]
    shape = "about linearly" if max(rates) <= 1.5 * min(rates) else "faster than linearly"
    lines += [
        "",
        f"Bootstrap rate {min(rates):.0f}-{max(rates):.0f} rows/s (median "
        f"{statistics.median(rates):.0f}): bootstrap time grows {shape} with the entity "
        "count. The consumer keeps no entities in memory (each page is applied and dropped), "
        "so its RSS is not expected to follow the size.",
    ]
    return "\n".join(lines)


def main(repeat: int = 15) -> str:
    del repeat  # one pass per size: the sizes themselves are the curve
    body = section(measure())
    write_section("growth", body)
    return body


if __name__ == "__main__":
    print(main())
