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


def spawn(
    args: list[str],
    cwd: Path,
    *,
    stdout: Path | None = None,
    env: dict[str, str | None] | None = None,
) -> pexpect.spawn[str]:
    """``advisor ARGS`` on a real pseudo-terminal, as a person at a terminal runs it.

    ``stdout`` redirects the command's standard output to a file, as ``> FILE`` does,
    leaving stdin and stderr on the terminal. ``env`` sets variables (None unsets one).
    """
    base = {**os.environ, "TERM": "xterm", "NO_COLOR": "1", "CI": "false", "COLUMNS": "120"}
    for name, value in (env or {}).items():
        if value is None:
            base.pop(name, None)
        else:
            base[name] = value
    command, argv = sys.executable, ["-m", "advisor", *args]
    if stdout is not None:
        # The shell does the redirection; the command line reaches it as "$0" "$@".
        command, argv = "/bin/sh", ["-c", 'exec "$0" "$@" > "$ADVISOR_STDOUT"', command, *argv]
        base["ADVISOR_STDOUT"] = str(stdout)
    return pexpect.spawn(
        command,
        argv,
        env=base,
        cwd=str(cwd),
        encoding="utf-8",
        timeout=30,
        dimensions=(40, 120),
    )


def printed(child: pexpect.spawn[str]) -> str:
    """What the terminal showed before the last match (after ``EOF``: all that was left)."""
    before = child.before
    assert before is not None, "nothing was read from the terminal yet"
    return before
