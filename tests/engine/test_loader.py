"""Loading rules: every malformed rule set is refused with one line naming file, rule, field."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from advisor.engine.loader import load_rules
from advisor.engine.model import rule_file_schema
from advisor.errors import RulesError
from advisor.resources import rules_dir

GOOD = {"id": "extra.ok", "title": "t", "explain": "e", "source": "seed: x"}


def test_shipped_rules_load() -> None:
    rules = load_rules()
    assert len(rules.rules) >= 30
    assert {row.best_option for row in rules.table} == {"api", "event", "replica", "sdk"}


def test_committed_schema_is_the_generated_one() -> None:
    committed = json.loads((rules_dir() / "schema.json").read_text(encoding="utf-8"))
    assert committed == rule_file_schema()


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        (
            {**GOOD, "when": {"freshnes": "realtime"}},
            "rule 'extra.ok': when.freshnes: unknown answer key",
        ),
        ({**GOOD, "when": {"freshness": {"gte": 3}}}, "rule 'extra.ok': when.freshness.gte"),
        ({**GOOD, "when": {"reads_per_second": {"between": 3}}}, "unknown operator 'between'"),
        (
            {**GOOD, "when": {"freshness": "weekly"}},
            "extra.yaml: rule 'extra.ok': when.freshness.eq: 'weekly' is not a choice of "
            "'freshness' (realtime, seconds, minutes, hours)",
        ),
        (
            {**GOOD, "when": {"any": [{"existing_broker": {"in": ["kafka", "kinesis"]}}]}},
            "rule 'extra.ok': when.any[0].existing_broker.in: 'kinesis' is not a choice",
        ),
        ({**GOOD, "scores": {"graphql": 1}}, "rule 'extra.ok': scores.graphql"),
        ({**GOOD, "broker_exclude": ["kinesis"]}, "rule 'extra.ok': broker_exclude.0"),
        ({**GOOD, "warnings": [{"id": "x", "level": "fatal", "message": "m"}]}, "warnings.0.level"),
        ({**GOOD, "row": "no-such-row"}, "row: unknown decision-table row 'no-such-row'"),
        ({**GOOD, "colour": "red"}, "rule 'extra.ok': colour: extra inputs are not permitted"),
        (
            {k: v for k, v in GOOD.items() if k != "source"},
            "rule 'extra.ok': source: field required",
        ),
        ({**GOOD, "id": "decision.realtime"}, "rule 'decision.realtime': duplicate id"),
        (
            {**GOOD, "applies_to": ["api"], "scores": {"api": 1}},
            "scores: not allowed with applies_to",
        ),
        ({**GOOD, "add_patterns": ["event"]}, "add_patterns: needs applies_to"),
    ],
)
def test_broken_rule_is_named(
    add_rules: Callable[[list[dict[str, object]]], Path], rule: dict[str, object], expected: str
) -> None:
    folder = add_rules([rule])
    with pytest.raises(RulesError) as caught:
        load_rules(folder)
    message = str(caught.value)
    assert "\n" not in message
    assert expected in message
    assert message.startswith(("extra.yaml:", "decision.yaml:")), message


def test_malformed_yaml_names_file_and_line(rules_copy: Path) -> None:
    (rules_copy / "extra.yaml").write_text("rules:\n  - id: [unclosed\n", encoding="utf-8")
    with pytest.raises(RulesError, match=r"^extra.yaml: malformed YAML at line \d+$"):
        load_rules(rules_copy)


def test_file_without_rules_list(rules_copy: Path) -> None:
    (rules_copy / "extra.yaml").write_text("- just a list\n", encoding="utf-8")
    with pytest.raises(RulesError, match=r"^extra.yaml: "):
        load_rules(rules_copy)


def test_missing_decision_table(rules_copy: Path) -> None:
    (rules_copy / "decision-table.yaml").unlink()
    with pytest.raises(RulesError, match=r"decision-table\.yaml is missing"):
        load_rules(rules_copy)


@pytest.mark.parametrize(
    ("scenario", "expected"),
    [
        (
            {"freshness": "weekly", "reads_per_second": 1, "writes_per_second": 1},
            "decision-table.yaml: row 'internal-tooling': scenario: answer 'freshness': ",
        ),
        (
            {"freshness": "hours"},
            "decision-table.yaml: row 'internal-tooling': scenario: answers 'reads_per_second'",
        ),
        (None, "decision-table.yaml: row 'internal-tooling': scenario: field required"),
    ],
)
def test_broken_row_scenario_is_named(
    rules_copy: Path, scenario: dict[str, object] | None, expected: str
) -> None:
    table = rules_copy / "decision-table.yaml"
    data = yaml.safe_load(table.read_text(encoding="utf-8"))
    row = next(row for row in data["rows"] if row["id"] == "internal-tooling")
    if scenario is None:
        del row["scenario"]
    else:
        row["scenario"] = scenario
    table.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(RulesError) as caught:
        load_rules(rules_copy)
    assert str(caught.value).startswith(expected), caught.value


def test_not_a_folder(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match="not a rules folder"):
        load_rules(tmp_path / "absent")


def test_message_stays_one_line_when_the_rule_id_has_newlines(rules_copy: Path) -> None:
    # Found by the rules-file fuzzer: an id of "\n\n" made a three-line error.
    (rules_copy / "extra.yaml").write_text("rules:\n- 0:\n  id: '\n\n'\n0:", encoding="utf-8")
    with pytest.raises(RulesError) as caught:
        load_rules(rules_copy)
    assert "\n" not in str(caught.value)


def test_every_rule_cites_a_public_url_and_only_guides_shipped_here() -> None:
    """A reader can open every source: public URLs, or a guide in this repository's docs/."""
    repo = rules_dir().parent
    for item in load_rules().rules:
        source = item.rule.source
        assert "https://" in source, item.id
        assert "seed" not in source.lower(), item.id
        for path in re.findall(r"\bdocs/[\w./-]+\.md", source):
            assert (repo / path).is_file(), (item.id, path)
