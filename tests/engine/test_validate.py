"""`validate_rules`: coverage of the decision table and contradiction search."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import yaml

from advisor.engine.validate import validate_rules

BASE = {"title": "t", "explain": "e", "source": "seed: x"}


def test_shipped_rules_are_valid() -> None:
    assert validate_rules() == []


def test_uncovered_row(rules_copy: Path) -> None:
    decision = rules_copy / "decision.yaml"
    data = yaml.safe_load(decision.read_text(encoding="utf-8"))
    for rule in data["rules"]:
        if rule.get("row") == "internal-tooling":
            del rule["row"]
    decision.write_text(yaml.safe_dump(data), encoding="utf-8")
    problems = validate_rules(rules_copy)
    assert len(problems) == 1
    assert "row 'internal-tooling'" in problems[0]


def _edit_rule(folder: Path, name: str, rule_id: str, **changes: object) -> None:
    path = folder / name
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for rule in data["rules"]:
        if rule["id"] == rule_id:
            rule.update(changes)
    path.write_text(yaml.safe_dump(data), encoding="utf-8")


def test_row_outweighed_although_tagged(rules_copy: Path) -> None:
    # The row's rule still favours replica, so only evaluating the scenario can tell.
    _edit_rule(rules_copy, "decision.yaml", "decision.high-read-low-write", scores={"replica": 0.5})
    assert validate_rules(rules_copy) == [
        "decision-table row 'high-read-low-write' (High-volume reads, low writes -> replica): "
        "its scenario {freshness: seconds, reads_per_second: 2000, writes_per_second: 5} "
        "gives event"
    ]


def test_every_strategy_excluded(add_rules: Callable[[list[dict[str, object]]], Path]) -> None:
    folder = add_rules(
        [
            {
                **BASE,
                "id": "extra.no-sync",
                "when": {"consumers": {"gte": 5}},
                "exclude": ["api", "sdk"],
            }
        ]
    )
    problems = validate_rules(folder)
    assert problems and all("exclude every strategy" in p for p in problems)
    pair = "rules consistency.realtime-excludes-eventual, extra.no-sync exclude every strategy"
    witness = [p for p in problems if p.startswith(pair)]
    assert len(witness) == 1, problems
    assert "consumers: 5" in witness[0]


def test_same_warning_two_levels(add_rules: Callable[[list[dict[str, object]]], Path]) -> None:
    folder = add_rules(
        [
            {
                **BASE,
                "id": "extra.lenient",
                "when": {"shared_database": True, "consumers": {"lte": 2}},
                "warnings": [{"id": "shared-db", "level": "warn", "message": "fine"}],
            }
        ]
    )
    problems = validate_rules(folder)
    assert any(
        "extra.lenient" in p and "shared-db.anti-pattern" in p and "'shared-db' is both" in p
        for p in problems
    ), problems


def test_disjoint_conditions_do_not_contradict(
    add_rules: Callable[[list[dict[str, object]]], Path],
) -> None:
    folder = add_rules(
        [
            {
                **BASE,
                "id": "extra.never-together",
                "when": {"shared_database": False},
                "warnings": [{"id": "shared-db", "level": "warn", "message": "m"}],
            }
        ]
    )
    assert validate_rules(folder) == []


def test_exclusion_of_an_added_pattern(
    add_rules: Callable[[list[dict[str, object]]], Path],
) -> None:
    folder = add_rules(
        [{**BASE, "id": "extra.no-events", "when": {"needs_replay": True}, "exclude": ["event"]}]
    )
    problems = validate_rules(folder)
    assert any("'extra.no-events' excludes ['event']" in p for p in problems), problems


def test_events_with_every_broker_excluded(
    add_rules: Callable[[list[dict[str, object]]], Path],
) -> None:
    # Each rule leaves some broker; only together, on both answers, do they leave none
    # (with the shipped broker.replay, which rules out RabbitMQ's queues for replay).
    folder = add_rules(
        [
            {
                **BASE,
                "id": "extra.no-logs",
                "applies_to": ["event"],
                "when": {"writes_per_second": {"gte": 1000}},
                "broker_exclude": ["kafka", "nats"],
            },
            {
                **BASE,
                "id": "extra.no-queues",
                "applies_to": ["event"],
                "when": {"needs_replay": True},
                "broker_exclude": ["sns-sqs", "rabbitmq-streams"],
            },
        ]
    )
    problems = validate_rules(folder)
    assert len(problems) == 1, problems
    assert problems[0].startswith(
        "rules broker.replay, extra.no-logs, extra.no-queues exclude every broker "
        "while events flow for {"
    )
    assert "needs_replay: True" in problems[0] and "writes_per_second: 1000" in problems[0]


def test_contradictions_are_searched_over_the_new_questions(
    add_rules: Callable[[list[dict[str, object]]], Path],
) -> None:
    # A front end can only call an API; ruling the API out for one that enforces an
    # invariant leaves nothing, on answers only the new questions reach.
    folder = add_rules(
        [
            {
                **BASE,
                "id": "extra.no-api-for-invariants",
                "when": {"consumer_kind": "frontend", "enforces_invariant": True},
                "exclude": ["api"],
            }
        ]
    )
    problems = validate_rules(folder)
    assert problems, "the contradiction was not found"
    for problem in problems:
        assert "extra.no-api-for-invariants" in problem and "exclude every strategy" in problem
        assert "consumer_kind: frontend" in problem and "enforces_invariant: True" in problem
