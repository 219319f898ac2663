"""Prove a rule set well-formed, complete against the decision table, and free of contradictions.

A contradiction includes rules leaving the recommendation without a strategy, or with
events but no broker to carry them.

Contradictions are searched for, not assumed away: the answer space is enumerated over
the facts the rules involved read, at the boundary values their conditions compare
with, so every distinct behaviour of those rules is visited.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from pathlib import Path

from advisor.engine import conditions
from advisor.engine.evaluate import Trace, evaluate
from advisor.engine.loader import load_rules
from advisor.engine.model import LoadedRule, RuleSet
from advisor.questions.model import questions, validate_answers
from advisor.types import STRATEGIES, AnswerValue

Answers = dict[str, AnswerValue]


def validate_rules(directory: Path | None = None) -> list[str]:
    """Every problem of the rule set in ``directory`` (default: the shipped rules); [] if none.

    Malformed files raise :class:`advisor.errors.RulesError` from the loader.
    """
    rules = load_rules(directory)
    witnesses = _pattern_witnesses(rules)
    return [
        *uncovered_rows(rules),
        *unmet_rows(rules),
        *contradictions(rules, witnesses),
        *brokerless_events(rules, witnesses),
    ]


def uncovered_rows(rules: RuleSet) -> Iterator[str]:
    """Decision-table rows no rule encodes in favour of the row's best option."""
    for row in rules.table:
        encoders = [item for item in rules.rules if item.rule.row == row.id]
        if not any(_favours(item, row.best_option) for item in encoders):
            yield (
                f"decision-table row '{row.id}' ({row.use_case} -> {row.best_option}) "
                "is covered by no rule that favours it"
            )


def unmet_rows(rules: RuleSet) -> Iterator[str]:
    """Decision-table rows whose scenario, evaluated with every rule, gives another strategy.

    Tags alone prove little: a row's rule may favour the row's option and still be
    outweighed by the other rules; evaluating the row's scenario proves the row holds.
    """
    for row in rules.table:
        got = evaluate(validate_answers(row.scenario), rules).strategy
        if got != row.best_option:
            yield (
                f"decision-table row '{row.id}' ({row.use_case} -> {row.best_option}): "
                f"its scenario {_show(row.scenario, {})} gives {got}"
            )


def _favours(item: LoadedRule, strategy: str) -> bool:
    scores = item.rule.scores
    return (
        bool(scores) and max(scores, key=lambda s: scores[s]) == strategy and scores[strategy] > 0
    )


def contradictions(rules: RuleSet, witnesses: list[Answers] | None = None) -> Iterator[str]:
    """Answer sets on which the rules contradict each other, one message per kind and pair.

    ``witnesses`` are :func:`_pattern_witnesses` of ``rules``, if already computed.
    """
    reported: set[tuple[str, ...]] = set()
    excluders = [item for item in rules.rules if item.rule.exclude]
    for answers in _space(excluders):
        trace = evaluate(answers, rules)
        if set(trace.excluded) >= set(STRATEGIES):
            key = ("all", *sorted({r for ids in trace.excluded.values() for r in ids}))
            if key not in reported:
                reported.add(key)
                yield f"rules {', '.join(key[1:])} exclude every strategy for {_show(answers)}"
    witnesses = _pattern_witnesses(rules) if witnesses is None else witnesses
    for first, second in itertools.combinations(rules.rules, 2):
        clash = _static_clash(first, second)
        if clash is None:
            continue
        for answers in _space((first, second), witnesses):
            trace = evaluate(answers, rules)
            fired = {item.id for item in trace.fired}
            if {first.id, second.id} <= fired and _clashes_in(trace, first, second):
                yield (
                    f"rules '{first.id}' and '{second.id}' contradict ({clash}) "
                    f"for {_show(answers)}"
                )
                break


def brokerless_events(rules: RuleSet, witnesses: list[Answers] | None = None) -> Iterator[str]:
    """Answer sets on which events flow but the rules rule out every broker.

    The recommendation's ``broker`` would be null although its patterns contain
    ``event``, which the JSON contract forbids and ``advisor new`` cannot render. The
    facts the broker-excluding rules read are varied over one answer set per reachable
    set of patterns (``witnesses``), as for contradictions.
    """
    excluders = [item for item in rules.rules if item.rule.broker_exclude]
    bases = _pattern_witnesses(rules) if witnesses is None else witnesses
    reported: set[tuple[str, ...]] = set()
    for answers in _space(excluders, bases):
        trace = evaluate(answers, rules)
        if "event" not in trace.patterns or trace.broker is not None:
            continue
        ids = tuple(sorted(item.id for item in trace.fired if item.rule.broker_exclude))
        if ids not in reported:
            reported.add(ids)
            yield (
                f"rules {', '.join(ids)} exclude every broker while events flow "
                f"for {_show(answers)}"
            )


