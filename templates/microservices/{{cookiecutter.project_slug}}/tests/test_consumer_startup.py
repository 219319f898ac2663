"""The consumer started while no broker answers waits for one instead of dying."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_the_consumer_waits_for_the_broker_and_logs_it_once(tmp_path: Path) -> None:
    with socket.socket() as refusing:
        refusing.bind(("127.0.0.1", 0))  # bound, never listening: connecting is refused
        port = refusing.getsockname()[1]
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT / "services"),
            "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'consumer.db'}",
            "BROKER_URL": {{ broker_profiles()[cookiecutter.broker].url.on_port | json_str }}.format(port=port),
            "CONSUMER_METRICS_PORT": str(free_port()),
            "LOG_LEVEL": "INFO",
        }
        log = tmp_path / "consumer.log"
        with log.open("w") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "{{ cookiecutter.__consumer_pkg }}.consumer"],
                env=env,
                stderr=out,
            )
            end = time.monotonic() + 60  # start-up may be slow on a busy machine
            while (
                "the broker is unavailable" not in log.read_text()
                and process.poll() is None
                and time.monotonic() < end
            ):
                time.sleep(0.1)
            time.sleep(3)  # a few more connection attempts
            still_running = process.poll() is None
            process.send_signal(signal.SIGTERM)
            process.wait(30)
        stderr = log.read_text()
    assert still_running, stderr[-3000:]
    assert "Traceback" not in stderr, stderr[-3000:]
    logger = " {{ cookiecutter.__consumer_pkg }}.consumer: "
    ours = [line for line in stderr.splitlines() if logger in line]
    assert len(ours) == 1 and " WARNING " in ours[0] and "the broker is unavailable" in ours[0], stderr[
        -3000:
    ]
    assert ours[0][:4].isdigit(), ours  # a timestamp first
