"""The declarative condition language."""

from __future__ import annotations

import pytest

from advisor.engine import conditions
from advisor.engine.conditions import (
    ConditionSyntaxError,
    describe,
    facts_used,
    parse,
    thresholds,
)

FACTS = {"freshness": "realtime", "reads_per_second": 0, "shared_database": False, "patterns": []}


@pytest.mark.parametrize(
    ("raw", "facts", "holds"),
    [
        (None, {}, True),
        ({"freshness": "realtime"}, {"freshness": "realtime"}, True),
        ({"freshness": {"ne": "realtime"}}, {"freshness": "realtime"}, False),
        ({"reads_per_second": {"gte": 100}}, {"reads_per_second": 100}, True),
        ({"reads_per_second": {"gt": 100}}, {"reads_per_second": 100}, False),
        ({"reads_per_second": {"lt": 5, "gte": 1}}, {"reads_per_second": 3}, True),
        ({"freshness": {"in": ["seconds", "minutes"]}}, {"freshness": "hours"}, False),
        ({"freshness": {"not_in": ["seconds"]}}, {"freshness": "hours"}, True),
        (
            {"any": [{"shared_database": True}, {"freshness": "hours"}]},
            {"shared_database": False, "freshness": "hours"},
            True,
        ),
        ({"not": {"shared_database": True}}, {"shared_database": True}, False),
        (
            {"all": [{"shared_database": True}, {"reads_per_second": {"lte": 9}}]},
            {"shared_database": True, "reads_per_second": 10},
            False,
        ),
        ({"patterns": {"contains": "event"}}, {"patterns": ["api", "event"]}, True),
    ],
)
def test_holds(raw: object, facts: dict[str, object], holds: bool) -> None:
    assert parse(raw, FACTS).holds(facts) is holds


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"colour": "red"}, "colour: unknown answer key 'colour'"),
        ({"freshness": {"gte": "x"}}, "freshness.gte: 'gte' with 'x' does not fit"),
        ({"reads_per_second": "many"}, "reads_per_second.eq"),
        ({"shared_database": {"gt": True}}, "shared_database.gt"),
        ({"all": []}, "all: 'all' takes a non-empty list"),
        ({"freshness": {"in": []}}, "'in' takes a non-empty list"),
        ({"freshness": {"contains": "x"}}, "'contains' needs a list fact"),
        ([1, 2], "a condition must be a non-empty mapping"),
        ({"freshness": {}}, "an empty comparison"),
    ],
)
def test_malformed(raw: object, message: str) -> None:
    with pytest.raises(ConditionSyntaxError) as caught:
        parse(raw, FACTS)
    assert message in str(caught.value)


def test_values_outside_the_choices_are_refused() -> None:
    choices = {"freshness": ("realtime", "hours")}
    assert parse({"freshness": {"in": ["hours"]}}, FACTS, choices=choices)
    with pytest.raises(ConditionSyntaxError) as caught:
        parse({"not": {"freshness": {"ne": "weekly"}}}, FACTS, choices=choices)
    assert str(caught.value) == (
        "not.freshness.ne: 'weekly' is not a choice of 'freshness' (realtime, hours)"
    )


def test_facts_and_thresholds() -> None:
    condition = parse(
        {"any": [{"reads_per_second": {"gte": 100}}, {"not": {"freshness": {"in": ["hours"]}}}]},
        FACTS,
    )
    assert facts_used(condition) == {"reads_per_second", "freshness"}
    assert thresholds(condition) == {"reads_per_second": {100}, "freshness": {"hours"}}
    assert facts_used(conditions.ALWAYS) == set()


def test_describe_always() -> None:
    assert describe(conditions.ALWAYS) == "always"
