"""The project record: written by rendering, read back exactly, older forms upgraded."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from advisor import __version__, record
from advisor.errors import AnswersError
from advisor.render.scaffold import default_template_dir
from tests.support.cli import advisor

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "answers.yml"


def _tree(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def _new(*args: str) -> None:
    done = advisor("new", *args, "--no-input")
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(
    "how",
    [
        ("--from", str(EXAMPLE)),
        ("--patterns", "api,sdk", "--entity", "Customer", "--fields", "name,tier:int", "--bff"),
        ("--patterns", "event", "--broker", "rabbitmq", "--compatibility", "BACKWARD"),
    ],
    ids=["from-answers", "api-sdk-bff", "event-rabbitmq"],
)
def test_rendering_again_from_the_record_is_byte_identical(
    tmp_path: Path, how: tuple[str, ...]
) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    _new(str(first), *how)
    _new(str(second), "--from", str(first / record.RECORD_FILE))
    assert _tree(first) == _tree(second)


def test_the_record_holds_version_template_answers_and_options(tmp_path: Path) -> None:
    dest = tmp_path / "shop"
    _new(str(dest), "--from", str(EXAMPLE), "--entity", "Customer")
    saved = yaml.safe_load((dest / record.RECORD_FILE).read_text("utf-8"))
    assert saved["record"] == record.FORMAT and saved["advisor"] == __version__
    assert saved["template"] == record.fingerprint(default_template_dir())
    given = yaml.safe_load(EXAMPLE.read_text("utf-8"))
    assert set(saved["answers"]) == set(given)
    assert not set(saved["defaults"]) & set(given)
    assert saved["project"]["entity"] == "Customer"
    # Loading gives the same record back.
    loaded = record.load(dest / record.RECORD_FILE)
    assert loaded.record is not None and loaded.given == frozenset(given)
    assert loaded.record.project.entity == "Customer"


def test_recommend_replays_a_record_and_ignores_its_project(tmp_path: Path) -> None:
    dest = tmp_path / "shop"
    _new(str(dest), "--from", str(EXAMPLE))
    replay = advisor("recommend", "--answers", str(dest / record.RECORD_FILE), "--format", "json")
    direct = advisor("recommend", "--answers", str(EXAMPLE), "--format", "json")
    assert replay.returncode == 0, replay.stderr
    assert json.loads(replay.stdout) == json.loads(direct.stdout)


_FLAT_0_1 = """\
project_name: "Billing"
owner_service: billing
consumer_service: invoice-service
entity: Account
fields: "holder:str,balance:float"
patterns: [api, event]
broker: rabbitmq
compatibility: BACKWARD
shared_database: false
"""


def test_an_advisor_0_1_template_record_is_upgraded_with_a_note(tmp_path: Path) -> None:
    old = tmp_path / "old.yml"
    old.write_text(_FLAT_0_1, encoding="utf-8")
    dest = tmp_path / "again"
    done = advisor("new", str(dest), "--from", str(old), "--no-input")
    assert done.returncode == 0, done.stderr
    notes = [line for line in done.stderr.splitlines() if "advisor 0.1 project record" in line]
    assert len(notes) == 1
    project = yaml.safe_load((dest / record.RECORD_FILE).read_text("utf-8"))["project"]
    assert project == {
        "name": "Billing",
        "owner": "billing",
        "consumer": "invoice-service",
        "entity": "Account",
        "fields": "holder:str,balance:float",
        "patterns": ["api", "event"],
        "broker": "rabbitmq",
        "compatibility": "BACKWARD",
        "bff": False,
        # advisor 0.1 had no api option: the api pattern is served over HTTP.
        "api": "http",
    }


def test_an_advisor_0_1_from_file_keeps_its_answers_and_project(tmp_path: Path) -> None:
    old = tmp_path / "old.yml"
    given = yaml.safe_load(EXAMPLE.read_text("utf-8"))
    old.write_text(
        yaml.safe_dump(
            {
                **given,
                "project": {
                    "name": "Shop",
                    "owner_service": "catalog-service",
                    "consumer_service": "cart-service",
                    "entity": "Product",
                    "fields": "title:str",
                    "patterns": "event,replica",
                    "broker": "kafka",
                    "bff": False,
                },
                "compatibility": "FORWARD",
            }
        ),
        encoding="utf-8",
    )
    loaded = record.load(old)
    assert loaded.note is not None and loaded.record is not None
    assert loaded.given == frozenset(given)
    spec = loaded.record.project
    assert (spec.owner, spec.entity, spec.compatibility) == (
        "catalog-service",
        "Product",
        "FORWARD",
    )


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("record: 99\nadvisor: '9.0'\ntemplate: x\nproject: {patterns: [api]}\n", "format 99"),
        (
            "record: 1\nadvisor: '0.2'\ntemplate: x\nproject: {patterns: [api], owner: '../x'}\n",
            "project.owner",
        ),
        (
            "record: 1\nadvisor: '0.2'\ntemplate: x\nsurprise: 1\nproject: {patterns: [api]}\n",
            "surprise: unknown key",
        ),
        (
            "record: 1\nadvisor: '0.2'\ntemplate: x\n"
            "answers: {freshness: yearly, reads_per_second: 1, writes_per_second: 1}\n"
            "project: {patterns: [api]}\n",
            "freshness",
        ),
        ("record: 1\nadvisor: '0.2'\ntemplate: x\n", "project"),
    ],
    ids=["newer-format", "bad-option", "unknown-key", "bad-answer", "no-project"],
)
def test_an_invalid_record_is_one_line_exit_2_for_new_and_check(
    tmp_path: Path, text: str, needle: str
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / record.RECORD_FILE).write_text(text, encoding="utf-8")
    with pytest.raises(AnswersError, match=needle.replace(".", r"\.")):
        record.load(project / record.RECORD_FILE)
    for args in (
        ("new", str(tmp_path / "out"), "--from", str(project / record.RECORD_FILE), "--no-input"),
        ("check", str(project)),
    ):
        done = advisor(*args)
        assert done.returncode == 2, (args, done.stdout, done.stderr)
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr
        assert needle in done.stderr
    assert not (tmp_path / "out").exists()


def test_the_fingerprint_follows_the_template(tmp_path: Path) -> None:
    copy = tmp_path / "template"
    (copy / "a").mkdir(parents=True)
    (copy / "a" / "f.txt").write_text("one", encoding="utf-8")
    before = record.fingerprint(copy)
    assert record.fingerprint(copy) == before
    (copy / "a" / "f.txt").write_text("two", encoding="utf-8")
    assert record.fingerprint(copy) != before
