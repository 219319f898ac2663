"""Hypothesis strategies over answers, built from the question catalogue and the rules."""

from __future__ import annotations

from functools import cache
from typing import Any

from hypothesis import strategies as st

from advisor.engine import conditions
from advisor.engine.loader import load_rules
from advisor.questions.model import Question, questions
from advisor.types import AnswerValue


@cache
def _boundaries(key: str) -> tuple[int, ...]:
    """The numbers the shipped rules compare ``key`` with, and their neighbours."""
    near: set[int] = set()
    for item in load_rules().rules:
        for value in conditions.thresholds(item.condition).get(key, ()):
            if isinstance(value, int) and not isinstance(value, bool):
                near.update((value - 1, value, value + 1))
    return tuple(sorted(near))


def answer_values(q: Question) -> st.SearchStrategy[AnswerValue]:
    """Every valid value of one question; numbers favour the rules' boundaries."""
    if q.type == "choice":
        return st.sampled_from(q.choices)
    if q.type == "bool":
        return st.booleans()
    low = q.min or 0
    edges = [value for value in _boundaries(q.key) if value >= low]
    numbers = st.integers(min_value=low, max_value=100_000)
    return st.one_of(numbers, st.sampled_from(edges)) if edges else numbers


def answer_sets() -> st.SearchStrategy[dict[str, Any]]:
    """Complete, valid answer sets: every catalogue key with a valid value."""
    return st.fixed_dictionaries({q.key: answer_values(q) for q in questions()})


def answers_files() -> st.SearchStrategy[dict[str, Any]]:
    """Valid answers-file contents: the required answers, any of the others."""
    return st.fixed_dictionaries(
        {q.key: answer_values(q) for q in questions() if q.required},
        optional={q.key: answer_values(q) for q in questions() if not q.required},
    )
