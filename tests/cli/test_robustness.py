"""Hostile input never produces a traceback: flags and rules files, fuzzed.

Answers files are fuzzed in test_recommend_cli.py; names for `advisor new` in test_new_cli.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.cli import run_main

COMMANDS = [
    ["recommend"],
    ["recommend", "--format", "json"],
    ["rules", "show"],
    ["rules", "list"],
    ["check"],
    ["questions"],
    ["new"],
]
FLAGS = [
    "--freshness",
    "--reads-per-second",
    "--consumers",
    "--shared-database",
    "--no-input",
    "--answers",
    "--format",
    "--strict",
    "--patterns",
    "--pattern",  # the old name, still accepted
    "--broker",
    "--name",
    "--entity",
    "--dry-run",
    "--force",
    "--compatibility",
    "--select",
    "-",
    "--",
    "",
]


tokens = st.one_of(st.sampled_from(FLAGS), st.text(max_size=12), st.integers().map(str))


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(command=st.sampled_from(COMMANDS), args=st.lists(tokens, max_size=6))
def test_fuzzed_flags_exit_cleanly(
    command: list[str],
    args: list[str],
    tmp_path_factory: pytest.TempPathFactory,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Run from an empty folder so a fuzzed `new DEST` or `--save` can only write there.
    monkeypatch.chdir(tmp_path_factory.mktemp("fuzz"))
    capsys.readouterr()
    code = run_main([*command, *args])
    out, err = capsys.readouterr()
    assert code in (0, 1, 2), (code, err)
    assert "Traceback" not in err + out
    if code == 2:
        assert err.startswith("advisor: error: "), err


rule_like = st.fixed_dictionaries(
    {
        "id": st.one_of(st.text(max_size=10), st.just("extra.rule"), st.integers()),
        "title": st.one_of(st.text(max_size=5), st.none()),
        "explain": st.text(max_size=5),
        "source": st.text(max_size=5),
    },
    optional={
        "when": st.recursive(
            st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8)),
            lambda inner: (
                st.dictionaries(
                    st.sampled_from(
                        ["all", "any", "not", "freshness", "consumers", "gte", "in", "x"]
                    ),
                    inner,
                    max_size=3,
                )
                | st.lists(inner, max_size=3)
            ),
            max_leaves=8,
        ),
        "scores": st.dictionaries(st.text(max_size=6), st.integers() | st.text(max_size=3)),
        "exclude": st.lists(st.sampled_from(["api", "event", "x"]), max_size=3),
        "applies_to": st.lists(st.sampled_from(["api", "replica", "y"]), max_size=2),
        "warnings": st.lists(
            st.dictionaries(st.sampled_from(["id", "level", "message"]), st.text(max_size=5))
        ),
    },
)


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    document=st.one_of(
        st.text(max_size=80),
        st.fixed_dictionaries({"rules": st.lists(rule_like, max_size=3)}).map(yaml.safe_dump),
    )
)
def test_fuzzed_rules_files_never_crash_validate(
    document: str, rules_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (rules_copy / "extra.yaml").write_text(document, encoding="utf-8")
    capsys.readouterr()
    code = run_main(["rules", "validate", str(rules_copy)])
    err = capsys.readouterr().err
    assert code in (0, 1, 2), err
    assert "Traceback" not in err
    if code == 2:
        assert err.startswith("advisor: error: ") and err.count("\n") == 1, err
