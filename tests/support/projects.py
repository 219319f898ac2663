"""Render generated projects for tests with plain cookiecutter (no advisor CLI in between)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from advisor.resources import templates_dir

TEMPLATE = templates_dir() / "microservices"
ALL_PATTERNS = "api,event,replica,sdk"


def broker_profiles() -> dict[str, dict[str, Any]]:
    """The template's broker table, read as the template reads it (``microservices_rules``)."""
    from advisor.render.reserved import rules

    profiles: dict[str, dict[str, Any]] = rules().broker_profiles()
    return profiles


def render_project(output_dir: Path, **context: str) -> Path:
    """Render the microservices template into ``output_dir``; return the project folder."""
    from cookiecutter.main import cookiecutter

    return Path(
        cookiecutter(
            str(TEMPLATE),
            no_input=True,
            extra_context=context,
            output_dir=str(output_dir),
        )
    )


def tool(name: str) -> str:
    """A console script installed beside this interpreter (the project's venv)."""
    path = Path(sys.executable).with_name(name)
    found = str(path) if path.exists() else shutil.which(name)
    assert found, f"{name} is not installed: `make test` installs it from pyproject.toml"
    return found


def run(args: list[str], cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run a command, failing the test with its output when it exits non-zero."""
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done


def schemathesis_finds_no_server_error(base_url: str, cwd: Path, logs: str = "") -> None:
    """Fuzz a running service from its own OpenAPI document; no answer may be a 5xx."""
    done = subprocess.run(
        [
            tool("schemathesis"),
            "run",
            f"{base_url}/openapi.json",
            "--checks",
            "not_a_server_error",
            "--max-examples",
            "25",
            "--workers",
            "1",
        ],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:] + logs
