"""Walk the rules over a set of answers and produce a :class:`Recommendation`. Pure.

Stage 1 scores the four strategies from the answers; the best one not ruled out wins.
Stage 2 fires the rules attached to the chosen patterns (practices, implied patterns,
broker weights, the api transport, warnings) until nothing new fires. Ties are broken by
fixed orders, so the same answers always give the same recommendation, byte for byte.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from advisor.engine import explain
from advisor.engine.loader import load_rules
from advisor.engine.model import LoadedRule, RuleSet
from advisor.recommendation import Practice, RankedOption, Recommendation, Warning
from advisor.types import APIS, BROKERS, STRATEGIES, AnswerValue, Api, Broker, Strategy


@dataclass
class Trace:
    """Everything the evaluation decided, for the recommendation and for validation."""

    fired: list[LoadedRule] = field(default_factory=list)
    scores: dict[Strategy, float] = field(default_factory=lambda: dict.fromkeys(STRATEGIES, 0.0))
    excluded: dict[Strategy, list[str]] = field(default_factory=dict)
    strategy: Strategy = "api"
    patterns: set[Strategy] = field(default_factory=set)
    broker: Broker | None = None
    broker_scores: dict[Broker, float] = field(default_factory=lambda: dict.fromkeys(BROKERS, 0.0))
    brokers_excluded: set[Broker] = field(default_factory=set)
    api: Api | None = None


def recommend(
    answers: Mapping[str, AnswerValue],
    rules: RuleSet | None = None,
    given: Iterable[str] | None = None,
) -> Recommendation:
    """The recommendation for validated, defaulted answers.

    ``given`` names the answers the user gave (the rest are defaults); None means all.
    """
    rules = rules or load_rules()
    return _recommendation(answers, evaluate(answers, rules), rules, given)


def _outcome(rules: RuleSet) -> Callable[[Mapping[str, AnswerValue]], explain.Outcome]:
    def outcome(answers: Mapping[str, AnswerValue]) -> explain.Outcome:
        trace = evaluate(answers, rules)
        return trace.strategy, trace.broker

    return outcome


def evaluate(answers: Mapping[str, AnswerValue], rules: RuleSet) -> Trace:
    """Run both stages and return the full trace."""
    trace = Trace()
    first, second = rules.stages
    for item in first:
        if item.condition.holds(answers):
            _score(trace, item)
    remaining = [s for s in STRATEGIES if s not in trace.excluded] or list(STRATEGIES)
    trace.strategy = max(remaining, key=lambda s: (trace.scores[s], -STRATEGIES.index(s)))
    trace.patterns = {trace.strategy}
    pending = list(second)
    progress = True
    while progress:
        progress = False
        waiting = []
        for item in pending:
            if not item.applies.isdisjoint(trace.patterns) and item.condition.holds(answers):
                trace.fired.append(item)
                before = len(trace.patterns)
                trace.patterns.update(item.rule.add_patterns)
                # Only a new pattern can make a waiting rule apply: then look again.
                progress = progress or len(trace.patterns) > before
            else:
                waiting.append(item)
        pending = waiting
    trace.broker = _broker(trace) if "event" in trace.patterns else None
    trace.api = _api(trace) if "api" in trace.patterns else None
    return trace


def _api(trace: Trace) -> Api:
    """How the api pattern is served: the last fired rule that says, else the first (http)."""
    chosen = [item.rule.api for item in trace.fired if item.rule.api is not None]
    return chosen[-1] if chosen else APIS[0]


def _score(trace: Trace, item: LoadedRule) -> None:
    rule = item.rule
    trace.fired.append(item)
    for strategy, delta in rule.scores.items():
        trace.scores[strategy] += delta
    for strategy in rule.exclude:
        trace.excluded.setdefault(strategy, []).append(rule.id)


def _reasons(trace: Trace) -> dict[Strategy, list[str]]:
    """What each first-stage rule that fired says for or against each option, in order.

    Worked out for the recommendation only: evaluation runs thousands of times per wizard
    decision and needs none of this text.
    """
    reasons: dict[Strategy, list[str]] = {s: [] for s in STRATEGIES}
    for item in trace.fired:
        if item.second_stage:
            continue
        for strategy, delta in item.rule.scores.items():
            prefix = "" if delta > 0 else "why not: "
            reasons[strategy].append(prefix + item.rule.explain)
        for strategy in item.rule.exclude:
            reasons[strategy].append("excluded: " + item.rule.explain)
    return reasons


def _broker(trace: Trace) -> Broker | None:
    scores, ruled_out = trace.broker_scores, trace.brokers_excluded
    for item in trace.fired:
        for broker, delta in item.rule.broker_scores.items():
            scores[broker] += delta
        ruled_out.update(item.rule.broker_exclude)
    candidates = [b for b in BROKERS if b not in ruled_out]
    if not candidates:
        return None
    return max(candidates, key=lambda b: (scores[b], -BROKERS.index(b)))


def _why_not(strategy: Strategy, trace: Trace) -> list[str]:
    """Why a losing option lost, when no rule scored it down enough to say so.

    Without this an option no rule spoke against would be listed with no reason at all,
    although it lost. Which answers would make it win is what the flip points say.
    Excluded options already carry the exclusion, which is the whole reason.
    """
    if strategy == trace.strategy or strategy in trace.excluded:
        return []
    if trace.scores[strategy] < trace.scores[trace.strategy]:
        return [f"why not: the rules that apply favour {trace.strategy} over it"]
    return [
        f"why not: it ties with {trace.strategy}, and ties go to the first of "
        f"{', '.join(STRATEGIES)}"
    ]


def _recommendation(
    answers: Mapping[str, AnswerValue],
    trace: Trace,
    rules: RuleSet,
    given: Iterable[str] | None,
) -> Recommendation:
    def rank_key(strategy: Strategy) -> tuple[bool, float, int]:
        return (strategy in trace.excluded, -trace.scores[strategy], STRATEGIES.index(strategy))

    reasons = _reasons(trace)
    ranking = [
        RankedOption(
            strategy=s,
            score=trace.scores[s],
            reasons=reasons[s] + _why_not(s, trace),
        )
        for s in sorted(STRATEGIES, key=rank_key)
    ]
    chosen = None if given is None else set(given)
    practices: dict[str, Practice] = {}
    warnings: dict[str, Warning] = {}
    for item in trace.fired:
        for practice in item.rule.practices:
            practices.setdefault(
                practice.id, Practice(id=practice.id, why=practice.why, source=item.rule.source)
            )
        for warning in item.rule.warnings:
            warnings.setdefault(
                warning.id, Warning(id=warning.id, level=warning.level, message=warning.message)
            )
    return Recommendation(
        strategy=trace.strategy,
        patterns=[s for s in STRATEGIES if s in trace.patterns],
        broker=trace.broker,
        api=trace.api,
        ranking=ranking,
        practices=list(practices.values()),
        warnings=list(warnings.values()),
        rules_fired=[item.id for item in trace.fired],
        answers=dict(answers),
        answers_given=[key for key in answers if chosen is None or key in chosen],
        runner_up=explain.runner_up(trace),
        broker_runner_up=explain.broker_runner_up(trace),
        factors=explain.factors(trace),
        flips=explain.flips(answers, trace, rules, _outcome(rules)),
        rules=explain.cited(trace),
    )
