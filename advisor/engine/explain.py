"""Why the recommendation is what it is: the rules that decided it, the runner-ups, and
the nearest answer changes that would change it. Pure; computed from the rules, never
written by hand, so the explanation cannot drift from the advice.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Literal

from advisor.engine import conditions
from advisor.engine.model import LoadedRule, RuleSet
from advisor.questions.model import Question, questions
from advisor.recommendation import Factor, Flip, RuleRef
from advisor.types import BROKERS, STRATEGIES, AnswerValue, Broker, Strategy

if TYPE_CHECKING:
    from advisor.engine.evaluate import Trace

#: What one evaluation decides that a flip point is about: the strategy and the broker.
Outcome = tuple[Strategy, Broker | None]

_URL = re.compile(r"https?://[^\s;,)]+")


def runner_up(trace: Trace) -> Strategy | None:
    """The best strategy after the chosen one that no rule ruled out, if any."""
    others = [s for s in STRATEGIES if s != trace.strategy and s not in trace.excluded]
    if not others:
        return None
    return max(others, key=lambda s: (trace.scores[s], -STRATEGIES.index(s)))


def broker_runner_up(trace: Trace) -> Broker | None:
    """The best broker after the chosen one that no rule ruled out, when events flow."""
    if trace.broker is None:
        return None
    others = [b for b in BROKERS if b != trace.broker and b not in trace.brokers_excluded]
    if not others:
        return None
    return max(others, key=lambda b: (trace.broker_scores[b], -BROKERS.index(b)))


def factors(trace: Trace) -> list[Factor]:
    """The fired rules that put the chosen strategy, then the broker, ahead.

    A rule decides the strategy when it scores the winner above the runner-up, or rules
    out an option that would otherwise have won; likewise for the broker.
    """
    found: list[Factor] = []
    second = runner_up(trace)
    for item in trace.fired:
        if item.second_stage:
            continue
        scores = item.rule.scores
        lead = scores.get(trace.strategy, 0.0) - (scores.get(second, 0.0) if second else 0.0)
        if lead > 0 or any(_would_win(trace, s) for s in item.rule.exclude):
            found.append(_factor("strategy", item))
    if trace.broker is not None:
        other = broker_runner_up(trace)
        for item in trace.fired:
            weights = item.rule.broker_scores
            lead = weights.get(trace.broker, 0.0) - (weights.get(other, 0.0) if other else 0.0)
            beaten = any(
                (trace.broker_scores[b], -BROKERS.index(b))
                > (trace.broker_scores[trace.broker], -BROKERS.index(trace.broker))
                for b in item.rule.broker_exclude
            )
            if lead > 0 or beaten:
                found.append(_factor("broker", item))
    return found


def _would_win(trace: Trace, strategy: Strategy) -> bool:
    """Whether an excluded strategy outscores the chosen one (so its exclusion decided)."""
    key = (trace.scores[strategy], -STRATEGIES.index(strategy))
    return key > (trace.scores[trace.strategy], -STRATEGIES.index(trace.strategy))


def _factor(decides: Literal["strategy", "broker"], item: LoadedRule) -> Factor:
    used = conditions.facts_used(item.condition)
    return Factor(
        decides=decides,
        rule=item.id,
        title=item.rule.title,
        explain=item.rule.explain,
        answers=[q.key for q in questions() if q.key in used],
    )


def flips(
    answers: Mapping[str, AnswerValue],
    trace: Trace,
    rules: RuleSet,
    outcome: Callable[[Mapping[str, AnswerValue]], Outcome],
) -> list[Flip]:
    """The nearest change of each single answer that changes the strategy or the broker.

    For a number, the nearest value below and above that changes the outcome, which is
    where the boundary lies (the rules compare numbers with constants, so every value
    past that one gives the same); for a choice or a yes/no, each other value that does.
    ``outcome`` evaluates an answer set (the engine's own evaluation).
    """
    base = (trace.strategy, trace.broker)
    found: list[Flip] = []
    for q in questions():
        now = answers[q.key]
        bounds_found: set[str] = set()
        for value in _candidates(q, now, rules):
            bound: Literal["eq", "lte", "gte"] = "eq"
            if q.type == "int":
                bound = "lte" if int(value) < int(now) else "gte"
                if bound in bounds_found:
                    continue  # a nearer value on this side already changes the outcome
            strategy, broker = outcome({**answers, q.key: value})
            if (strategy, broker) == base:
                continue
            bounds_found.add(bound)
            found.append(
                Flip(
                    answer=q.key,
                    now=now,
                    to=value,
                    bound=bound,
                    strategy=strategy,
                    broker=broker,
                )
            )
    return found


def _candidates(q: Question, now: AnswerValue, rules: RuleSet) -> Iterator[AnswerValue]:
    """One value per class the rules tell apart, but the current one's, nearest first."""
    compares = [
        c for item in rules.rules for c in conditions.comparisons(item.condition) if c.fact == q.key
    ]
    values: list[AnswerValue]
    if q.type == "choice":
        values = [c for c in q.choices if c != now]
    elif q.type == "bool":
        values = [not now]
    else:
        low = q.min or 0
        points = {low}
        for compare in compares:
            constants = compare.value if isinstance(compare.value, tuple) else (compare.value,)
            points.update(v for n in constants for v in (n - 1, n, n + 1) if v >= low)
        values = sorted(points, key=lambda v: (abs(int(v) - int(now)), int(v)))
    signature = tuple(c.holds({q.key: now}) for c in compares)
    classes: dict[tuple[bool, ...], AnswerValue] = {signature: now}
    for value in values:
        key = tuple(c.holds({q.key: value}) for c in compares)
        if key not in classes:
            classes[key] = value
            yield value


def cited(trace: Trace) -> list[RuleRef]:
    """Every fired rule with its source and the public URLs in it."""
    return [
        RuleRef(
            id=item.id,
            title=item.rule.title,
            source=item.rule.source,
            urls=[url.rstrip(".") for url in _URL.findall(item.rule.source)],
        )
        for item in trace.fired
    ]
