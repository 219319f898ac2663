"""`advisor update`: re-decide, three-way merge into the team's project, never half-applied."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from advisor import record
from advisor.engine.evaluate import recommend
from advisor.questions.model import validate_answers
from tests.support.cli import advisor

GIT_ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "team",
    "GIT_AUTHOR_EMAIL": "team@example.com",
    "GIT_COMMITTER_NAME": "team",
    "GIT_COMMITTER_EMAIL": "team@example.com",
}
#: A low-volume flow whose users must see the latest write: the API.
API = {"freshness": "realtime", "reads_per_second": 5, "writes_per_second": 1, "consumers": 1}
#: The same flow once reads grew and a few seconds of staleness became fine: a replica.
REPLICA_FLAGS = ("--freshness", "seconds", "--reads-per-second", "5000")


def _git(project: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=project, env=GIT_ENV, capture_output=True, text=True, check=True
    )
    return done.stdout


def _project(tmp_path: Path, answers: dict[str, object], *extra: str) -> Path:
    """A project rendered from ``answers`` and committed, as a team starts from."""
    source = tmp_path / "answers.yml"
    source.write_text(yaml.safe_dump(answers), encoding="utf-8")
    project = tmp_path / "shop"
    done = advisor("new", str(project), "--from", str(source), "--no-input", *extra)
    assert done.returncode == 0, done.stderr
    _git(project, "init", "-q")
    _git(project, "add", "-A")
    _git(project, "commit", "-qm", "rendered by advisor")
    return project


def _commit(project: Path, message: str) -> None:
    _git(project, "add", "-A")
    _git(project, "commit", "-qm", message)


def _tree(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and ".git" not in path.relative_to(root).parts
    }


def _expected(answers: dict[str, object], *flags: str) -> list[str]:
    given = dict(answers)
    for flag, value in zip(flags[::2], flags[1::2], strict=True):
        given[flag.removeprefix("--").replace("-", "_")] = int(value) if value.isdigit() else value
    return list(recommend(validate_answers(given)).patterns)


def test_api_to_replica_keeps_edits_adds_the_pattern_and_links_the_adrs(tmp_path: Path) -> None:
    project = _project(tmp_path, API)
    before = yaml.safe_load((project / record.RECORD_FILE).read_text("utf-8"))["project"]
    new_patterns = _expected(API, *REPLICA_FLAGS)
    assert before["patterns"] != new_patterns and "replica" in new_patterns
    consumer = project / "services" / "order_service"
    settings = consumer / "settings.py"
    edited = "# The team's own note, kept across updates.\n" + settings.read_text("utf-8")
    settings.write_text(edited, encoding="utf-8")
    (consumer / "team_helpers.py").write_text("TEAM = True\n", encoding="utf-8")
    _commit(project, "our edits")

    done = advisor("update", str(project), *REPLICA_FLAGS)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "(changed)" in done.stdout
    assert (consumer / "team_helpers.py").read_text("utf-8") == "TEAM = True\n"
    assert settings.read_text("utf-8").startswith("# The team's own note")
    assert (consumer / "projector.py").is_file() and (consumer / "bootstrap.py").is_file()
    saved = yaml.safe_load((project / record.RECORD_FILE).read_text("utf-8"))
    assert saved["project"]["patterns"] == new_patterns
    adrs = sorted((project / "docs" / "adr").glob("*.md"))
    assert [a.name[:4] for a in adrs] == ["0001", "0002"]
    assert f"superseded by [{adrs[1].stem}]({adrs[1].name})" in adrs[0].read_text("utf-8")
    assert f"Supersedes: [{adrs[0].stem}]({adrs[0].name})" in adrs[1].read_text("utf-8")
    migration = (project / "docs" / "migration.md").read_text("utf-8")
    assert "Backfill" in migration and adrs[1].name in migration
    # The updated project passes its own suite, the team's edits included.
    suite = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert suite.returncode == 0, suite.stdout[-3000:] + suite.stderr[-2000:]


def test_the_same_answers_give_an_empty_diff_and_exit_0(tmp_path: Path) -> None:
    project = _project(tmp_path, API)
    before = _tree(project)
    dry = advisor("update", str(project), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout == ""
    done = advisor("update", str(project))
    assert done.returncode == 0, done.stderr
    assert "nothing to change" in done.stdout
    assert _tree(project) == before


def test_dry_run_prints_the_diff_and_writes_nothing(tmp_path: Path) -> None:
    project = _project(tmp_path, API)
    before = _tree(project)
    done = advisor("update", str(project), *REPLICA_FLAGS, "--dry-run")
    assert done.returncode == 0, done.stderr
    assert "+++ b/services/order_service/projector.py" in done.stdout
    assert _tree(project) == before


def test_a_conflicting_edit_is_left_as_markers_listed_and_exit_1(tmp_path: Path) -> None:
    project = _project(tmp_path, API)
    record_file = project / record.RECORD_FILE
    readme = project / "README.md"
    lines = readme.read_text("utf-8").splitlines(keepends=True)
    # Rewrite the line naming the patterns, which the update rewrites too.
    index = next(i for i, line in enumerate(lines) if "Patterns:" in line)
    lines[index] = "Patterns: whatever the team says.\n"
    readme.write_text("".join(lines), encoding="utf-8")
    _commit(project, "our README")
    done = advisor("update", str(project), *REPLICA_FLAGS)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "conflict README.md" in done.stdout
    text = readme.read_text("utf-8")
    assert "<<<<<<< yours" in text and ">>>>>>> advisor update" in text
    assert "whatever the team says" in text
    assert "replica" in yaml.safe_load(record_file.read_text("utf-8"))["project"]["patterns"]


def test_broker_change_rabbitmq_to_kafka(tmp_path: Path) -> None:
    answers = {**API, "freshness": "minutes", "existing_broker": "rabbitmq"}
    flags = ("--existing-broker", "kafka")
    old = recommend(validate_answers(answers))
    new = recommend(validate_answers({**answers, "existing_broker": "kafka"}))
    assert (old.broker, new.broker) == ("rabbitmq", "kafka")
    project = _project(tmp_path, answers)
    done = advisor("update", str(project), *flags)
    assert done.returncode == 0, done.stdout + done.stderr
    saved = yaml.safe_load((project / record.RECORD_FILE).read_text("utf-8"))
    assert saved["project"]["broker"] == "kafka"
    requirements = (project / "services" / "order_service" / "requirements.txt").read_text()
    assert "faststream[kafka]" in requirements and "rabbit" not in requirements
    assert "run kafka beside rabbitmq" in (project / "docs" / "migration.md").read_text().lower()


def test_adding_the_sdk(tmp_path: Path) -> None:
    flags = ("--internal-tooling",)
    new = recommend(validate_answers({**API, "internal_tooling": True}))
    assert "sdk" in new.patterns
    project = _project(tmp_path, API)
    done = advisor("update", str(project), *flags)
    assert done.returncode == 0, done.stdout + done.stderr
    assert list((project / "libs").glob("*-sdk/pyproject.toml"))


def test_uncommitted_changes_are_refused_unless_allowed(tmp_path: Path) -> None:
    project = _project(tmp_path, API)
    (project / "README.md").write_text("changed\n", encoding="utf-8")
    done = advisor("update", str(project), *REPLICA_FLAGS)
    assert done.returncode == 2
    assert "uncommitted" in done.stderr and len(done.stderr.splitlines()) == 1
    allowed = advisor("update", str(project), *REPLICA_FLAGS, "--allow-dirty")
    assert allowed.returncode in (0, 1), allowed.stderr


@pytest.mark.parametrize(
    ("content", "needle"),
    [(None, "no .advisor-answers.yml"), ("freshness: seconds\n", "not a project record")],
)
def test_a_project_without_a_record_is_refused(
    tmp_path: Path, content: str | None, needle: str
) -> None:
    if content is not None:
        (tmp_path / record.RECORD_FILE).write_text(content, encoding="utf-8")
    done = advisor("update", str(tmp_path), "--allow-dirty")
    assert done.returncode == 2 and needle in done.stderr, done.stderr


def test_check_says_when_the_project_is_behind(tmp_path: Path) -> None:
    project = _project(tmp_path, API)
    ok = advisor("update", str(project), "--check")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    record_file = project / record.RECORD_FILE
    text = record_file.read_text("utf-8")
    saved = yaml.safe_load(text)
    record_file.write_text(text.replace(saved["template"], "sha256:0000000000000000"), "utf-8")
    behind = advisor("update", str(project), "--check")
    assert behind.returncode == 1
    assert len(behind.stdout.splitlines()) == 1 and "template" in behind.stdout


def test_an_update_killed_midway_leaves_the_project_as_it_was_or_updated(
    tmp_path: Path,
) -> None:
    project = _project(tmp_path, API)
    before = _tree(project)
    args = [sys.executable, "-m", "advisor", "update", str(project), *REPLICA_FLAGS]
    started = time.monotonic()
    whole = subprocess.run(args, capture_output=True, text=True, check=False)
    duration = time.monotonic() - started
    assert whole.returncode == 0, whole.stderr
    after = _tree(project)
    _git(project, "reset", "-q", "--hard")
    _git(project, "clean", "-qfd")
    assert _tree(project) == before
    outcomes = set()
    for fraction in (0.3, 0.6, 0.8, 0.9, 0.95, 0.99):
        process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(duration * fraction)
        process.send_signal(signal.SIGKILL)
        process.wait()
        # Any later update first rolls back what a killed one left half-done.
        check = advisor("update", str(project), "--check")
        assert check.returncode in (0, 1), check.stderr
        state = _tree(project)
        assert state in (before, after)
        outcomes.add("before" if state == before else "after")
        _git(project, "reset", "-q", "--hard")
        _git(project, "clean", "-qfd")
    assert "before" in outcomes
