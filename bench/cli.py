"""Whole-process timings of the CLI against `python -c pass` and `cookiecutter --version`.

Target (issue 3): `advisor recommend --answers X --format json` <= 1.5x `cookiecutter --version`.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from bench.report import machine, table, time_command, write_section

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _tool(name: str) -> str | None:
    path = BIN / name
    return str(path) if path.exists() else shutil.which(name)


def main(repeat: int = 15) -> str:
    """Run the benchmark, write its section, and return the table."""
    advisor = _tool("advisor")
    cookiecutter = _tool("cookiecutter")
    assert advisor and cookiecutter, "run `make bench`, which installs both"
    answers = str(ROOT / "examples" / "answers.yml")
    baseline = time_command("cookiecutter --version", [cookiecutter, "--version"], repeat)
    timings = [
        time_command("python -c pass", [sys.executable, "-c", "pass"], repeat),
        baseline,
        time_command("advisor --help", [advisor, "--help"], repeat),
        time_command(
            "advisor recommend --answers X --format json",
            [advisor, "recommend", "--answers", answers, "--format", "json"],
            repeat,
        ),
    ]
    copier = _tool("copier")
    if copier:
        timings.insert(2, time_command("copier --version", [copier, "--version"], repeat))
    recommend = timings[-1]
    verdict = "met" if recommend.median <= 1.5 * baseline.median else "NOT met"
    body = "\n".join(
        [
            "## CLI start-up",
            "",
            f"{machine()}; {repeat} runs each after one warm-up; wall clock of whole processes.",
            "",
            table(timings, baseline),
            "",
            f"Target `recommend` <= 1.5x `cookiecutter --version`: **{verdict}** "
            f"({recommend.median / baseline.median:.2f}x)."
            + ("" if copier else " copier is not installed, so it is not measured."),
        ]
    )
    write_section("cli", body)
    return body


if __name__ == "__main__":
    print(main())
