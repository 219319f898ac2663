"""Ways to drive the CLI in tests: a subprocess, in-process, or on a pseudo-terminal."""

from __future__ import annotations

import os
import subprocess
import sys
import unittest.mock
from pathlib import Path

import pexpect


def advisor(
    *args: str, stdin: str | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m advisor ARGS`` as users do; never waits on a terminal."""
    return subprocess.run(
        [sys.executable, "-m", "advisor", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        input=stdin,
    )


def run_main(args: list[str]) -> int:
    """The console entry point, in-process (fast for fuzzing); its exit code."""
    from advisor.cli import main

    with unittest.mock.patch.object(sys, "argv", ["advisor", *args]):
        try:
            main()
        except SystemExit as exited:
            return int(exited.code or 0)
    return 0


def spawn(args: list[str], cwd: Path) -> pexpect.spawn:
    """``advisor ARGS`` on a real pseudo-terminal, as a person at a terminal runs it."""
    env = {**os.environ, "TERM": "xterm", "NO_COLOR": "1", "CI": "false", "COLUMNS": "120"}
    return pexpect.spawn(
        sys.executable,
        ["-m", "advisor", *args],
        env=env,
        cwd=str(cwd),
        encoding="utf-8",
        timeout=30,
        dimensions=(40, 120),
    )
