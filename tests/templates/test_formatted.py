"""Rendered code is already what ``ruff format`` writes, and passes ``ruff check``.

The templates write formatted code themselves (no formatter runs at render time), so a
project stays byte-for-byte what its options say. Lines whose length depends on names are
written exploded with trailing commas, which ruff keeps whatever the names' lengths: the
matrix therefore includes long service and entity names and every field type.
"""

from __future__ import annotations

import subprocess
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version
from tests.support.projects import ALL_PATTERNS, broker_profiles, render_project, tool

pytestmark = pytest.mark.slow

BROKERS = tuple(broker_profiles())
PATTERN_SETS = ("api", "event", "event,replica", "sdk", "api,sdk")
LONG_NAMES = {
    "name": "A project with a rather long name for its services",
    "owner": "customer-relationship-management-service",
    "consumer": "order-fulfilment-and-invoicing-svc",  # SQS: queue names <= 80
    "entity": "CustomerAccountRegistration",
    "fields": "name,age:int,score:float,active:bool,a_rather_long_field_name_for_an_entity:str",
}

CASES: dict[str, dict[str, str]] = {
    **{
        f"full-bff-{broker}": {"patterns": ALL_PATTERNS, "broker": broker, "bff": "yes"}
        for broker in BROKERS
    },
    **{
        f"{patterns}-{BROKERS[i % len(BROKERS)]}": {
            "patterns": patterns,
            "broker": BROKERS[i % len(BROKERS)],
        }
        for i, patterns in enumerate(PATTERN_SETS)
    },
    **{
        f"long-names-{broker}": {
            **LONG_NAMES,
            "patterns": ALL_PATTERNS,
            "broker": broker,
            "bff": "yes",
        }
        for broker in BROKERS
    },
    "one-int-field-api-bff": {"fields": "age:int", "patterns": "api", "bff": "yes"},
    "short-names": {
        "owner": "a-service",
        "consumer": "b-service",
        "entity": "X",
        "fields": "n",
        "patterns": ALL_PATTERNS,
        "broker": BROKERS[0],
    },
}


def ruff(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [tool("ruff"), *args, "--no-cache", "."],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


@pytest.fixture(scope="module")
def projects(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("formatted")
    return {name: render_project(base / name, **context) for name, context in CASES.items()}


def test_the_matrix_has_each_broker_with_everything_and_long_names() -> None:
    full = {c["broker"] for c in CASES.values() if c["patterns"] == ALL_PATTERNS and c.get("bff")}
    assert full == set(BROKERS)
    assert {c["broker"] for n, c in CASES.items() if n.startswith("long-names-")} == set(BROKERS)
    assert {c["patterns"] for c in CASES.values()} >= set(PATTERN_SETS)


def test_every_rendered_project_passes_ruff_check_and_format(projects: dict[str, Path]) -> None:
    failures = []
    for name, project in projects.items():
        checked = ruff("check", cwd=project)
        formatted = ruff("format", "--check", cwd=project)
        if checked.returncode or formatted.returncode:
            diff = ruff("format", "--diff", cwd=project)
            failures.append(f"{name}:\n{checked.stdout}{formatted.stdout}{diff.stdout[:3000]}")
    assert failures == [], "\n".join(failures)


def test_the_ruff_running_here_is_the_one_projects_pin(projects: dict[str, Path]) -> None:
    """A formatter style differs between ruff series: the test is only as good as this."""
    pyproject = tomllib.loads((projects["short-names"] / "pyproject.toml").read_text("utf-8"))
    pinned = [Requirement(r) for r in pyproject["project"]["optional-dependencies"]["dev"]]
    (spec,) = [r.specifier for r in pinned if r.name == "ruff"]
    shown = subprocess.run([tool("ruff"), "--version"], capture_output=True, text=True, check=True)
    version = Version(shown.stdout.split()[1])
    assert version in spec, f"ruff {version} is not in the generated projects' pin {spec}"


def test_the_generated_ci_and_makefile_run_both_ruff_commands(projects: dict[str, Path]) -> None:
    project = projects["short-names"]
    workflow = (project / ".github" / "workflows" / "ci.yml").read_text("utf-8")
    makefile = (project / "Makefile").read_text("utf-8")
    for text in (workflow, makefile):
        assert "ruff check ." in text
        assert "ruff format --check ." in text
