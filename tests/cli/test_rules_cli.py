"""`advisor rules list|show|validate` through the real entry point."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from advisor.types import BROKERS
from tests.support.cli import advisor


def test_list_json_names_every_rule_with_its_source() -> None:
    done = advisor("rules", "list", "--format", "json")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert "decision.realtime" in {row["id"] for row in rows}
    assert all(row["source"] for row in rows)


def test_show_prints_the_rule() -> None:
    done = advisor("rules", "show", "shared-db.anti-pattern")
    assert done.returncode == 0, done.stderr
    rule = yaml.safe_load(done.stdout)
    assert rule["warnings"][0]["level"] == "error"
    assert rule["file"] == "shared-db.yaml"


def test_show_unknown_rule_is_exit_2() -> None:
    done = advisor("rules", "show", "no.such-rule")
    assert done.returncode == 2
    assert (
        done.stderr.strip()
        == "advisor: error: ID 'no.such-rule': no such rule (see `advisor rules list`)"
    )


def test_validate_shipped() -> None:
    done = advisor("rules", "validate")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ok: ") and "4 decision rows covered" in done.stdout


def test_validate_reports_problems_with_exit_1(rules_copy: Path) -> None:
    extra = {
        "rules": [
            {
                "id": "extra.x",
                "title": "t",
                "explain": "e",
                "source": "s",
                "when": {"needs_replay": True},
                "exclude": ["event"],
            }
        ]
    }
    (rules_copy / "extra.yaml").write_text(yaml.safe_dump(extra), encoding="utf-8")
    done = advisor("rules", "validate", str(rules_copy))
    assert done.returncode == 1
    assert "invalid: rules 'extra.x'" in done.stderr or "'extra.x' excludes" in done.stderr


def test_validate_evaluates_each_row_scenario(rules_copy: Path) -> None:
    decision = rules_copy / "decision.yaml"
    data = yaml.safe_load(decision.read_text(encoding="utf-8"))
    for rule in data["rules"]:
        if rule["id"] == "decision.high-read-low-write":
            rule["scores"] = {"replica": 0.5}
    decision.write_text(yaml.safe_dump(data), encoding="utf-8")
    done = advisor("rules", "validate", str(rules_copy))
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.startswith("invalid: decision-table row 'high-read-low-write' ")
    assert done.stderr.rstrip().endswith("gives event")


def test_validate_malformed_folder_is_exit_2(rules_copy: Path) -> None:
    (rules_copy / "extra.yaml").write_text("rules: [{id: 1}]\n", encoding="utf-8")
    done = advisor("rules", "validate", str(rules_copy))
    assert done.returncode == 2
    assert done.stderr.startswith("advisor: error: extra.yaml: ")
    assert "Traceback" not in done.stderr


def test_validate_refuses_a_value_no_answer_can_take(rules_copy: Path) -> None:
    extra = {
        "rules": [
            {
                "id": "extra.weekly",
                "title": "t",
                "explain": "e",
                "source": "s",
                "when": {"freshness": "weekly"},
                "scores": {"replica": 1},
            }
        ]
    }
    (rules_copy / "extra.yaml").write_text(yaml.safe_dump(extra), encoding="utf-8")
    done = advisor("rules", "validate", str(rules_copy))
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "advisor: error: extra.yaml: rule 'extra.weekly': when.freshness.eq: "
        "'weekly' is not a choice of 'freshness' (realtime, seconds, minutes, hours)"
    )


def test_validate_fails_when_events_would_have_no_broker(rules_copy: Path) -> None:
    extra = {
        "rules": [
            {
                "id": "extra.no-brokers",
                "title": "t",
                "explain": "e",
                "source": "s",
                "applies_to": ["replica"],
                "broker_exclude": list(BROKERS),
            }
        ]
    }
    (rules_copy / "extra.yaml").write_text(yaml.safe_dump(extra), encoding="utf-8")
    done = advisor("rules", "validate", str(rules_copy))
    assert done.returncode == 1
    assert done.stderr.startswith(
        "invalid: rules extra.no-brokers exclude every broker while events flow for {"
    )
