"""Run a generated project's services as real processes and talk to them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import httpx


class ServiceProcess:
    """One service process (uvicorn app, relay, consumer) with its log kept for failures."""

    def __init__(
        self, name: str, args: Sequence[str], cwd: Path, env: Mapping[str, str], log_dir: Path
    ) -> None:
        self.name = name
        self.args = list(args)
        self.cwd = cwd
        self.env = {**os.environ, **env}
        self.log = log_dir / f"{name}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> ServiceProcess:
        """Start (or restart) the process, appending to its log."""
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                self.args,
                cwd=self.cwd,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None, f"{self.name} was never started"
        return self.proc.pid

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL: no chance to clean up, as in a crash."""
        self._signal(signal.SIGKILL)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after a grace period."""
        self._signal(signal.SIGTERM, grace_s=10)

    def _signal(self, sig: signal.Signals, grace_s: float = 5) -> None:
        if not self.running or self.proc is None:
            return
        os.killpg(self.proc.pid, sig)
        try:
            self.proc.wait(grace_s)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def tail(self, chars: int = 3000) -> str:
        """The end of the process's log, for failure messages."""
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""


def uvicorn(app: str, port: int) -> list[str]:
    """The command line that serves an ASGI app on 127.0.0.1:port."""
    return [sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port)]


def wait_http(url: str, deadline_s: float, process: ServiceProcess | None = None) -> None:
    """Wait until ``url`` answers (any status below 500)."""
    end = time.monotonic() + deadline_s
    last: object = None
    while time.monotonic() < end:
        if process is not None and not process.running:
            raise AssertionError(f"{process.name} exited early:\n{process.tail()}")
        try:
            if httpx.get(url, timeout=1.0).status_code < 500:
                return
        except httpx.HTTPError as exc:
            last = exc
        time.sleep(0.2)
    logs = process.tail() if process else ""
    raise AssertionError(f"{url} did not answer within {deadline_s}s ({last})\n{logs}")
