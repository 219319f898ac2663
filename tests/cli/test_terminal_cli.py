"""What a person at a terminal sees: the wizard's progress, help and skips, Ctrl-C, and
`advisor new`'s next steps. Driven on a real pseudo-terminal."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pexpect
import pytest

from advisor.questions.model import questions
from advisor.types import AnswerValue
from advisor.wizard.relevance import should_ask
from tests.support.cli import advisor, printed, spawn

CATALOGUE = {q.key: q for q in questions()}
TOTAL = len(CATALOGUE)
DOWN = "\x1b[B"


def _place(key: str) -> str:
    return f"[{list(CATALOGUE).index(key) + 1}/{TOTAL}]"


def _advisor_lines(screen: str) -> list[str]:
    """The advisor's own lines among the prompts' escape codes."""
    return re.findall(r"advisor: [^\r\n]*", screen)


def _expect_prompt(child: pexpect.spawn[str], place: str, prompt: str) -> None:
    # prompt_toolkit styles the place and the question apart: escape codes between them.
    child.expect_exact(place)
    child.expect_exact(prompt)


def test_wizard_shows_help_progress_and_why_it_skips(tmp_path: Path) -> None:
    # Real-time reads by one consumer, no tooling, no shared database: the rules leave
    # only a few questions able to change the advice. Which ones, the rules decide.
    given: dict[str, AnswerValue] = {}
    script: dict[str, tuple[str, AnswerValue]] = {
        "freshness": ("\r", "realtime"),
        "reads_per_second": ("5\r", 5),
        "writes_per_second": ("1\r", 1),
        "enforces_invariant": ("n", False),
        "consumer_kind": ("\r", "service"),
        "owners_per_view": ("\r", 1),
        "must_survive_owner_outage": ("n", False),
        "internal_tooling": ("n", False),
        "shared_database": ("n", False),
    }
    child = spawn(["recommend", "--format", "json"], cwd=tmp_path)
    skipped = []
    for key, q in CATALOGUE.items():
        if should_ask(q, given):
            child.expect_exact(q.help[:40])  # the help text first, as copier shows it
            _expect_prompt(child, _place(key), q.prompt)
            keys, value = script[key]
            child.send(keys)
            given[key] = value
        else:
            kept = "yes" if q.default is True else "no" if q.default is False else q.default
            line = (
                f"{_place(key)} {q.prompt} skipped: no answer can change the advice (kept {kept})"
            )
            child.expect_exact(line + "\r\n")
            skipped.append(key)
            assert q.default is not None  # only optional questions are skipped
            given[key] = q.default
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, printed(child)
    assert "consumers" in skipped and "same_language" in skipped
    assert json.loads(printed(child)[printed(child).index("{") :])["strategy"] == "api"


def test_ctrl_c_in_the_wizard_says_nothing_was_written(tmp_path: Path) -> None:
    child = spawn(["recommend", "--save", "saved.yml"], cwd=tmp_path)
    child.expect_exact(_place("freshness"))
    child.send("\r")
    child.expect_exact(_place("reads_per_second"))
    child.sendcontrol("c")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert _advisor_lines(printed(child)) == ["advisor: error: interrupted: nothing was written"]
    assert list(tmp_path.iterdir()) == []


def test_project_wizard_counts_and_says_why_it_skips_the_broker(
    tmp_path: Path, mini_template: Path
) -> None:
    child = spawn(
        ["new", "shop", "--template", str(mini_template), "--owner", "billing"], cwd=tmp_path
    )
    child.expect_exact("advisor recommend` says which fit")
    _expect_prompt(child, "[1/7]", "Patterns to render")
    child.send(DOWN + " ")  # api and event preselected: drop event
    child.send("\r")
    child.expect_exact("[2/7] Broker skipped: no events flow with api")
    child.expect_exact("[3/7] Schema compatibility for events skipped: no events flow with api")
    for step in range(4, 8):
        child.expect_exact(f"[{step}/7]")
        child.send("\r")
    child.expect_exact("Next:")
    child.expect(r"cd shop\r\n\s+make test .*\r\n\s+make dev ")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, printed(child)
    assert "billing" in (tmp_path / "shop" / "README.md").read_text(encoding="utf-8")


def test_project_wizard_ctrl_c_writes_nothing(tmp_path: Path, mini_template: Path) -> None:
    child = spawn(["new", "shop", "--template", str(mini_template)], cwd=tmp_path)
    _expect_prompt(child, "[1/8]", "Patterns to render")
    child.sendcontrol("c")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert "Cancelled by user" not in printed(child)
    assert _advisor_lines(printed(child)) == ["advisor: error: interrupted: nothing was written"]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("dest", ["shop", "my shop"])
def test_new_ends_with_what_to_run_next(tmp_path: Path, mini_template: Path, dest: str) -> None:
    out = tmp_path / "files.txt"
    args = ["new", dest, "--patterns", "replica", "--broker", "rabbitmq"]
    child = spawn([*args, "--template", str(mini_template)], cwd=tmp_path, stdout=out)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, printed(child)
    quoted = "'my shop'" if " " in dest else dest
    tail = printed(child).replace("\r\n", "\n").split("Next:\n", 1)[1].splitlines()
    assert tail[0] == f"  cd {quoted}"
    assert tail[1].startswith("  make test ")
    assert tail[2].startswith("  make dev ") and "rabbitmq broker" in tail[2]
    # stdout, redirected, still holds only the files written.
    files = out.read_text(encoding="utf-8").splitlines()
    assert files and all((tmp_path / line).is_file() for line in files)


def test_no_next_steps_in_a_pipe_or_for_a_dry_run(tmp_path: Path, mini_template: Path) -> None:
    done = advisor(
        "new", str(tmp_path / "shop"), "--patterns", "api", "--template", str(mini_template)
    )
    assert done.returncode == 0 and "Next:" not in done.stderr
    child = spawn(
        ["new", "other", "--patterns", "api", "--dry-run", "--template", str(mini_template)],
        cwd=tmp_path,
    )
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0 and "would write" in printed(child)
    assert "Next:" not in printed(child)


def test_broker_without_events_is_a_note(tmp_path: Path, mini_template: Path) -> None:
    done = advisor(
        "new",
        str(tmp_path / "shop"),
        *("--patterns", "api,sdk", "--broker", "rabbitmq", "--template", str(mini_template)),
    )
    assert done.returncode == 0
    notes = [line for line in done.stderr.splitlines() if line.startswith("advisor:")]
    assert notes == ["advisor: note: --broker rabbitmq ignored: no events flow with api,sdk"]
    with_events = advisor(
        "new",
        str(tmp_path / "other"),
        *("--patterns", "event", "--broker", "rabbitmq", "--template", str(mini_template)),
    )
    assert with_events.returncode == 0 and "advisor:" not in with_events.stderr
