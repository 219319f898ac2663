"""`advisor new` end to end: flags, exit codes, stdout discipline, parity with cookiecutter."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from advisor.cli import main

Snapshot = Callable[[Path], dict[str, bytes]]
BIN = Path(sys.executable).parent


def run(
    args: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[int, str, str]:
    """Run the CLI in-process through its real entry point; return (exit code, out, err)."""
    monkeypatch.setattr(sys, "argv", ["advisor", *args])
    monkeypatch.setenv("CI", "true")
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("flag", "value"),
    [
        ("--owner", "../x"),
        ("--owner", "a/b"),
        ("--consumer", "..\\x"),
        ("--owner", 'bad"quote'),
        ("--consumer", "it's"),
        ("--name", "{{7*7}}"),
        ("--name", "{% include '/etc/passwd' %}"),
        ("--entity", "class"),
        ("--fields", "class:str"),
        ("--fields", "naïve"),
        ("--owner", "ordér-service"),
        ("--entity", "Üser"),
        ("--owner", ""),
        ("--name", ""),
        ("--entity", ""),
        ("--broker", "pulsar"),
        ("--patterns", "api,../x"),
    ],
)
def test_hostile_names_exit_2_naming_the_option(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    mini_template: Path,
    flag: str,
    value: str,
) -> None:
    dest = tmp_path / "project"
    args = ["new", str(dest), "--template", str(mini_template), "--no-input"]
    if flag != "--patterns":
        args += ["--patterns", "api,event"]
    code, out, err = run([*args, flag, value], capsys, monkeypatch)
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"advisor: error: {flag}")
    assert "Traceback" not in err
    assert not dest.exists()
    assert list(tmp_path.iterdir()) == []


def test_unusual_but_valid_project_name_renders_valid_files(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    mini_template: Path,
) -> None:
    name = 'L\'équipe "données" \\ 🚀'
    dest = tmp_path / "project"
    code, out, err = run(
        ["new", str(dest), "--patterns", "api", "--name", name, "--template", str(mini_template)],
        capsys,
        monkeypatch,
    )
    assert code == 0, err
    for path in out.splitlines():
        text = Path(path).read_text("utf-8")
        if path.endswith(".py"):
            ast.parse(text)
        elif path.endswith(".toml"):
            tomllib.loads(text)
        elif path.endswith((".yml", ".yaml")):
            yaml.safe_load(text)
    assert (
        tomllib.loads((dest / "pyproject.toml").read_text("utf-8"))["project"]["description"]
        == name
    )


def test_non_interactive_without_patterns_names_the_flags(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = run(["new", str(tmp_path / "p")], capsys, monkeypatch)
    assert code == 2
    assert out == ""
    assert "--patterns" in err and "--from" in err
    assert len(err.strip().splitlines()) == 1


def test_stdout_lists_exactly_the_written_files(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    mini_template: Path,
) -> None:
    dest = tmp_path / "project"
    code, out, err = run(
        ["new", str(dest), "--patterns", "replica", "--template", str(mini_template)],
        capsys,
        monkeypatch,
    )
    assert code == 0, err
    listed = sorted(Path(line) for line in out.splitlines())
    assert listed == sorted(p for p in dest.rglob("*") if p.is_file())
    assert "replica" in err and "event" in err  # the note that replica brought event


def test_dry_run_lists_files_and_writes_nothing(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    mini_template: Path,
    snapshot: Snapshot,
) -> None:
    dest = tmp_path / "project"
    args = ["new", str(dest), "--patterns", "api", "--template", str(mini_template)]
    code, dry_out, _ = run([*args, "--dry-run"], capsys, monkeypatch)
    assert code == 0
    assert not dest.exists()
    assert list(tmp_path.iterdir()) == []
    assert str(dest / "README.md") in dry_out.splitlines()

    code, real_out, _ = run(args, capsys, monkeypatch)
    assert code == 0
    assert real_out == dry_out
    (dest / "README.md").write_text("edited by hand", encoding="utf-8")
    before = snapshot(dest)
    code, again, _ = run([*args, "--dry-run", "--force"], capsys, monkeypatch)
    assert code == 0
    assert again == dry_out
    assert snapshot(dest) == before


def test_non_empty_dest_needs_force(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    mini_template: Path,
    snapshot: Snapshot,
) -> None:
    dest = tmp_path / "project"
    dest.mkdir()
    (dest / "old.txt").write_text("old", encoding="utf-8")
    before = snapshot(dest)
    args = ["new", str(dest), "--patterns", "sdk", "--template", str(mini_template)]
    code, out, err = run(args, capsys, monkeypatch)
    assert code == 2
    assert out == ""
    assert "use --force" in err
    assert snapshot(dest) == before

    code, out, err = run([*args, "--force"], capsys, monkeypatch)
    assert code == 0, err
    assert not (dest / "old.txt").exists()
    assert "Patterns: sdk." in (dest / "README.md").read_text("utf-8")


@pytest.mark.parametrize("existing", [False, True])
def test_failing_hook_leaves_dest_as_it_was(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    broken_template: Path,
    snapshot: Snapshot,
    existing: bool,
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    dest = work / "project"
    if existing:
        dest.mkdir()
        (dest / "old.txt").write_text("old", encoding="utf-8")
    before = snapshot(dest) if existing else {}
    code, out, err = run(
        ["new", str(dest), "--patterns", "api", "--force", "--template", str(broken_template)],
        capsys,
        monkeypatch,
    )
    assert code == 2
    assert out == ""
    assert err.strip().splitlines()[-1].startswith("advisor: error: the template's hook failed")
    assert (snapshot(dest) if existing else {}) == before
    assert dest.exists() is existing
    assert [p.name for p in work.iterdir()] == (["project"] if existing else [])


def test_subprocess_stdout_carries_only_file_paths(tmp_path: Path, mini_template: Path) -> None:
    dest = tmp_path / "project"
    result = subprocess.run(
        [
            *(sys.executable, "-m", "advisor", "new", str(dest)),
            *("--patterns", "event", "--template", str(mini_template)),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "CI": "true"},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines and all(Path(line).is_file() for line in lines)
    assert "fixture post-gen hook ran" in result.stderr


def _real_template(repo_root: Path) -> Path:
    return repo_root / "templates" / "microservices"


@pytest.mark.parametrize(("which", "bff"), [("fixture", False), ("real", False), ("real", True)])
def test_same_tree_as_plain_cookiecutter(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    repo_root: Path,
    mini_template: Path,
    snapshot: Snapshot,
    which: str,
    bff: bool,
) -> None:
    template = mini_template if which == "fixture" else _real_template(repo_root)
    values = {
        "name": "Billing and invoices",
        "owner": "billing",
        "consumer": "invoice-service",
        "entity": "Account",
        "fields": "holder:str,balance:float,active:bool",
        "patterns": "api,event,replica,sdk",
        "broker": "rabbitmq",
        "compatibility": "BACKWARD",
        "bff": "yes" if bff else "no",
    }
    config = tmp_path / "cookiecutter-config.yml"
    config.write_text(f"replay_dir: {str(tmp_path / 'replay')!r}\n", encoding="utf-8")
    plain = tmp_path / "plain"
    subprocess.run(
        [str(BIN / "cookiecutter"), str(template), "--no-input", "--output-dir", str(plain)]
        + [f"{key}={value}" for key, value in values.items()],
        check=True,
        capture_output=True,
        env={**os.environ, "COOKIECUTTER_CONFIG": str(config)},
    )
    dest = tmp_path / "ours"
    code, _, err = run(
        [
            *("new", str(dest), "--template", str(template), "--no-input"),
            *("--name", values["name"], "--owner", values["owner"]),
            *("--consumer", values["consumer"], "--entity", values["entity"]),
            *("--fields", values["fields"], "--patterns", values["patterns"]),
            *("--broker", values["broker"], "--compatibility", values["compatibility"]),
            *(["--bff"] if bff else []),
        ],
        capsys,
        monkeypatch,
    )
    assert code == 0, err
    (generated,) = plain.iterdir()
    assert generated.name == "billing-and-invoices"
    theirs, ours = snapshot(generated), snapshot(dest)
    # Only advisor writes the project record; the rest is the template's, byte for byte.
    assert ours.pop(".advisor-answers.yml").startswith(b"# The project record")
    assert sorted(theirs) == sorted(ours)
    assert theirs == ours
    if which == "real":
        assert ("services/invoice_bff/app.py" in ours) is bff


def test_from_answers_renders_the_recommendation(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    repo_root: Path,
    mini_template: Path,
) -> None:
    from advisor.engine.evaluate import recommend
    from advisor.questions.answers_file import load_answers, read_answers_file
    from advisor.report.adr import adr_filename

    answers_path = repo_root / "examples" / "answers.yml"
    rec = recommend(load_answers(answers_path))
    dest = tmp_path / "project"
    code, out, err = run(
        [
            *("new", str(dest), "--from", str(answers_path)),
            *("--no-input", "--template", str(mini_template)),
        ],
        capsys,
        monkeypatch,
    )
    assert code == 0, err
    readme = (dest / "README.md").read_text("utf-8")
    assert f"Patterns: {','.join(rec.patterns)}." in readme
    if rec.broker is not None:
        assert f"Broker: {rec.broker}." in readme
    adrs = sorted((dest / "docs" / "adr").iterdir())
    assert [p.name for p in adrs] == [Path(adr_filename(rec)).name]
    assert rec.strategy in adrs[0].read_text("utf-8").lower()
    saved = yaml.safe_load((dest / ".advisor-answers.yml").read_text("utf-8"))
    project = saved["project"]
    assert project["compatibility"] == "FULL"
    # Replayable: the given answers, apart from the defaults, are exactly the answers.
    assert set(saved["answers"]) == set(read_answers_file(answers_path))
    assert {**saved["defaults"], **saved["answers"]} == rec.answers
    assert project["patterns"] == list(rec.patterns) and project["broker"] == rec.broker
    assert str(adrs[0]) in out.splitlines()


@pytest.mark.parametrize("flag", [True, False])
def test_the_bff_flag_reaches_the_render(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    mini_template: Path,
    flag: bool,
) -> None:
    dest = tmp_path / "project"
    args = ["new", str(dest), "--patterns", "sdk", "--template", str(mini_template)]
    code, _, err = run([*args, *(["--bff"] if flag else [])], capsys, monkeypatch)
    assert code == 0, err
    readme = (dest / "README.md").read_text("utf-8")
    assert f"Backend for frontend: {'yes' if flag else 'no'}." in readme


@pytest.mark.parametrize(
    "args",
    [
        ["--patterns", "event,replica"],
        ["--from", "examples/answers.yml"],  # recommends event,replica: no HTTP client to reuse
        ["--patterns", "api", "--owner", "order-bff"],  # the name the BFF would get
    ],
)
def test_bff_is_refused_clearly_where_it_cannot_work(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    repo_root: Path,
    mini_template: Path,
    args: list[str],
) -> None:
    args = [str(repo_root / a) if a.startswith("examples/") else a for a in args]
    dest = tmp_path / "project"
    code, out, err = run(
        ["new", str(dest), "--template", str(mini_template), "--no-input", "--bff", *args],
        capsys,
        monkeypatch,
    )
    assert code == 2
    assert out == ""
    [line] = err.strip().splitlines()
    flag = "--owner" if "--owner" in args else "--bff"
    assert line.startswith(f"advisor: error: {flag}: "), line
    if flag == "--bff":
        assert "api or sdk" in line
    assert not dest.exists()


def test_from_answers_with_bff_and_an_http_pattern_renders_it(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    repo_root: Path,
    mini_template: Path,
) -> None:
    dest = tmp_path / "project"
    code, _, err = run(
        [
            *("new", str(dest), "--from", str(repo_root / "examples" / "answers.yml")),
            *("--patterns", "api,event,replica", "--bff", "--template", str(mini_template)),
        ],
        capsys,
        monkeypatch,
    )
    assert code == 0, err
    assert "Backend for frontend: yes." in (dest / "README.md").read_text("utf-8")
    saved = yaml.safe_load((dest / ".advisor-answers.yml").read_text("utf-8"))
    assert saved["project"]["bff"] is True


def test_dry_run_lists_the_bff_files(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    repo_root: Path,
) -> None:
    dest = tmp_path / "project"
    args = ["new", str(dest), "--patterns", "api", "--dry-run", "--template"]
    args.append(str(_real_template(repo_root)))
    code, out, err = run([*args, "--bff"], capsys, monkeypatch)
    assert code == 0, err
    listed = {Path(line).relative_to(dest).as_posix() for line in out.splitlines()}
    bff = {
        f"services/order_bff/{name}"
        for name in ("__init__.py", "app.py", "client.py", "consumer_client.py", "metrics.py")
    } | {
        "services/order_bff/settings.py",
        "services/order_bff/requirements.txt",
        "services/order_bff/Dockerfile",
        "tests/test_bff.py",
    }
    assert bff <= listed
    assert not dest.exists()
    code, out, err = run(args, capsys, monkeypatch)
    assert code == 0, err
    without = {Path(line).relative_to(dest).as_posix() for line in out.splitlines()}
    assert without == listed - bff


#: Answers the rules answer with one pattern that carries no events.
_NO_EVENTS = {
    "api": {"freshness": "realtime", "reads_per_second": 10, "writes_per_second": 10},
    "sdk": {
        **{"freshness": "minutes", "reads_per_second": 10, "writes_per_second": 1},
        "internal_tooling": True,
    },
}


@pytest.mark.parametrize("source", ["from-api", "from-sdk", "pattern-api"])
def test_no_broker_is_recorded_when_no_events_flow(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    repo_root: Path,
    source: str,
) -> None:
    from advisor.checks import resolve_compatibility

    how, pattern = source.split("-")
    if how == "from":
        answers = tmp_path / "answers.yml"
        answers.write_text(yaml.safe_dump(_NO_EVENTS[pattern]), encoding="utf-8")
        chosen = ["--from", str(answers)]
    else:
        chosen = ["--patterns", pattern]
    dest = tmp_path / "project"
    code, _, err = run(
        [
            *("new", str(dest), *chosen, "--no-input", "--compatibility", "BACKWARD"),
            *("--broker", "rabbitmq", "--template", str(_real_template(repo_root))),
        ],
        capsys,
        monkeypatch,
    )
    assert code == 0, err
    saved = yaml.safe_load((dest / ".advisor-answers.yml").read_text("utf-8"))
    recorded = saved["project"]
    assert "event" not in str(recorded["patterns"])
    assert "broker" in recorded
    assert recorded["broker"] is None
    # `advisor check` still reads the file (its compatibility mode) and the project passes.
    assert resolve_compatibility(dest, None) == "BACKWARD"
    code, out, err = run(["check", str(dest), "--format", "json"], capsys, monkeypatch)
    assert code == 0, out + err


def test_from_answers_records_every_option_to_render_the_project_again(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    repo_root: Path,
    mini_template: Path,
) -> None:
    from advisor.engine.evaluate import recommend
    from advisor.questions.answers_file import load_answers
    from advisor.render.context import ProjectSpec, make_spec, spec_from_recommendation

    answers_path = repo_root / "examples" / "answers.yml"
    flags = {
        **{"name": "Billing", "owner": "billing", "consumer": "invoice-service"},
        **{"entity": "Account", "fields": "holder:str,balance:float,active:bool"},
        **{"broker": "rabbitmq", "compatibility": "BACKWARD"},
    }
    dest = tmp_path / "project"
    code, _, err = run(
        [
            *("new", str(dest), "--from", str(answers_path), "--no-input"),
            *("--template", str(mini_template)),
            *[arg for key, value in flags.items() for arg in (f"--{key}", value)],
        ],
        capsys,
        monkeypatch,
    )
    assert code == 0, err
    saved = yaml.safe_load((dest / ".advisor-answers.yml").read_text("utf-8"))
    recorded = saved["project"]  # each option under its one name, the flag's and the model's
    assert set(recorded) == set(ProjectSpec.model_fields) - {"notes"}
    rendered = spec_from_recommendation(recommend(load_answers(answers_path)), flags)
    again = make_spec(recorded)
    assert again.model_dump(exclude={"notes"}) == rendered.model_dump(exclude={"notes"})


def test_every_project_option_has_one_name_across_flag_model_context_and_record() -> None:
    """``--<option>`` is the flag, the spec's field, the template's key and the record's key."""
    import json

    import typer.core
    import typer.main

    from advisor.cli import app
    from advisor.record import ProjectRecord
    from advisor.render.context import FLAGS, ProjectSpec
    from advisor.render.reserved import rules
    from advisor.resources import templates_dir

    options = tuple(rules().OPTIONS)
    assert tuple(FLAGS) == options
    assert {option: f"--{option}" for option in options} == FLAGS
    assert set(ProjectSpec.model_fields) - {"notes"} == set(options)
    assert ProjectRecord.model_fields["project"].annotation is ProjectSpec
    cookiecutter = json.loads(
        (templates_dir() / "microservices" / "cookiecutter.json").read_text(encoding="utf-8")
    )
    assert set(options) <= set(cookiecutter)
    command = typer.main.get_command(app)
    assert isinstance(command, typer.core.TyperGroup)
    new = command.commands["new"]
    shown = {name for p in new.params if not getattr(p, "hidden", False) for name in p.opts}
    assert set(FLAGS.values()) <= shown


