"""Answers files: formats, layering, errors, replay."""

from __future__ import annotations

from pathlib import Path

import pytest

from advisor.errors import AnswersError
from advisor.questions.answers_file import (
    dump_answers,
    load_answers,
    merge,
    read_answers_file,
    save_answers,
)

REQUIRED = "freshness: minutes\nreads_per_second: 10\nwrites_per_second: 2\n"


def test_yaml_and_json_read_the_same(tmp_path: Path) -> None:
    (tmp_path / "a.yml").write_text(REQUIRED, encoding="utf-8")
    (tmp_path / "a.json").write_text(
        '{"freshness": "minutes", "reads_per_second": 10, "writes_per_second": 2}', encoding="utf-8"
    )
    assert load_answers(tmp_path / "a.yml") == load_answers(tmp_path / "a.json")


def test_defaults_fill_the_rest(tmp_path: Path) -> None:
    (tmp_path / "a.yml").write_text(REQUIRED, encoding="utf-8")
    answers = load_answers(tmp_path / "a.yml")
    assert answers["consumers"] == 1 and answers["ordering"] == "per-entity"


def test_flags_win_over_the_file_and_unset_flags_do_not_count() -> None:
    merged = merge({"consumers": 4, "ordering": None}, {"consumers": 2, "ordering": "global"})
    assert merged == {"consumers": 4, "ordering": "global"}


def test_metadata_keys_are_not_answers(tmp_path: Path) -> None:
    (tmp_path / "a.yml").write_text(
        REQUIRED + "compatibility: BACKWARD\nproject: {broker: kafka}\n", encoding="utf-8"
    )
    assert "project" not in read_answers_file(tmp_path / "a.yml")
    load_answers(tmp_path / "a.yml")  # validates: no unknown-key error


def test_save_then_load_is_identity(tmp_path: Path) -> None:
    (tmp_path / "a.yml").write_text(REQUIRED + "needs_replay: true\n", encoding="utf-8")
    answers = load_answers(tmp_path / "a.yml")
    save_answers(tmp_path / "saved.yml", answers)
    assert load_answers(tmp_path / "saved.yml") == answers
    assert dump_answers(answers).splitlines()[0] == "freshness: minutes"


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("a.yml", "freshness: [unclosed\n", "malformed YAML at line"),
        ("a.json", "{nope", "malformed JSON at line 1"),
        ("a.yml", "- a list\n", "must be a mapping"),
        ("a.yml", REQUIRED + "colour: red\n", "unknown answer key 'colour'"),
        ("a.yml", REQUIRED + "consumers: 0\n", "answer 'consumers'"),
        ("a.yml", REQUIRED + "needs_replay: maybe\n", "answer 'needs_replay'"),
        ("a.yml", "freshness: minutes\n", "missing required answers: reads_per_second"),
    ],
)
def test_bad_files_are_one_line_errors(tmp_path: Path, name: str, text: str, message: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(AnswersError) as caught:
        load_answers(path)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(AnswersError, match="no such file"):
        read_answers_file(tmp_path / "absent.yml")
    with pytest.raises(AnswersError, match="is a directory"):
        read_answers_file(tmp_path)
    (tmp_path / "bin.yml").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(AnswersError, match="not UTF-8"):
        read_answers_file(tmp_path / "bin.yml")
