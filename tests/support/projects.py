"""Render generated projects for tests with plain cookiecutter (no advisor CLI in between)."""

from __future__ import annotations

import functools
import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from advisor.resources import templates_dir

TEMPLATE = templates_dir() / "microservices"
ALL_PATTERNS = "api,event,replica,sdk"


@functools.cache
def broker_profiles() -> dict[str, dict[str, Any]]:
    """The template's broker table, read through its own ``microservices_rules.broker_profiles``."""
    path = TEMPLATE / "microservices_rules.py"
    spec = importlib.util.spec_from_file_location("_tests_microservices_rules", path)
    assert spec is not None and spec.loader is not None, path
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    profiles: dict[str, dict[str, Any]] = module.broker_profiles()
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
