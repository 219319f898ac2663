"""`advisor recommend`, `questions` and `schema` through the real entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pexpect
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.cli import advisor, run_main, spawn

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "answers.yml"
CONTRACT_KEYS = [
    "schema_version",
    "strategy",
    "patterns",
    "broker",
    "ranking",
    "practices",
    "warnings",
    "rules_fired",
    "answers",
]


def test_json_is_the_contract() -> None:
    done = advisor("recommend", "--answers", str(EXAMPLE), "--format", "json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert list(data) == CONTRACT_KEYS
    assert data["schema_version"] == 1
    assert (data["strategy"], data["patterns"], data["broker"]) == (
        "replica",
        ["event", "replica"],
        "kafka",
    )
    assert set(data["ranking"][0]) == {"strategy", "score", "reasons"}
    assert done.stderr == ""


def test_same_answers_same_bytes_in_every_format() -> None:
    for output in ("json", "markdown", "table"):
        first = advisor("recommend", "--answers", str(EXAMPLE), "--format", output)
        second = advisor("recommend", "--answers", str(EXAMPLE), "--format", output)
        assert first.returncode == 0 and first.stdout == second.stdout


def test_flags_override_the_file() -> None:
    done = advisor(
        "recommend", "--answers", str(EXAMPLE), "--freshness", "realtime", "--format", "json"
    )
    assert json.loads(done.stdout)["strategy"] == "api"


def test_markdown_is_an_adr() -> None:
    done = advisor("recommend", "--answers", str(EXAMPLE), "--format", "markdown")
    assert done.stdout.startswith("# ")
    assert "## Decision Outcome" in done.stdout and "```mermaid" in done.stdout


def test_strict_fails_on_an_error_level_warning() -> None:
    base = ("recommend", "--answers", str(EXAMPLE), "--format", "json", "--strict")
    assert advisor(*base).returncode == 0
    shared = advisor(*base, "--shared-database")
    assert shared.returncode == 1
    assert json.loads(shared.stdout)["warnings"][0]["id"] == "shared-db"
    assert advisor(*base, "--shared-database", "--legacy-or-transitional").returncode == 0


def test_save_then_replay(tmp_path: Path) -> None:
    saved = tmp_path / "saved.yml"
    first = advisor(
        "recommend",
        "--freshness",
        "minutes",
        "--reads-per-second",
        "40",
        "--writes-per-second",
        "3",
        "--consumers",
        "4",
        "--format",
        "json",
        "--save",
        str(saved),
    )
    replay = advisor("recommend", "--answers", str(saved), "--format", "json")
    assert first.returncode == replay.returncode == 0
    assert first.stdout == replay.stdout


def test_missing_answers_never_prompt_when_stdin_is_not_a_terminal() -> None:
    done = advisor("recommend", "--freshness", "hours", stdin="")
    assert done.returncode == 2
    assert done.stderr == (
        "advisor: error: missing required answers: reads_per_second (--reads-per-second), "
        "writes_per_second (--writes-per-second)\n"
    )
    assert advisor("recommend", stdin="").returncode == 2


def test_bad_flag_value_and_unknown_flag() -> None:
    done = advisor("recommend", "--answers", str(EXAMPLE), "--consumers", "lots")
    assert done.returncode == 2 and done.stderr.startswith("advisor: error: ")
    done = advisor("recommend", "--colour", "red")
    assert done.returncode == 2 and "No such option: --colour" in done.stderr


def test_questions_and_schema() -> None:
    listed = json.loads(advisor("questions", "--format", "json").stdout)
    assert listed[0]["key"] == "freshness" and listed[0]["flag"] == "--freshness"
    schema = json.loads(advisor("schema").stdout)
    assert schema["additionalProperties"] is False
    assert "reads_per_second" in schema["properties"]


junk = st.one_of(
    st.binary(max_size=200).map(lambda b: b.decode("latin-1")),
    st.recursive(
        st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=10)),
        lambda inner: (
            st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
        ),
        max_leaves=10,
    ).map(lambda value: yaml.safe_dump(value)),
    st.fixed_dictionaries(
        {
            "freshness": st.text(max_size=8),
            "reads_per_second": st.integers(-5, 5) | st.text(max_size=3),
            "writes_per_second": st.one_of(
                st.none(), st.integers(-3, -1), st.floats(allow_nan=False)
            ),
        }
    ).map(json.dumps),
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=junk)
def test_any_invalid_answers_file_is_exit_2_without_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str
) -> None:
    path = tmp_path / "answers.yml"
    path.write_text(text, encoding="utf-8", errors="surrogateescape")
    capsys.readouterr()
    code = run_main(["recommend", "--answers", str(path), "--format", "json"])
    err = capsys.readouterr().err
    assert code in (0, 2)
    if code == 2:
        assert err.startswith("advisor: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err


# --- the wizard on a real pseudo-terminal ----------------------------------------------

DOWN = "\x1b[B"
BACKSPACE = "\x7f"


def test_wizard_gives_the_same_json_as_flags(tmp_path: Path) -> None:
    child = spawn(["recommend", "--format", "json", "--save", "saved.yml"], cwd=tmp_path)
    child.expect("How stale")
    child.send(DOWN + DOWN)  # realtime -> seconds -> minutes
    child.send("\r")
    child.expect("reads of the shared data")
    child.sendline("40")
    child.expect("changes to that data")
    child.sendline("3")
    child.expect("How many services")
    child.send(BACKSPACE)  # the default, 1, is pre-filled
    child.sendline("4")
    child.expect("keep working while the owner is down")
    child.send("y")  # confirm takes one key
    child.expect("internal tooling")
    child.send("n")  # confirm takes one key
    child.expect("one database today")
    child.send("n")  # confirm takes one key
    child.expect("re-read history")
    child.send("y")  # confirm takes one key
    child.expect("ordering")
    child.send("\r")  # per-entity, the default
    child.expect("already run")
    child.send(DOWN + DOWN + "\r")  # none -> kafka -> rabbitmq
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    flags = advisor(
        "recommend",
        "--format",
        "json",
        "--freshness",
        "minutes",
        "--reads-per-second",
        "40",
        "--writes-per-second",
        "3",
        "--consumers",
        "4",
        "--must-survive-owner-outage",
        "--needs-replay",
        "--existing-broker",
        "rabbitmq",
    )
    wizard_json = child.before[child.before.index("{") :]
    assert json.loads(wizard_json) == json.loads(flags.stdout)
    replay = advisor("recommend", "--answers", str(tmp_path / "saved.yml"), "--format", "json")
    assert replay.stdout == flags.stdout


def test_wizard_rejects_a_bad_number_as_it_is_typed(tmp_path: Path) -> None:
    child = spawn(["recommend", "--format", "json", "--freshness", "hours"], cwd=tmp_path)
    # Flags given: no wizard at all, even on a terminal.
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 2
    child = spawn(["recommend", "--format", "json"], cwd=tmp_path)
    child.expect("How stale")
    child.send("\r")
    child.expect("reads of the shared data")
    child.sendline("-3")
    child.expect("a whole number >= 0")
    child.sendcontrol("c")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130


def test_ctrl_c_exits_130_and_writes_nothing(tmp_path: Path) -> None:
    child = spawn(["recommend", "--save", "saved.yml"], cwd=tmp_path)
    child.expect("How stale")
    child.sendcontrol("c")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert not (tmp_path / "saved.yml").exists()
