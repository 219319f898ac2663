"""`advisor recommend`, `questions`, `schema` and `--version` through the real entry point."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pexpect
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advisor.questions.answers_file import METADATA_KEYS
from advisor.questions.model import questions
from tests.support.answers import answers_files
from tests.support.cli import advisor, printed, run_main, spawn

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
    # Added later, in the same schema_version: additive only.
    "answers_given",
    "runner_up",
    "broker_runner_up",
    "factors",
    "flips",
    "rules",
    "api",
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


def test_the_adr_takes_names_from_flags_and_is_numbered_after_the_records_there(
    tmp_path: Path,
) -> None:
    records = tmp_path / "docs" / "adr"
    records.mkdir(parents=True)
    (records / "0004-use-postgres.md").write_text("# 4. Use PostgreSQL\n", encoding="utf-8")
    done = advisor(
        "recommend",
        "--answers",
        str(EXAMPLE),
        "--format",
        "markdown",
        "--owner",
        "billing",
        "--consumer",
        "shop",
        "--entity",
        "Invoice",
        "--adr-dir",
        str(records),
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("# 5. Share Invoice data with shop: ")
    assert "user-service" not in done.stdout and "order-service" not in done.stdout
    assert re.search(r"^\* Date: \d{4}-\d{2}-\d{2}$", done.stdout, re.MULTILINE)
    elsewhere = advisor(
        "recommend",
        "--answers",
        str(EXAMPLE),
        "--format",
        "markdown",
        "--adr-dir",
        str(tmp_path / "none-here"),
    )
    assert elsewhere.stdout.startswith("# 1. Share User data with order-service: ")


def test_the_adr_takes_names_from_the_answers_files_project(tmp_path: Path) -> None:
    answers = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    answers["project"] = {
        "owner_service": "catalog",
        "consumer_service": "pricing",
        "entity": "Product",
    }
    path = tmp_path / "answers.yml"
    path.write_text(yaml.safe_dump(answers), encoding="utf-8")
    none = str(tmp_path / "adr")
    done = advisor("recommend", "--answers", str(path), "--format", "markdown", "--adr-dir", none)
    assert done.stdout.startswith("# 1. Share Product data with pricing: ")
    flagged = advisor(
        "recommend",
        "--answers",
        str(path),
        "--format",
        "markdown",
        "--entity",
        "Item",
        "--adr-dir",
        none,
    )
    assert flagged.stdout.startswith("# 1. Share Item data with pricing: ")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--owner", "Billing Service"], "--owner: must be a lowercase slug like 'user-service'"),
        (["--entity", "invoice"], "--entity: must be a PascalCase name like 'User'"),
        (["--consumer", "a" * 41], "--consumer: must be a lowercase slug"),
    ],
)
def test_bad_adr_names_are_one_line_and_exit_2(args: list[str], message: str) -> None:
    done = advisor("recommend", "--answers", str(EXAMPLE), "--format", "markdown", *args)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith(f"advisor: error: {message}") and done.stderr.count("\n") == 1


def test_json_tells_given_answers_from_defaults_and_how_it_decided() -> None:
    done = advisor(
        "recommend",
        "--freshness",
        "seconds",
        "--reads-per-second",
        "5000",
        "--writes-per-second",
        "100",
        "--format",
        "json",
    )
    data = json.loads(done.stdout)
    assert data["answers_given"] == ["freshness", "reads_per_second", "writes_per_second"]
    assert (data["strategy"], data["runner_up"]) == ("replica", "event")
    assert {
        "answer": "reads_per_second",
        "now": 5000,
        "to": 999,
        "bound": "lte",
        "strategy": "event",
        "broker": "rabbitmq",
    } in data["flips"]
    assert all(ref["urls"] for ref in data["rules"])
    assert [f["rule"] for f in data["factors"] if f["decides"] == "broker"] == [
        "broker.simple-routing"
    ]


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
        "advisor: error: answers 'reads_per_second' (--reads-per-second), "
        "'writes_per_second' (--writes-per-second): required, not given\n"
    )
    assert advisor("recommend", stdin="").returncode == 2


def test_bad_flag_value_and_unknown_flag() -> None:
    done = advisor("recommend", "--answers", str(EXAMPLE), "--consumers", "lots")
    assert done.returncode == 2 and done.stderr.startswith("advisor: error: ")
    done = advisor("recommend", "--colour", "red")
    assert done.returncode == 2 and "--colour: no such option" in done.stderr


@pytest.mark.parametrize(
    "args",
    [["--freshness", "x" * 100_000], ["--format", "x" * 100_000], ["--x" + "x" * 100_000]],
    ids=["answer", "option-value", "option-name"],
)
def test_a_huge_flag_gives_a_short_message(args: list[str]) -> None:
    done = advisor("recommend", "--answers", str(EXAMPLE), *args)
    assert done.returncode == 2 and done.stderr.startswith("advisor: error: ")
    assert done.stderr.count("\n") == 1 and len(done.stderr) <= 320, done.stderr[:400]


REQUIRED = "freshness: minutes\nreads_per_second: 10\nwrites_per_second: 2\n"
LAUGHS = "".join(
    f"a{n}: &a{n} [{', '.join([f'*a{n - 1}' if n else 'lol'] * 9)}]\n" for n in range(10)
)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(
            "project:\n  " + LAUGHS.replace("\n", "\n  ") + "\nfreshness: *a9\n", id="bomb"
        ),
        pytest.param(REQUIRED + "consumers: " + "[" * 20_000 + "]" * 20_000 + "\n", id="deep"),
    ],
)
def test_hostile_answers_files_are_one_short_line(tmp_path: Path, text: str) -> None:
    (tmp_path / "answers.yml").write_text(text, encoding="utf-8")
    done = advisor("recommend", "--answers", str(tmp_path / "answers.yml"), timeout=20)
    assert done.returncode == 2
    assert done.stderr.startswith("advisor: error: ") and done.stderr.count("\n") == 1
    assert len(done.stderr) < 300, done.stderr[:300]


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "answers.yml")
    done = advisor("recommend", "--answers", str(tmp_path / "answers.yml"), timeout=20)
    assert done.returncode == 2
    assert (
        done.stderr == f"advisor: error: answers file {tmp_path}/answers.yml: not a regular file\n"
    )


def test_questions_and_schema() -> None:
    listed = json.loads(advisor("questions", "--format", "json").stdout)
    assert listed[0]["key"] == "freshness" and listed[0]["flag"] == "--freshness"
    schema = json.loads(advisor("schema").stdout)
    assert schema["additionalProperties"] is False
    assert "reads_per_second" in schema["properties"]


# --- conventions: --version, NO_COLOR ------------------------------------------------

#: An SGR escape sequence; its parameters say what it styles.
SGR = re.compile(r"\x1b\[([0-9;]*)m")


def colour_codes(text: str) -> list[str]:
    """The SGR sequences in ``text`` that set a colour (bold and the like are not colour)."""
    found = []
    for match in SGR.finditer(text):
        params = [int(p) for p in match.group(1).split(";") if p]
        if any(p in (38, 48) or 30 <= p <= 37 or 40 <= p <= 47 or 90 <= p <= 107 for p in params):
            found.append(match.group(0))
    return found


def test_version_prints_the_package_version() -> None:
    import advisor as package

    done = advisor("--version")
    assert (done.returncode, done.stdout, done.stderr) == (
        0,
        f"advisor {package.__version__}\n",
        "",
    )


def test_no_color_keeps_the_table_free_of_colour_on_a_terminal(tmp_path: Path) -> None:
    def table(no_color: str | None) -> str:
        env = {"NO_COLOR": no_color, "FORCE_COLOR": None, "TERM": "xterm-256color"}
        child = spawn(["recommend", "--answers", str(EXAMPLE)], cwd=tmp_path, env=env)
        child.expect(pexpect.EOF)
        child.close()
        assert child.exitstatus == 0, printed(child)
        assert "Recommendation:" in printed(child)
        return printed(child)

    assert colour_codes(table(None)), "without NO_COLOR the terminal gets colour"
    assert colour_codes(table("1")) == []


# --- answers files, fuzzed: every invalid one is exit 2, every valid one exit 0 ---------

KNOWN_KEYS = {q.key for q in questions()} | METADATA_KEYS
BROKEN_YAML = [
    "key: [unclosed",
    "key: {a: 1",
    "- item",
    "  bad: indentation",
    'key: "unterminated',
    ": no key",
    "key: @reserved",
    "\tkey: tab",
    "key: *undefined",
]
#: Text of any length: a message quotes at most 80 characters of it.
LONG_OR_SHORT = st.text(max_size=12) | st.text(min_size=300, max_size=3000)
#: Values of no answer's type: a number with a fraction is no integer, and so on.
ODD = {
    "int": st.one_of(
        st.booleans(),
        st.text(max_size=6),
        st.floats(allow_nan=False, allow_infinity=False).filter(lambda f: not f.is_integer()),
        st.lists(st.integers(), max_size=2),
        st.none(),
    ),
    "bool": st.one_of(
        st.integers(),
        st.text(max_size=6),
        st.floats(allow_nan=False),
        st.lists(st.booleans(), max_size=2),
        st.none(),
    ),
    "choice": st.one_of(
        st.integers(),
        st.booleans(),
        st.floats(allow_nan=False),
        st.lists(st.text(max_size=3)),
        st.none(),
    ),
}


def _dump(data: object, as_json: bool) -> str:
    return json.dumps(data) if as_json else yaml.safe_dump(data)


FAULTS = ["unknown", "type", "range", "choice", "syntax", "top-level", "missing", "twice"]


@st.composite
def invalid_files(draw: st.DrawFn) -> tuple[str, str, str]:
    """(file suffix, text, what the message must say): each file has exactly one fault."""
    base = draw(answers_files())
    as_json = draw(st.booleans())
    suffix = ".json" if as_json else ".yml"
    fault = draw(st.sampled_from(FAULTS))
    if fault == "unknown":
        key = draw(LONG_OR_SHORT.filter(lambda k: k != "" and k not in KNOWN_KEYS))
        return suffix, _dump({**base, key: draw(st.integers())}, as_json), "': no such question"
    if fault == "type":
        q = draw(st.sampled_from(questions()))
        return suffix, _dump({**base, q.key: draw(ODD[q.type])}, as_json), f"answer '{q.key}'"
    if fault == "range":
        q = draw(st.sampled_from([q for q in questions() if q.type == "int"]))
        low = draw(st.integers(max_value=(q.min or 0) - 1))
        return suffix, _dump({**base, q.key: low}, as_json), f"answer '{q.key}'"
    if fault == "choice":
        q = draw(st.sampled_from([q for q in questions() if q.type == "choice"]))
        bad = draw(LONG_OR_SHORT.filter(lambda text: text not in q.choices))
        return suffix, _dump({**base, q.key: bad}, as_json), f"answer '{q.key}'"
    if fault == "syntax":
        if as_json:
            text = json.dumps(base)
            broken = draw(st.sampled_from([text[:-1], text[:-1] + ",}", text.replace('"', "'")]))
            return suffix, broken, "malformed JSON"
        return suffix, yaml.safe_dump(base) + draw(st.sampled_from(BROKEN_YAML)), "malformed YAML"
    if fault == "twice":
        key = draw(st.sampled_from(sorted(base)))
        again = json.dumps({key: base[key]})[1:-1]
        text = json.dumps(base)[:-1] + ", " + again + "}" if as_json else _dump(base, False) + again
        return suffix, text, f"key '{key}' appears twice"
    if fault == "top-level":
        scalar = st.one_of(st.integers(), st.booleans(), st.text(min_size=1, max_size=8))
        top = draw(st.lists(scalar, max_size=3) | scalar.filter(lambda v: v != ""))
        return suffix, _dump(top, as_json), "must be a mapping"
    required = [q.key for q in questions() if q.required]
    gone = draw(st.sampled_from(required))
    rest = {key: value for key, value in base.items() if key != gone}
    return suffix, _dump(rest, as_json), f"answer '{gone}' (--"


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(case=invalid_files())
def test_every_invalid_answers_file_is_exit_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: tuple[str, str, str]
) -> None:
    suffix, text, says = case
    path = tmp_path / f"answers{suffix}"
    path.write_text(text, encoding="utf-8", errors="surrogateescape")
    capsys.readouterr()
    code = run_main(["recommend", "--answers", str(path), "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 2, (text, out)
    assert out == ""
    assert err.startswith("advisor: error: ") and err.count("\n") == 1, err
    assert says in err, err
    assert len(err) <= len(f"advisor: error: answers file {path}: \n") + 200, err
    assert "Traceback" not in err


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(answers=answers_files(), as_json=st.booleans(), compatibility=st.booleans())
def test_every_valid_answers_file_is_exit_0(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    answers: dict[str, object],
    as_json: bool,
    compatibility: bool,
) -> None:
    content = {**answers, "compatibility": "BACKWARD"} if compatibility else answers
    path = tmp_path / ("answers.json" if as_json else "answers.yml")
    path.write_text(_dump(content, as_json), encoding="utf-8")
    capsys.readouterr()
    code = run_main(["recommend", "--answers", str(path), "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    defaults = {q.key: q.default for q in questions() if not q.required}
    assert json.loads(out)["answers"] == {**defaults, **answers}


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
    child.sendline("3000")  # churn: enough for the number of consumers to matter
    child.expect("see that change")
    child.send("n")  # confirm takes one key
    child.expect("enforce a rule")
    child.send("n")
    child.expect("act on each change")
    child.send("n")
    child.expect("How many services need")
    child.send(BACKSPACE)  # the default, 1, is pre-filled
    child.sendline("2")
    child.expect("kind of consumer")
    child.send("\r")  # service, the default
    child.expect("own the data")
    child.sendline("")  # the default, 1, is pre-filled
    child.expect("keep working while the owner is down")
    child.send("y")
    child.expect("internal tooling")
    child.send("n")
    child.expect("one database today")
    child.send("n")
    child.expect("personal data")
    child.send("n")
    child.expect("changes originate")
    child.send("\r")  # owned-database, the default
    child.expect("re-read history")
    child.send("y")  # confirm takes one key
    child.expect("ordering")
    child.send("\r")  # per-entity, the default
    child.expect("already run")
    child.send(DOWN + DOWN + "\r")  # none -> kafka -> rabbitmq
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, printed(child)
    flags = advisor(
        "recommend",
        "--format",
        "json",
        "--freshness",
        "minutes",
        "--reads-per-second",
        "40",
        "--writes-per-second",
        "3000",
        "--consumers",
        "2",
        "--must-survive-owner-outage",
        "--needs-replay",
        "--existing-broker",
        "rabbitmq",
    )
    wizard = json.loads(printed(child)[printed(child).index("{") :])
    by_flags = json.loads(flags.stdout)
    # The wizard's answers all count as given, the defaults accepted at a prompt too.
    asked = wizard.pop("answers_given")
    assert set(by_flags.pop("answers_given")) < set(asked)
    assert "personal_data" in asked and "same_language" not in asked  # skipped: cannot matter
    assert wizard == by_flags
    replay = advisor("recommend", "--answers", str(tmp_path / "saved.yml"), "--format", "json")
    assert json.loads(replay.stdout) == {**wizard, "answers_given": asked}


def test_wizard_prompts_on_stderr_when_stdout_is_redirected(tmp_path: Path) -> None:
    """`advisor recommend --format json > out.json` at a terminal: prompts, and only JSON."""
    out = tmp_path / "out.json"
    child = spawn(["recommend", "--format", "json"], cwd=tmp_path, stdout=out)
    child.expect("How stale")
    child.send("\r")  # realtime
    child.expect("reads of the shared data")
    child.sendline("5")
    child.expect("changes to that data")
    child.sendline("1")
    child.expect("enforce a rule")
    child.send("n")
    child.expect("kind of consumer")
    child.send("\r")
    child.expect("own the data")
    child.sendline("")
    child.expect("keep working while the owner is down")
    child.send("n")
    child.expect("internal tooling")
    child.send("y")
    child.expect("owner's language")
    child.send("n")
    child.expect("one database today")
    child.send("n")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, printed(child)
    assert "schema_version" not in printed(child)  # the terminal got the prompts only
    flags = advisor(
        "recommend",
        "--format",
        "json",
        "--freshness",
        "realtime",
        "--reads-per-second",
        "5",
        "--writes-per-second",
        "1",
        "--internal-tooling",
        "--no-same-language",
    )
    wizard = json.loads(out.read_text(encoding="utf-8"))
    by_flags = json.loads(flags.stdout)
    assert wizard.pop("answers_given")[:3] == by_flags.pop("answers_given")[:3]
    assert wizard == by_flags


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
