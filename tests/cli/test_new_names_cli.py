"""`advisor new` refuses names the generated project already uses, in one line, as users run it.

These run ``python -m advisor`` in a subprocess: in-process, pytest's own log handler would
swallow the traceback cookiecutter logs, and these tests are about what reaches stderr.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def advisor_new(dest: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "advisor", "new", str(dest), "--no-input", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "CI": "true"},
        check=False,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--fields", "version:int"], "--fields: field 'version' is reserved: a column"),
        (["--fields", "name,replicated_at"], "--fields: field 'replicated_at' is reserved"),
        (["--entity", "Base"], "--entity: 'Base' is reserved: a class the generated code"),
        (["--owner", "fastapi"], "--owner: 'fastapi' is reserved: its package 'fastapi'"),
    ],
)
def test_a_reserved_name_is_one_line_and_exit_2(
    tmp_path: Path, args: list[str], expected: str
) -> None:
    dest = tmp_path / "project"
    done = advisor_new(dest, "--patterns", "api,event,replica", *args)
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"advisor: error: {expected}")
    assert not dest.exists()
    assert list(tmp_path.iterdir()) == []


def test_a_failing_hook_prints_no_traceback(tmp_path: Path, broken_template: Path) -> None:
    dest = tmp_path / "work" / "project"
    done = advisor_new(dest, "--patterns", "api", "--template", str(broken_template))
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "Stopping generation" not in done.stderr  # cookiecutter's log line
    assert done.stderr.splitlines()[-1].startswith("advisor: error: the template's hook failed")
    assert not dest.exists()
