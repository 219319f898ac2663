"""Which template change bought what: the pipeline rendered from several git revisions of
the template, measured in the same run, taking turns.

``python -m bench.levers REV [REV ...]`` (``BENCH_BROKERS``, ``BENCH_SMOKE`` and
``BENCH_REPEAT`` as for ``python -m bench``): for each broker, each revision's template is
rendered with every pattern and its owner, relay and consumer run at once on databases of
their own; round after round, each revision in turn takes PUTs unthrottled, outbox rows
unthrottled and PUTs at 100/s. Printed (not written to docs/benchmarks.md): throughput,
lag and CPU milliseconds per event of each process, per revision, with the ratio to the
first revision. A revision is any name git knows (a commit, ``HEAD~2``).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from cookiecutter.main import cookiecutter

from bench.pipeline import BROKERS, Run, _metered, broker_process, outbox_run, pipeline_run
from bench.stack import ALL_PATTERNS, ROOT, Pipeline, broker, infra

RUNS = {"PUT max": pipeline_run, "outbox max": outbox_run, "PUT 100": pipeline_run}
PARTS = ("owner", "relay", "consumer", "broker", "PostgreSQL")


def render_revision(revision: str, out: Path) -> Path:
    """The project the template at ``revision`` renders (every pattern, ``broker``)."""
    archive = subprocess.run(
        ["git", "archive", revision, "templates/microservices"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(out / "template", filter="data")
    return out / "template" / "templates" / "microservices"


def render(template: Path, out: Path, broker_name: str) -> Path:
    # cookiecutter imports the template's extensions by module name: forget the previous
    # revision's, so each revision renders with its own.
    for module in ("microservices_ext", "microservices_rules"):
        sys.modules.pop(module, None)
    config = out / "cookiecutter-config.yml"
    config.write_text(f"replay_dir: {str(out / 'replay')!r}\n", encoding="utf-8")
    return Path(
        cookiecutter(
            str(template),
            no_input=True,
            extra_context={"patterns": ALL_PATTERNS, "broker": broker_name},
            output_dir=str(out / "render"),
            config_file=str(config),
        )
    )


async def _rounds(name: str, pipelines: dict[str, Pipeline], rounds: int) -> dict[str, list[Run]]:
    runs: dict[str, list[Run]] = {}
    for _ in range(rounds):
        for revision, pipeline in pipelines.items():
            pids = {part: pipeline.processes[part].pid for part in ("owner", "relay", "consumer")}
            server = broker_process(name, pipeline.broker_url)
            for label, run in RUNS.items():
                load = 100 if label.endswith("100") else None
                done = await _metered(server, pids, load, run(pipeline, load))
                runs.setdefault(f"{revision} {label}", []).append(done)
    return runs


def measure(name: str, revisions: list[str], rounds: int) -> dict[str, list[Run]]:
    with (
        tempfile.TemporaryDirectory(prefix=f"bench-levers-{name}-") as scratch,
        contextlib.ExitStack() as stack,
    ):
        pipelines = {}
        for i, revision in enumerate(revisions):
            out = Path(scratch) / str(i)
            out.mkdir()
            project = render(render_revision(revision, out), out, name)
            # A broker of its own each: the revisions name their queues and streams alike.
            url = stack.enter_context(broker(name))
            databases = stack.enter_context(infra.postgres_databases("owner", "consumer"))
            pipeline = Pipeline(project, url, databases, log_dir=out)
            stack.callback(pipeline.stop_all)
            pipeline.start("owner", "relay", "consumer")
            asyncio.run(pipeline_run(pipeline, 100))  # warm up
            pipelines[revision] = pipeline
        return asyncio.run(_rounds(name, pipelines, rounds))


def report(name: str, revisions: list[str], runs: dict[str, list[Run]]) -> str:
    lines = [
        f"### {name}",
        "",
        "| revision | run | events/s | lag p50 / p99 (ms) | "
        + " | ".join(f"{p} CPU ms/event" for p in PARTS)
        + " | total (ratio) |",
        "|---|---|---:|---:|" + "---:|" * (len(PARTS) + 1),
    ]
    for label in RUNS:
        first = None
        for revision in revisions:
            chosen = runs[f"{revision} {label}"]
            cpu = {p: statistics.median(r.cpu.get(p, 0.0) for r in chosen) for p in PARTS}
            total = sum(cpu.values())
            first = first or total
            lag = (
                f"{statistics.median(r.p50 for r in chosen) * 1000:.0f} / "
                f"{statistics.median(r.p99 for r in chosen) * 1000:.0f}"
            )
            lines.append(
                f"| {revision} | {label} | {statistics.median(r.throughput for r in chosen):.0f} "
                f"| {lag} | "
                + " | ".join(f"{cpu[p]:.2f}" for p in PARTS)
                + f" | {total:.2f} ({total / first:.2f}x) |"
            )
    return "\n".join(lines)


def main(revisions: list[str], repeat: int) -> str:
    rounds = max(2, repeat // 7)
    reports = []
    for name in BROKERS:
        reports.append(report(name, revisions, measure(name, revisions, rounds)))
        print(reports[-1], flush=True)
    return "\n\n".join(reports)


if __name__ == "__main__":
    main(sys.argv[1:], int(os.environ.get("BENCH_REPEAT", "15")))
