"""A generated README's walkthrough works as written: `make dev`, then its curl commands."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support import infra
from tests.support.pipeline import eventually
from tests.support.processes import wait_http
from tests.support.projects import ALL_PATTERNS, render_project


def walkthrough(readme: Path) -> list[str]:
    """The shell commands of the README's "Try it" block, continuation lines joined."""
    text = readme.read_text(encoding="utf-8")
    block = re.search(r"## Try it\s+```sh\n(.*?)```", text, re.S)
    assert block, "the README has no 'Try it' walkthrough"
    commands: list[str] = []
    for line in block.group(1).replace("\\\n", " ").splitlines():
        line = re.sub(r"\s+#.*$", "", line).strip()  # trailing comments
        if line and not line.startswith("#"):
            commands.append(line)
    return commands


@contextlib.contextmanager
def make_dev(
    project: Path, broker_url: str, ports: dict[str, int]
) -> Iterator[subprocess.Popen[bytes]]:
    """`make dev` with this suite's interpreter (no second virtual environment), on the
    free ``ports`` (the Makefile's OWNER_PORT, CONSUMER_PORT, CONSUMER_METRICS_PORT)."""
    stamp = project / ".venv-stamp"
    stamp.touch()
    log = (project / "make-dev.log").open("wb")
    process = subprocess.Popen(
        [
            "make",
            "dev",
            f"BIN={Path(sys.executable).parent}",
            f"STAMP={stamp}",
            *(f"{name}={port}" for name, port in ports.items()),
        ],
        cwd=project,
        env={**os.environ, "BROKER_URL": broker_url, "KAFKA_IDEMPOTENCE": "false"},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        yield process
    finally:
        stop_group(process.pid)
        process.wait(30)
        log.close()


def stop_group(pgid: int, grace_s: float = 20) -> None:
    """SIGTERM every process `make dev` started and wait until all are gone (SIGKILL after
    ``grace_s``), so none still holds a port when the next walkthrough starts."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGTERM)
        end = time.monotonic() + grace_s
        while time.monotonic() < end:
            os.killpg(pgid, 0)  # raises ProcessLookupError once the group is empty
            time.sleep(0.1)
        os.killpg(pgid, signal.SIGKILL)


#: The ports the README's commands name, by the Makefile variable that moves each.
_DEFAULT_PORTS = {"OWNER_PORT": 8001, "CONSUMER_PORT": 8002, "CONSUMER_METRICS_PORT": 9102}


@pytest.mark.parametrize("broker", ["rabbitmq", "kafka", "nats", "rabbitmq-streams"])
def test_readme_walkthrough(broker: str, tmp_path: Path) -> None:
    # Free ports, not the README's 8001/8002/9102, which a developer's own stack may hold.
    ports = {name: infra.free_port() for name in _DEFAULT_PORTS}
    project = render_project(tmp_path, patterns=ALL_PATTERNS, broker=broker)
    with infra.broker(broker) as broker_url, make_dev(project, broker_url, ports):
        log = project / "make-dev.log"
        for port in (ports["OWNER_PORT"], ports["CONSUMER_PORT"]):
            try:
                wait_http(f"http://127.0.0.1:{port}/health", 90)
            except AssertionError as exc:
                raise AssertionError(f"{exc}\n{log.read_text(errors='replace')[-3000:]}") from None
        entity_id = ""
        for command in walkthrough(project / "README.md"):
            command = command.replace("<id>", entity_id)
            for name, default in _DEFAULT_PORTS.items():
                command = command.replace(f"localhost:{default}", f"localhost:{ports[name]}")

            def run(command: str = command) -> str:
                done = subprocess.run(
                    ["bash", "-c", f"{command} -w '\\n%{{http_code}}'"],
                    capture_output=True,
                    text=True,
                    timeout=30,
                )
                body, _, status = done.stdout.rpartition("\n")
                assert done.returncode == 0 and status.startswith("2"), (command, done.stdout)
                return body

            body = run()
            if "-X POST" in command:
                entity_id = json.loads(body)["user_id"]
            elif "/view" in command:
                # Events flow asynchronously: the replica catches up within a bounded time.
                def from_replica(run: Callable[[], str] = run) -> str:
                    seen = run()
                    return seen if json.loads(seen)["source"] == "replica" else ""

                body = eventually(from_replica, 30)
                assert body, (
                    f"{command} never answered from the replica\n"
                    + log.read_text(errors="replace")[-6000:]
                )
            elif command.endswith("/metrics"):
                assert "replica_" in body
        assert entity_id, "the walkthrough never created a user"
