"""The wizard skips exactly the questions that cannot change the outcome, by the rules."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import questionary
from hypothesis import given, settings
from hypothesis import strategies as st

from advisor.engine.evaluate import evaluate, recommend
from advisor.engine.loader import load_rules
from advisor.questions.model import question, questions, validate_answers
from advisor.types import STRATEGIES, AnswerValue
from advisor.wizard.prompt import ask_answers
from advisor.wizard.relevance import Relevance, can_matter, should_ask
from tests.support.answers import answer_sets, answer_values

KEYS = [q.key for q in questions()]
OPTIONAL = [q for q in questions() if not q.required]
#: The audit's example: `api` wins (internal tooling in another language) and no events flow.
NO_EVENTS: dict[str, AnswerValue] = {
    "freshness": "seconds",
    "reads_per_second": 1,
    "writes_per_second": 1,
    "read_your_writes": False,
    "enforces_invariant": False,
    "reacts_to_changes": False,
    "consumers": 1,
    "consumer_kind": "service",
    "owners_per_view": 1,
    "must_survive_owner_outage": False,
    "internal_tooling": True,
    "same_language": False,
}


def outcome(answers: dict[str, Any]) -> tuple[object, ...]:
    """What the user is told, from the engine's own evaluation (as the recommendation has it).

    The evaluation, not the whole recommendation: working out its flip points would
    cost these properties most of their time and tell them nothing.
    """
    trace = evaluate(validate_answers(answers), load_rules())
    warnings: dict[str, tuple[str, str]] = {}
    for item in trace.fired:
        for warning in item.rule.warnings:
            warnings.setdefault(warning.id, (warning.level, warning.message))
    patterns = [s for s in STRATEGIES if s in trace.patterns]
    return (
        trace.strategy,
        patterns,
        trace.broker,
        [(key, *value) for key, value in warnings.items()],
    )


def test_outcome_is_what_the_recommendation_says() -> None:
    answers = {"freshness": "seconds", "reads_per_second": 2000, "writes_per_second": 5}
    rec = recommend(validate_answers({**answers, "personal_data": True}))
    told = [(w.id, w.level, w.message) for w in rec.warnings]
    assert outcome({**answers, "personal_data": True}) == (
        rec.strategy,
        rec.patterns,
        rec.broker,
        told,
    )


def assert_skips_are_safe(
    earlier: dict[str, AnswerValue], answers: dict[str, Any], data: st.DataObject
) -> None:
    """Each question ``earlier`` makes the wizard skip changes nothing in ``answers``."""
    base = outcome(answers)
    for q in OPTIONAL:
        if q.key in earlier or should_ask(q, earlier):
            continue
        tried = [*Relevance(load_rules()).values[q.key], data.draw(answer_values(q))]
        for value in tried:
            assert outcome({**answers, q.key: value}) == base, (
                f"'{q.key}' was skipped after {earlier}, yet {value!r} changes the outcome "
                f"for {answers}"
            )


@settings(max_examples=150, deadline=None)
@given(answers=answer_sets(), asked=st.integers(3, len(KEYS)), data=st.data())
def test_a_skipped_question_cannot_change_the_outcome(
    answers: dict[str, Any], asked: int, data: st.DataObject
) -> None:
    """As the wizard runs: the first ``asked`` answers known, the rest any completion."""
    earlier = {key: answers[key] for key in KEYS[:asked]}
    assert_skips_are_safe(earlier, answers, data)


@settings(max_examples=40, deadline=None)
@given(answers=answer_sets(), known=st.sets(st.sampled_from(KEYS)), data=st.data())
def test_a_skipped_question_cannot_change_the_outcome_whatever_is_known(
    answers: dict[str, Any], known: set[str], data: st.DataObject
) -> None:
    """Any answers known, in any order, the required ones too."""
    assert_skips_are_safe({key: answers[key] for key in known}, answers, data)


def asks(key: str, earlier: dict[str, AnswerValue]) -> bool:
    return should_ask(question(key), earlier)


def test_without_events_the_broker_questions_are_skipped() -> None:
    for key in ("needs_replay", "ordering", "existing_broker"):
        assert not asks(key, NO_EVENTS), key
    with_events = {**NO_EVENTS, "internal_tooling": False}
    for key in ("needs_replay", "ordering", "existing_broker"):
        assert asks(key, with_events), key


def test_shared_database_follow_ups_are_asked_only_while_they_decide() -> None:
    shared = {**NO_EVENTS, "shared_database": True}
    assert not asks("legacy_or_transitional", {**NO_EVENTS, "shared_database": False})
    assert asks("legacy_or_transitional", shared)
    assert asks("single_team", {**shared, "legacy_or_transitional": False})
    assert not asks("single_team", {**shared, "legacy_or_transitional": True})


def test_required_questions_are_always_asked() -> None:
    assert all(asks(q.key, {}) for q in questions() if q.required)


def test_a_rule_reading_an_answer_makes_it_asked(
    add_rules: Callable[[list[dict[str, object]]], Path],
) -> None:
    """Relevance comes from the rules: adding one needs no change to the wizard."""
    earlier = {**NO_EVENTS, "shared_database": False}
    assert not can_matter("single_team", earlier, load_rules())
    folder = add_rules(
        [
            {
                "id": "extra.one-team-replica",
                "title": "One team",
                "explain": "One team can run a replica beside its service.",
                "source": "test",
                "when": {"single_team": True},
                "scores": {"replica": 10},
            }
        ]
    )
    assert can_matter("single_team", earlier, load_rules(folder))


def test_the_wizard_asks_fewer_questions_when_fewer_matter(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    script: dict[str, AnswerValue] = {**NO_EVENTS, "shared_database": True}
    script["legacy_or_transitional"] = True
    prompts = {q.prompt: q.key for q in questions()}
    asked: list[str] = []

    class Scripted:
        def __init__(self, message: str) -> None:
            asked.append(prompts[message])

        def unsafe_ask(self) -> object:
            value = script[asked[-1]]
            return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    for kind in ("select", "confirm", "text"):
        monkeypatch.setattr(questionary, kind, lambda message, **kwargs: Scripted(message))
    answers = ask_answers(io.StringIO())
    # Not the broker questions, nor personal data or where changes originate: internal
    # tooling in another language gets the API, and those only matter when events flow.
    assert asked == [
        "freshness",
        "reads_per_second",
        "writes_per_second",
        "read_your_writes",
        "enforces_invariant",
        "reacts_to_changes",
        "consumers",
        "consumer_kind",
        "owners_per_view",
        "must_survive_owner_outage",
        "internal_tooling",
        "same_language",
        "shared_database",
        "legacy_or_transitional",
    ]
    assert validate_answers(answers) == validate_answers(script)