def test_the_old_flag_name_still_works_with_a_note(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    mini_template: Path,
) -> None:
    old, new = tmp_path / "old", tmp_path / "new"
    template = ["--template", str(mini_template)]
    code, _, err = run(["new", str(old), "--pattern", "api,sdk", *template], capsys, monkeypatch)
    assert code == 0, err
    assert "advisor: note: --pattern is now --patterns" in err
    code, _, err = run(["new", str(new), "--patterns", "api,sdk", *template], capsys, monkeypatch)
    assert code == 0, err
    assert "--pattern is now" not in err
    assert _tree(old) == _tree(new)


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_the_old_and_new_flag_names_together_are_refused(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    mini_template: Path,
) -> None:
    dest = tmp_path / "project"
    args = ["new", str(dest), "--patterns", "api", "--pattern", "sdk"]
    code, out, err = run([*args, "--template", str(mini_template)], capsys, monkeypatch)
    assert code == 2
    assert out == ""
    assert err.strip().splitlines() == [
        "advisor: error: --pattern: the old name of --patterns; give --patterns only"
    ]
    assert not dest.exists()


def test_an_organisation_on_sns_sqs_gets_an_sns_sqs_project_without_a_broker_flag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = tmp_path / "answers.yml"
    answers.write_text(
        "freshness: seconds\nreads_per_second: 2000\nwrites_per_second: 5\n"
        "consumers: 2\nmust_survive_owner_outage: true\nexisting_broker: sns-sqs\n",
        "utf-8",
    )
    code, out, err = run(
        ["recommend", "--answers", str(answers), "--format", "json"], capsys, monkeypatch
    )
    assert code == 0, err
    assert json.loads(out)["broker"] == "sns-sqs"
    dest = tmp_path / "project"
    code, _, err = run(
        ["new", str(dest), "--from", str(answers), "--no-input"], capsys, monkeypatch
    )
    assert code == 0, err
    assert (
        yaml.safe_load((dest / ".advisor-answers.yml").read_text("utf-8"))["project"]["broker"]
        == "sns-sqs"
    )
    # The SNS/SQS partials, not another broker's: the relay publishes to a FIFO topic.
    messaging = (dest / "services" / "user_service" / "messaging.py").read_text("utf-8")
    assert "from aiobotocore.session import get_session" in messaging
    assert 'MessageGroupId=envelope["subject"]' in messaging
    assert "aiobotocore" in (dest / "services" / "user_service" / "requirements.txt").read_text()


