"""Timing helpers and the shared results file, ``docs/benchmarks.md``.

Each benchmark owns one section of the file, delimited by HTML comments, so
benchmarks can be re-run one at a time without losing the others' results.
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

RESULTS = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"


@dataclass(frozen=True)
class Timing:
    """Wall-clock seconds of repeated runs of one command."""

    name: str
    runs: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.runs)


def time_command(name: str, argv: Sequence[str], repeat: int, cwd: Path | None = None) -> Timing:
    """Run ``argv`` once to warm caches, then ``repeat`` times; each run's wall time."""
    subprocess.run(argv, cwd=cwd, check=True, capture_output=True)
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(argv, cwd=cwd, check=True, capture_output=True)
        runs.append(time.perf_counter() - start)
    return Timing(name, tuple(runs))


def table(timings: Sequence[Timing], baseline: Timing, unit: str = "ms") -> str:
    """A markdown table: median, min, max and the ratio of medians to the baseline."""
    scale = 1000 if unit == "ms" else 1
    rows = [
        f"| command | median ({unit}) | min | max | ratio to `{baseline.name}` |",
        "|---|---:|---:|---:|---:|",
    ]
    for t in timings:
        rows.append(
            f"| `{t.name}` | {t.median * scale:.0f} | {min(t.runs) * scale:.0f} "
            f"| {max(t.runs) * scale:.0f} | {t.median / baseline.median:.2f}x |"
        )
    return "\n".join(rows)


def machine() -> str:
    """One line about where the numbers come from."""
    return (
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}"
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
