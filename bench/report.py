"""Timing helpers and the shared results file, ``docs/benchmarks.md``.

Each benchmark owns one section of the file, delimited by HTML comments, so
benchmarks can be re-run one at a time without losing the others' results.
"""

from __future__ import annotations

import os
import platform
import resource
import statistics
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

RESULTS = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"


@dataclass(frozen=True)
class Timing:
    """Wall-clock seconds of repeated runs of one command (and their CPU seconds, if known)."""

    name: str
    runs: tuple[float, ...]
    cpu: tuple[float, ...] = ()

    @property
    def median(self) -> float:
        return statistics.median(self.runs)


def time_command(
    name: str,
    argv: Sequence[str],
    repeat: int,
    cwd: Path | None = None,
    before: Callable[[], object] | None = None,
) -> Timing:
    """Run ``argv`` once to warm caches, then ``repeat`` times; each run's wall time.

    ``before`` runs ahead of every run, untimed (e.g. to remove the previous output).
    """
    if before is not None:
        before()
    subprocess.run(argv, cwd=cwd, check=True, capture_output=True)
    runs = []
    for _ in range(repeat):
        if before is not None:
            before()
        start = time.perf_counter()
        subprocess.run(argv, cwd=cwd, check=True, capture_output=True)
        runs.append(time.perf_counter() - start)
    return Timing(name, tuple(runs))


def time_interleaved(
    commands: Sequence[tuple[str, Sequence[str]]],
    repeat: int,
    before: Callable[[], object] | None = None,
) -> list[Timing]:
    """Like :func:`time_command` for several commands, taking turns round by round.

    On a noisy machine, alternating keeps a burst of load from landing on one command only.
    """
    runs: list[list[float]] = [[] for _ in commands]
    cpu: list[list[float]] = [[] for _ in commands]
    for round_ in range(repeat + 1):
        for i, (_, argv) in enumerate(commands):
            if before is not None:
                before()
            used = _children_cpu()
            start = time.perf_counter()
            done = subprocess.run(argv, capture_output=True, text=True)
            if done.returncode:
                raise RuntimeError(f"{' '.join(argv)} exited {done.returncode}:\n{done.stderr}")
            if round_:  # round 0 warms caches
                runs[i].append(time.perf_counter() - start)
                cpu[i].append(_children_cpu() - used)
    return [
        Timing(name, tuple(r), tuple(c))
        for (name, _), r, c in zip(commands, runs, cpu, strict=True)
    ]


def _children_cpu() -> float:
    """User + system CPU seconds of every finished child process so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def table(timings: Sequence[Timing], baseline: Timing, unit: str = "ms") -> str:
    """A markdown table: median, min, max and the ratio of medians to the baseline.

    With CPU times for every row, their median (user + system) and its ratio follow.
    """
    scale = 1000 if unit == "ms" else 1
    with_cpu = all(t.cpu for t in (*timings, baseline))
    cpu_head = f" | CPU median ({unit}) | CPU ratio" if with_cpu else ""
    rows = [
        f"| command | median ({unit}) | min | max | ratio to `{baseline.name}`{cpu_head} |",
        "|---|---:|---:|---:|---:|" + ("---:|---:|" if with_cpu else ""),
    ]
    for t in timings:
        cpu = ""
        if with_cpu:
            mid, base = statistics.median(t.cpu), statistics.median(baseline.cpu)
            cpu = f" | {mid * scale:.0f} | {mid / base:.2f}x"
        rows.append(
            f"| `{t.name}` | {t.median * scale:.0f} | {min(t.runs) * scale:.0f} "
            f"| {max(t.runs) * scale:.0f} | {t.median / baseline.median:.2f}x{cpu} |"
        )
    return "\n".join(rows)


def machine() -> str:
    """One line about where the numbers come from, with the load other work put on it."""
    return (
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}, "
        f"load average {os.getloadavg()[0]:.1f} at the end"
    )


def write_section(key: str, body: str) -> None:
    """Replace (or append) the section ``key`` of docs/benchmarks.md."""
    start, end = f"<!-- {key}:start -->", f"<!-- {key}:end -->"
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmarks\n"
    block = f"{start}\n{body.rstrip()}\n{end}"
    if start in text and end in text:
        before, rest = text.split(start, 1)
        text = before + block + rest.split(end, 1)[1]
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    RESULTS.write_text(text, encoding="utf-8")