def test_recommend_then_new_from_renders_the_grpc_api_without_a_flag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = tmp_path / "answers.yml"
    answers.write_text(
        yaml.safe_dump(
            {
                "freshness": "realtime",
                "reads_per_second": 2000,
                "writes_per_second": 50,
                "same_language": False,
                "typed_contract": True,
            }
        ),
        encoding="utf-8",
    )
    code, out, err = run(
        ["recommend", "--answers", str(answers), "--format", "json"], capsys, monkeypatch
    )
    assert code == 0, err
    assert (yaml.safe_load(out)["patterns"], yaml.safe_load(out)["api"]) == (["api"], "grpc")
    dest = tmp_path / "project"
    code, _, err = run(
        ["new", str(dest), "--from", str(answers), "--no-input"], capsys, monkeypatch
    )
    assert code == 0, err
    assert (dest / "contracts" / "proto" / "user" / "v1" / "user.proto").is_file()
    assert (dest / "services" / "user_service" / "grpc_server.py").is_file()
    assert "from user_grpc.user.v1 import" in (
        dest / "services" / "order_service" / "client.py"
    ).read_text("utf-8")
    assert not (dest / "tests" / "test_client.py").exists()  # the HTTP client's tests
    assert "gen/" in (dest / ".gitignore").read_text("utf-8").splitlines()
    project = yaml.safe_load((dest / ".advisor-answers.yml").read_text("utf-8"))["project"]
    assert project["api"] == "grpc"
    # The same answers without a typed contract keep the API on HTTP.
    answers.write_text(
        answers.read_text("utf-8").replace("typed_contract: true", "typed_contract: false")
    )
    plain = tmp_path / "plain"
    code, _, err = run(
        ["new", str(plain), "--from", str(answers), "--no-input"], capsys, monkeypatch
    )
    assert code == 0, err
    assert not (plain / "contracts" / "proto").exists()
    assert (
        yaml.safe_load((plain / ".advisor-answers.yml").read_text("utf-8"))["project"]["api"]
        == "http"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--patterns", "event,replica", "--api", "grpc"], "--api: grpc serves the api pattern"),
        (["--patterns", "sdk", "--api", "grpc"], "--api: grpc serves the api pattern"),
        (["--patterns", "api", "--api", "soap"], "--api:"),
        (["--patterns", "api", "--api", "grpc", "--consumer", "user-grpc"], "--consumer:"),
    ],
)
def test_an_api_that_cannot_be_rendered_is_refused(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    message: str,
) -> None:
    dest = tmp_path / "project"
    code, _, err = run(["new", str(dest), *args, "--no-input"], capsys, monkeypatch)
    assert code == 2
    assert err.startswith(f"advisor: error: {message}"), err
    assert len(err.strip().splitlines()) == 1
    assert not dest.exists()


def test_names_too_long_for_the_brokers_queue_names_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # 40 characters each, the most either may have: SQS takes 80 in a queue's name.
    consumer, entity = (
        "order-fulfilment-and-invoicing-service-a",
        "CustomerAccountRegistrationRecordEntryA",
    )
    args = ["--patterns", "event,replica", "--consumer", consumer, "--entity", entity]
    dest = tmp_path / "project"
    code, _, err = run(
        ["new", str(dest), *args, "--broker", "sns-sqs", "--no-input"], capsys, monkeypatch
    )
    assert code == 2
    assert err.startswith("advisor: error: --consumer/--entity: "), err
    assert "at most 80" in err and len(err.strip().splitlines()) == 1
    assert not dest.exists()
    # The same names fit the other brokers' limits.
    code, _, err = run(
        ["new", str(dest), *args, "--broker", "rabbitmq", "--no-input"], capsys, monkeypatch
    )
    assert code == 0, err
    assert (dest / "services").is_dir()
