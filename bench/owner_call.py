"""The owner call over gRPC against the same call over HTTP, from the consumer's own clients.

One owner (a project rendered with ``api=grpc``, patterns api, SQLite) serves both: its
HTTP API under uvicorn and its gRPC server, as two processes over one database. The
consumer's generated clients read the same entities one call at a time, each in a process
of its own, taking turns round by round: the HTTP client (``resilient_client.py.j2``, from
a project rendered with ``api=http``) and the gRPC client (``templates/apis/grpc``). Both
carry their breaker, retries and fallback, so this is the call a consumer makes, not a
bare protocol. No target: a measurement to choose by.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import httpx

from bench.pipeline import percentile
from bench.report import machine, write_section
from bench.stack import SMOKE, infra, render_project

ENTITIES = 20
READS = 200 if SMOKE else 2000
PROBE = """
import asyncio, json, sys, time
from order_service.client import UserClient

async def main(target, ids, reads):
    client = UserClient(target)
    for user_id in ids:
        await client.get_user(user_id)
    runs = []
    for k in range(reads):
        start = time.perf_counter()
        found = await client.get_user(ids[k % len(ids)])
        runs.append(time.perf_counter() - start)
        assert found.source == "owner", found
    await client.aclose()
    print(json.dumps(runs))

asyncio.run(main(sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3])))
"""


def _wait(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer")


def _probe(project: Path, target: str, ids: list[str]) -> list[float]:
    env = {**os.environ, "PYTHONPATH": f"{project / 'services'}:{project / 'gen'}"}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, target, json.dumps(ids), str(READS)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode:
        raise RuntimeError(done.stderr[-2000:])
    runs: list[float] = json.loads(done.stdout)
    return runs


def measure(repeat: int) -> dict[str, list[float]]:
    """Per-call seconds of every round, by client."""
    with tempfile.TemporaryDirectory(prefix="bench-owner-call-") as scratch, ExitStack() as stack:
        out = Path(scratch)
        grpc_project = render_project(out / "grpc", patterns="api", api="grpc")
        http_project = render_project(out / "http", patterns="api")
        stubs = [sys.executable, str(grpc_project / "tools" / "grpc_stubs.py")]
        subprocess.run(stubs, check=True)
        http_port, grpc_port = infra.free_port(), infra.free_port()
        env = {
            **os.environ,
            "PYTHONPATH": f"{grpc_project / 'services'}:{grpc_project / 'gen'}",
            "DATABASE_URL": f"sqlite+aiosqlite:///{out / 'owner.db'}",
            "GRPC_PORT": str(grpc_port),
        }
        logs = out / "owner.log"
        for argv in (
            [sys.executable, "-m", "uvicorn", "user_service.app:app", "--port", str(http_port)],
            [sys.executable, "-m", "user_service.grpc_server"],
        ):
            with logs.open("a") as log:
                process = subprocess.Popen(argv, env=env, cwd=out, stdout=log, stderr=log)
            stack.callback(process.wait, 10)
            stack.callback(process.terminate)
        base = f"http://127.0.0.1:{http_port}"
        _wait(f"{base}/health")
        ids = [f"u{i}" for i in range(ENTITIES)]
        for user_id in ids:
            body = {"name": f"User {user_id}", "email": f"{user_id}@example.com"}
            httpx.put(f"{base}/users/{user_id}", json=body, timeout=10).raise_for_status()
        runs: dict[str, list[float]] = {"HTTP (httpx client)": [], "gRPC (grpc.aio client)": []}
        for _ in range(repeat):
            runs["HTTP (httpx client)"] += _probe(http_project, base, ids)
            runs["gRPC (grpc.aio client)"] += _probe(grpc_project, f"127.0.0.1:{grpc_port}", ids)
        return runs


def main(repeat: int = 15) -> str:
    """Run the benchmark, write its section, and return it."""
    rounds = max(2, repeat // 5)
    runs = measure(rounds)
    baseline = statistics.median(runs["HTTP (httpx client)"])
    rows = [
        "| client | calls | median (ms) | p99 (ms) | calls/s, one at a time "
        "| median ratio to HTTP |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, values in runs.items():
        mid = statistics.median(values)
        rows.append(
            f"| {name} | {len(values)} | {mid * 1000:.2f} | {percentile(values, 0.99) * 1000:.2f} "
            f"| {len(values) / sum(values):.0f} | {mid / baseline:.2f}x |"
        )
    body = "\n".join(
        [
            "## The owner call: gRPC against HTTP",
            "",
            f"{machine()}; {rounds} rounds of {READS} sequential reads of {ENTITIES} entities "
            "per client, the clients taking turns; the owner on SQLite, on this machine.",
            "",
            *rows,
        ]
    )
    write_section("owner-call", body)
    return body


if __name__ == "__main__":
    print(main())
