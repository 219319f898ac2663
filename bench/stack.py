"""The real infrastructure the service benchmarks run on, through the integration tests' helpers.

``tests/support`` (brokers, databases, service processes) is imported as the package
``tests.support`` (``python -m bench`` runs from the repository's root) rather than copied:
the benchmarks then start everything exactly as the integration tests do.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

import asyncpg

from tests.support import infra
from tests.support.pipeline import Pipeline, put_once
from tests.support.projects import ALL_PATTERNS, render_project

ROOT = Path(__file__).resolve().parents[1]

__all__ = [
    "ALL_PATTERNS",
    "Pipeline",
    "broker",
    "cpu_seconds",
    "cpu_seconds_of",
    "fetch",
    "infra",
    "put_once",
    "render_project",
    "rss_mib",
]

# A smoke run: smaller loads and sizes, for checking the benchmarks themselves.
SMOKE = os.environ.get("BENCH_SMOKE", "").lower() in ("1", "true", "yes")


def broker(name: str) -> contextlib.AbstractContextManager[str]:
    """A private broker URL of kind ``name``, as the integration tests get one."""
    return infra.broker(name, "bench")


async def fetch(database_url: str, sql: str, *args: Any) -> list[asyncpg.Record]:
    """Rows of one query on a service's PostgreSQL database (SQLAlchemy URL accepted)."""
    connection = await asyncpg.connect(database_url.replace("+asyncpg", ""))
    try:
        return list(await connection.fetch(sql, *args))
    finally:
        await connection.close()


def rss_mib(pid: int) -> tuple[float, float]:
    """Resident memory of a process now and at its peak (VmRSS, VmHWM), in MiB."""
    status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    values = {
        line.split(":")[0]: int(line.split()[1]) / 1024
        for line in status.splitlines()
        if line.startswith(("VmRSS", "VmHWM"))
    }
    return values["VmRSS"], values["VmHWM"]


_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a running process has used so far (0 if it is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8")
    except OSError:
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()  # after the command name, which may hold spaces
    return (int(fields[11]) + int(fields[12])) / _TICKS


def cpu_seconds_of(word: str) -> float:
    """CPU seconds of every process whose command line contains ``word`` (a server's workers).

    The command line's arguments are joined by spaces, each one followed by one, so that
    ``word`` may span arguments (``-p 5000 `` is port 5000, not 50001).
    """
    total = 0.0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
            except OSError:
                continue
            if word.encode() in command:
                total += cpu_seconds(int(entry.name))
    return total