def _static_clash(a: LoadedRule, b: LoadedRule) -> str | None:
    """What two rules would contradict on if they fired together, if anything."""
    levels_a = {w.id: w.level for w in a.rule.warnings}
    for warning in b.rule.warnings:
        if warning.id in levels_a and levels_a[warning.id] != warning.level:
            return f"warning '{warning.id}' is both {levels_a[warning.id]} and {warning.level}"
    why_a = {p.id: p.why for p in a.rule.practices}
    for practice in b.rule.practices:
        if practice.id in why_a and why_a[practice.id] != practice.why:
            return f"practice '{practice.id}' is explained two ways"
    for x, y in ((a, b), (b, a)):
        both = set(x.rule.exclude) & set(y.rule.add_patterns)
        if both:
            return f"'{x.id}' excludes {sorted(both)} which '{y.id}' adds"
    return None


def _clashes_in(trace: Trace, a: LoadedRule, b: LoadedRule) -> bool:
    """Whether the clash found statically really happens in this evaluation."""
    for x, y in ((a, b), (b, a)):
        added = set(y.rule.add_patterns) & set(x.rule.exclude)
        if added and not added <= trace.patterns:
            return False
    return True


def _pattern_witnesses(rules: RuleSet) -> list[Answers]:
    """One answer set per reachable set of patterns, so second-stage rules can fire."""
    deciders = [item for item in rules.rules if item.rule.scores or item.rule.exclude]
    found: dict[frozenset[str], Answers] = {}
    for answers in _space(deciders):
        found.setdefault(frozenset(evaluate(answers, rules).patterns), answers)
    return [found[key] for key in sorted(found, key=sorted)]


def _space(
    rules: Iterable[LoadedRule], bases: Iterable[Answers] | None = None
) -> Iterator[Answers]:
    """Answer sets varying only the facts ``rules`` read, one per way those rules can hold.

    Two answer sets on which each of ``rules`` holds alike behave alike for them, so
    one of each suffices. The facts fall into groups no rule reads across; each group's
    values (one per class its comparisons tell apart) are enumerated alone, kept once
    per distinct set of its rules holding, and the groups are then combined. This keeps
    the search exact and small as questions are added. The other answers come from each
    of ``bases`` in turn (default: the defaults).
    """
    readers = list(rules)
    groups = [_group_settings(keys, readers) for keys in _fact_groups(readers)]
    for base in bases or [_defaults()]:
        for combo in itertools.product(*groups):
            answers = dict(base)
            for setting in combo:
                answers.update(setting)
            yield answers


def _fact_groups(rules: list[LoadedRule]) -> list[list[str]]:
    """The facts ``rules`` read, grouped so that no rule reads facts of two groups."""
    groups: list[set[str]] = []
    for item in rules:
        facts = conditions.facts_used(item.condition)
        joined = [g for g in groups if g & facts]
        merged = set(facts).union(*joined)
        groups = [g for g in groups if not g & facts] + ([merged] if merged else [])
    return [sorted(g) for g in sorted(groups, key=sorted)]


def _group_settings(keys: list[str], rules: list[LoadedRule]) -> list[Answers]:
    """One setting of ``keys`` per distinct set of the rules reading them that hold."""
    mine = [item for item in rules if conditions.facts_used(item.condition) & set(keys)]
    values = [_values(key, mine) for key in keys]
    found: dict[tuple[bool, ...], Answers] = {}
    for combo in itertools.product(*values):
        setting = dict(zip(keys, combo, strict=True))
        found.setdefault(tuple(item.condition.holds(setting) for item in mine), setting)
    return list(found.values())


def _values(key: str, rules: Iterable[LoadedRule] = ()) -> list[AnswerValue]:
    """One value of ``key`` per class the comparisons of ``rules`` tell apart, default first."""
    question = next(q for q in questions() if q.key == key)
    compares = [
        c for item in rules for c in conditions.comparisons(item.condition) if c.fact == key
    ]
    candidates: list[AnswerValue]
    if question.type == "bool":
        candidates = [False, True]
    elif question.type == "choice":
        candidates = list(question.choices)
    else:
        low = question.min or 0
        points = {low}
        for compare in compares:
            constants = compare.value if isinstance(compare.value, tuple) else (compare.value,)
            points.update(
                v for n in constants for v in (n, n + 1) if isinstance(n, int) and v >= low
            )
        candidates = sorted(points)
    if question.default in candidates:
        candidates.remove(question.default)
        candidates.insert(0, question.default)
    classes: dict[tuple[bool, ...], AnswerValue] = {}
    for value in candidates:
        classes.setdefault(tuple(c.holds({key: value}) for c in compares), value)
    return list(classes.values())


def _defaults() -> Answers:
    values: Answers = {}
    for q in questions():
        values[q.key] = q.default if q.default is not None else _values(q.key, set())[0]
    return values


def _show(answers: Answers, defaults: Answers | None = None) -> str:
    """The answers that differ from ``defaults`` (default: the catalogue's), in key order."""
    defaults = _defaults() if defaults is None else defaults
    changed = {k: v for k, v in answers.items() if v != defaults.get(k)}
    return "{" + ", ".join(f"{k}: {v}" for k, v in sorted(changed.items())) + "}"
