"""The engine: golden scenarios as data, and properties over the whole answer space."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from advisor.engine.evaluate import evaluate, recommend
from advisor.engine.loader import load_rules
from advisor.questions.model import questions, validate_answers
from advisor.recommendation import Recommendation
from advisor.wizard.relevance import should_ask

CASES = sorted((Path(__file__).parent / "cases").glob("*.yaml"))


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_golden_scenario(case: Path) -> None:
    data = yaml.safe_load(case.read_text(encoding="utf-8"))
    rec = recommend(validate_answers(data["answers"]))
    got: dict[str, object] = {
        "strategy": rec.strategy,
        "patterns": rec.patterns,
        "broker": rec.broker,
        "warnings": {w.id: w.level for w in rec.warnings},
    }
    if "api" in data["expect"]:
        got["api"] = rec.api
    assert got == data["expect"]
    practices = {p.id for p in rec.practices}
    wanted = data.get("practices", {})
    assert set(wanted.get("include", [])) <= practices, practices
    assert not set(wanted.get("exclude", [])) & practices, practices


#: The classes of defect issue 13 found; each has golden scenarios from a public source.
DEFECT_CLASSES = range(1, 11)


def test_every_defect_class_has_scenarios_from_a_public_source() -> None:
    classes: dict[int, list[str]] = {}
    for case in CASES:
        data = yaml.safe_load(case.read_text(encoding="utf-8"))
        if "defect_class" in data:
            assert str(data.get("source", "")).startswith("https://"), case.name
            classes.setdefault(data["defect_class"], []).append(case.stem)
    assert sorted(classes) == list(DEFECT_CLASSES)


def test_every_decision_row_has_a_golden_scenario() -> None:
    from advisor.engine.loader import load_rules

    rows = {row.id for row in load_rules().table}
    assert {f"row-{row}" for row in rows} <= {c.stem for c in CASES}


def test_winner_explained_and_losers_say_why_not() -> None:
    rec = recommend(
        validate_answers({"freshness": "realtime", "reads_per_second": 1, "writes_per_second": 1})
    )
    ranking = {option.strategy: option for option in rec.ranking}
    assert rec.ranking[0].strategy == rec.strategy == "api"
    assert ranking["api"].reasons and not ranking["api"].reasons[0].startswith("excluded")
    assert any(r.startswith("excluded:") for r in ranking["replica"].reasons)


def test_losers_no_rule_spoke_against_still_say_why_not() -> None:
    rec = recommend(
        validate_answers(
            {"freshness": "seconds", "reads_per_second": 20, "writes_per_second": 5, "consumers": 3}
        )
    )
    ranking = {option.strategy: option for option in rec.ranking}
    assert rec.strategy == "event"
    assert ranking["sdk"].reasons == ["why not: the rules that apply favour event over it"]
    # The winner's own costs are listed (a broker to run), never a reason it lost.
    assert not any("favour" in r or "ties" in r for r in ranking["event"].reasons)


def test_a_tie_says_the_fixed_order_decided() -> None:
    rec = recommend(
        validate_answers(
            {"freshness": "minutes", "reads_per_second": 5000, "writes_per_second": 100}
        )
    )
    ranking = {option.strategy: option for option in rec.ranking}
    assert ranking["api"].score == ranking["replica"].score
    assert rec.strategy == "api"
    assert (
        "why not: it ties with api, and ties go to the first of api, event, replica, sdk"
    ) in ranking["replica"].reasons


def test_practices_follow_the_patterns() -> None:
    rec = recommend(
        validate_answers({"freshness": "seconds", "reads_per_second": 900, "writes_per_second": 2})
    )
    ids = {p.id for p in rec.practices}
    assert {"transactional-outbox", "idempotent-consumer", "read-only-replica"} <= ids
    assert "circuit-breaker" not in ids  # no synchronous client in this design
    assert all(p.source for p in rec.practices)


#: The "Best Practices" bullets of docs/data-sharing-guide.md:
#: the term each names, and a pattern it concerns.
SEED_BEST_PRACTICES = [
    ("event-driven architecture", "event"),  # ... for real-time async updates
    ("read replicas", "replica"),  # ... or materialized views for high-read access
    ("bounded contexts", "api"),  # Respect bounded contexts from Domain-Driven Design
    ("schema versioning", "event"),  # ... and backward compatibility for events
    ("idempotent consumers", "event"),  # ... and retry logic in async flows
]
PATTERN_ANSWERS = {
    "api": {"freshness": "realtime", "reads_per_second": 5, "writes_per_second": 5},
    "event": {
        "freshness": "minutes",
        "reads_per_second": 5,
        "writes_per_second": 5,
        "consumers": 3,
    },
    "replica": {"freshness": "seconds", "reads_per_second": 2000, "writes_per_second": 5},
}


@pytest.mark.parametrize(("term", "pattern"), SEED_BEST_PRACTICES)
def test_each_seed_best_practice_is_a_practice_of_its_pattern(term: str, pattern: str) -> None:
    rec = recommend(validate_answers(PATTERN_ANSWERS[pattern]))
    assert pattern in rec.patterns
    sources = [p.source for p in rec.practices]
    assert any("Best Practices (" in s and term in s.lower() for s in sources), sources


def answer_sets() -> st.SearchStrategy[dict[str, Any]]:
    """Every valid answer set the catalogue allows."""
    fields: dict[str, st.SearchStrategy[Any]] = {}
    for q in questions():
        if q.type == "choice":
            fields[q.key] = st.sampled_from(q.choices)
        elif q.type == "bool":
            fields[q.key] = st.booleans()
        else:
            fields[q.key] = st.integers(min_value=q.min or 0, max_value=100_000)
    return st.fixed_dictionaries(fields)


@settings(max_examples=300, deadline=None)
@given(answer_sets())
def test_every_answer_set_gives_a_valid_deterministic_recommendation(
    answers: dict[str, Any],
) -> None:
    rec = recommend(validate_answers(answers))
    again = recommend(validate_answers(dict(reversed(answers.items()))))
    assert rec.to_json() == again.to_json()
    assert Recommendation.model_validate(json.loads(rec.to_json())) == rec
    assert rec.strategy in rec.patterns
    assert (rec.broker is None) == ("event" not in rec.patterns)
    assert (rec.api is None) == ("api" not in rec.patterns)
    assert "replica" not in rec.patterns or "event" in rec.patterns
    assert sorted(o.strategy for o in rec.ranking) == ["api", "event", "replica", "sdk"]
    for option in rec.ranking:
        if option.strategy != rec.strategy:
            assert any(r.startswith(("why not: ", "excluded: ")) for r in option.reasons), option
    shared = [w for w in rec.warnings if w.id == "shared-db"]
    assert bool(shared) == answers["shared_database"]


@settings(max_examples=300, deadline=None)
@given(answer_sets(), st.data())
def test_skipped_questions_cannot_change_the_outcome(
    answers: dict[str, Any], data: st.DataObject
) -> None:
    """The wizard skips questions whose answer cannot matter; prove it cannot."""
    base = _outcome(answers)
    for q in questions():
        if should_ask(q, answers):
            continue
        other = data.draw(answer_sets())[q.key]
        changed = _outcome({**answers, q.key: other})
        assert changed == base, f"skipped '{q.key}' changed the outcome"


def _outcome(answers: dict[str, Any]) -> tuple[object, ...]:
    """Strategy, patterns, broker, api and warnings, from the evaluation the recommendation uses."""
    trace = evaluate(validate_answers(answers), load_rules())
    warnings = {w.id: w.level for item in trace.fired for w in item.rule.warnings}
    return (
        trace.strategy,
        sorted(trace.patterns),
        trace.broker,
        trace.api,
        sorted(warnings.items()),
    )


def test_rules_about_a_network_call_move_api_and_sdk_alike() -> None:
    """The SDK makes the same call to the owner as the API: one reason cannot mark one down."""
    from advisor.engine.loader import load_rules

    for item in load_rules().rules:
        scores = item.rule.scores
        about_a_call = "call" in item.rule.explain and "owner" in item.rule.explain
        if about_a_call and scores.get("api", 0) < 0:
            assert scores.get("sdk") == scores["api"], item.id


def test_rule_texts_say_kafka_orders_within_a_partition() -> None:
    from advisor.engine.loader import load_rules

    for item in load_rules().rules:
        texts = [item.rule.explain, *(p.why for p in item.rule.practices)]
        texts += [w.message for w in item.rule.warnings]
        assert not any("across partitions" in text for text in texts), item.id
