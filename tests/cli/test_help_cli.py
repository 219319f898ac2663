"""Every command's --help at 80 columns, and shell completion of every choice."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer.main

from advisor.checks import CHECKS
from advisor.cli import app
from advisor.cli.check import CheckFormat
from advisor.engine.loader import load_rules
from advisor.questions.model import questions
from advisor.render.context import renderable_brokers
from advisor.types import COMPATIBILITIES, STRATEGIES
from tests.support.cli import run_main

WIDTH = 80


def _commands() -> list[tuple[list[str], object]]:
    """Every command and group as (words after `advisor`, click command), the root first."""
    found: list[tuple[list[str], object]] = []

    def walk(words: list[str], command: object) -> None:
        found.append((words, command))
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            walk([*words, name], sub)

    walk([], typer.main.get_command(app))
    return found


COMMANDS = _commands()


def _help(
    words: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> str:
    monkeypatch.setenv("COLUMNS", str(WIDTH))
    capsys.readouterr()
    assert run_main([*words, "--help"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    return out


@pytest.mark.parametrize(
    ("words", "command"), COMMANDS, ids=[" ".join(w) or "advisor" for w, _ in COMMANDS]
)
def test_help_fits_80_columns_and_names_every_flag_whole(
    words: list[str],
    command: object,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text = _help(words, capsys, monkeypatch)
    too_wide = [line for line in text.splitlines() if len(line) > WIDTH]
    assert not too_wide, too_wide
    # No summary or flag name cut short ("Recommend how... ", "--must-survive-owne…").
    assert not re.search(r"[a-z](?:\.\.\.|…)", text), text
    assert not re.search(r"\s\.(?:\s|$)", text, re.M), "a space before a full stop"
    for param in getattr(command, "params", []):
        if getattr(param, "hidden", False):
            continue
        for name in [*param.opts, *param.secondary_opts]:
            if name.startswith("--"):
                assert re.search(rf"(?:^|[\s,/]){re.escape(name)}(?:$|[\s,/])", text, re.M), name
        if getattr(param, "is_flag", False):
            # A plain flag takes no value: nothing like `--strict <bool>`.
            for name in param.opts:
                assert not re.search(rf"{re.escape(name)} <", text), name


@pytest.mark.parametrize("command", ["recommend", "update"])
def test_answer_flags_have_their_own_section(
    command: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    options, answers = _help([command], capsys, monkeypatch).split("\nAnswers:\n")
    for q in questions():
        assert q.flag not in options and re.search(rf"^  {q.flag}\b", answers, re.M), q.flag
    assert "--help" in options and "--format" in options


def test_a_required_argument_shows_as_required(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    text = _help(["check"], capsys, monkeypatch)
    usage = text.splitlines()[0]
    assert "PATH" in usage and "[PATH]" not in usage, usage
    assert re.search(r"^\s+PATH\b.*\[required\]", text, re.M), text


def _complete(
    line: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> list[str]:
    """What bash completion offers for the last word of ``line`` (empty: a new word)."""
    words = line.split(" ")
    monkeypatch.setenv("_ADVISOR_COMPLETE", "complete_bash")
    monkeypatch.setenv("COMP_WORDS", line)
    monkeypatch.setenv("COMP_CWORD", str(len(words) - 1))
    capsys.readouterr()
    run_main(words[1:])
    return capsys.readouterr().out.split()


CHOICES = [
    *((f"advisor recommend {q.flag} ", list(q.choices)) for q in questions() if q.type == "choice"),
    ("advisor recommend --format ", ["table", "json", "markdown"]),
    ("advisor new shop --broker ", list(renderable_brokers())),
    ("advisor new shop --compatibility ", list(COMPATIBILITIES)),
    ("advisor new shop --patterns ", list(STRATEGIES)),
    ("advisor new shop --patterns api,", [f"api,{s}" for s in STRATEGIES if s != "api"]),
    ("advisor new shop --patterns event,re", ["event,replica"]),
    ("advisor check . --format ", [f.value for f in CheckFormat]),
    ("advisor check . --compatibility ", list(COMPATIBILITIES)),
    ("advisor check . --select ", [c.id for c in CHECKS]),
    ("advisor questions --format ", ["text", "json"]),
    ("advisor rules list --format ", ["text", "json"]),
    ("advisor rules show ", [r.id for r in load_rules().rules]),
    ("advisor rules show decision.", [r.id for r in load_rules().rules if r.id[:9] == "decision."]),
]


@pytest.mark.parametrize(("line", "expected"), CHOICES, ids=[line for line, _ in CHOICES])
def test_choices_complete_in_the_shell(
    line: str,
    expected: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    assert expected
    # If completion were not triggered, `advisor new shop ...` would render ./shop for real.
    monkeypatch.chdir(tmp_path)
    assert _complete(line, capsys, monkeypatch) == expected
