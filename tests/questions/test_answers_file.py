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
        ("a.yml", REQUIRED + "colour: red\n", "answer 'colour': no such question"),
        ("a.yml", REQUIRED + "consumers: 0\n", "answer 'consumers'"),
        ("a.yml", REQUIRED + "needs_replay: maybe\n", "answer 'needs_replay'"),
        (
            "a.yml",
            "freshness: minutes\n",
            "answers 'reads_per_second' (--reads-per-second), 'writes_per",
        ),
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
    with pytest.raises(AnswersError, match="/dev/null: not a regular file"):
        read_answers_file(Path("/dev/null"))


def _bomb(levels: int) -> list[str]:
    """The YAML "billion laughs": each anchor lists the one before it nine times."""
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for level in range(1, levels):
        lines.append(f"a{level}: &a{level} [{', '.join([f'*a{level - 1}'] * 9)}]")
    return lines


def test_a_yaml_alias_bomb_is_refused_before_it_expands(tmp_path: Path) -> None:
    bomb = "project:\n  " + "\n  ".join(_bomb(9)) + "\nfreshness: *a8\n"  # 9**9 values
    (tmp_path / "bomb.yml").write_text(bomb, encoding="utf-8")
    with pytest.raises(AnswersError, match="more than 10000 values once YAML aliases"):
        read_answers_file(tmp_path / "bomb.yml")
    (tmp_path / "loop.yml").write_text("freshness: &x [*x]\n", encoding="utf-8")
    with pytest.raises(AnswersError, match="more than 10000 values"):
        read_answers_file(tmp_path / "loop.yml")


def test_aliases_within_the_bound_still_read(tmp_path: Path) -> None:
    small = "project:\n  " + "\n  ".join(_bomb(3)) + "\n"  # 9**3 values
    (tmp_path / "a.yml").write_text(
        REQUIRED + "ordering: &o global\nconsumers: &n 3\n" + small, encoding="utf-8"
    )
    answers = load_answers(tmp_path / "a.yml")
    assert (answers["ordering"], answers["consumers"]) == ("global", 3)


@pytest.mark.parametrize(
    ("name", "text"),
    [("deep.yml", "freshness: " + "[" * 5000 + "]" * 5000), ("deep.json", "[" * 50_000)],
)
def test_deep_nesting_is_an_error_not_a_crash(tmp_path: Path, name: str, text: str) -> None:
    (tmp_path / name).write_text(text, encoding="utf-8")
    with pytest.raises(AnswersError, match="nested too deeply"):
        read_answers_file(tmp_path / name)


def test_files_over_one_mebibyte_are_refused(tmp_path: Path) -> None:
    padding = "# " + "x" * 1000 + "\n"
    (tmp_path / "big.yml").write_text(REQUIRED + padding * 1100, encoding="utf-8")
    with pytest.raises(AnswersError, match="larger than 1 MiB"):
        read_answers_file(tmp_path / "big.yml")
    (tmp_path / "fits.yml").write_text(REQUIRED + padding * 1000, encoding="utf-8")
    assert read_answers_file(tmp_path / "fits.yml")["freshness"] == "minutes"


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("a.yml", REQUIRED + "freshness: hours\n", "key 'freshness' appears twice (line 4)"),
        ("a.yml", REQUIRED + "project: {name: a, name: b}\n", "key 'name' appears twice"),
        (
            "a.json",
            '{"freshness": "hours", "reads_per_second": 1, "writes_per_second": 2, '
            '"reads_per_second": 3}',
            "key 'reads_per_second' appears twice",
        ),
    ],
)
def test_a_key_given_twice_is_an_error(tmp_path: Path, name: str, text: str, message: str) -> None:
    (tmp_path / name).write_text(text, encoding="utf-8")
    with pytest.raises(AnswersError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_answers_file(tmp_path / name)


def test_merge_keys_may_override_what_they_merge(tmp_path: Path) -> None:
    (tmp_path / "a.yml").write_text(
        "base: &base {freshness: hours, consumers: 2}\n"
        "project: {<<: *base, consumers: 3}\n" + REQUIRED,
        encoding="utf-8",
    )
    with pytest.raises(AnswersError, match="answer 'base': no such question"):
        load_answers(tmp_path / "a.yml")  # read as far as validation: no duplicate error
