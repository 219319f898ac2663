"""Which questions can still change the advice, decided from the rules.

The wizard asks an optional question only when some value of it changes the
recommendation's strategy, patterns, broker, api transport or warnings, for the answers given so far
and *some* answers to the questions not asked yet. That is decided by running the
engine (:func:`advisor.engine.evaluate.evaluate`, which is pure) over the answers
still open, made finite and small in three exact steps:

1. **Values that differ.** A rule reads an answer only through comparisons with the
   constants in its condition, so one value per interval between those constants
   (and each choice, each boolean) behaves like every value: no other needs trying.
2. **Only the rules that can change the outcome.** A rule that only adds practices
   changes none of the four; it is ignored.
3. **Only the answers that can interact.** The open answers fall into groups that no
   rule reads across (the shared-database answers, the broker answers, ...). A
   difference made by the question shows in a part of the outcome its own group
   writes: the strategy, patterns, broker or a warning's id (see :func:`_writes`).
   Only groups writing the same parts can hide or reveal that difference, plus the
   groups that choose the strategy and patterns when the question's rules depend on
   them (stage-2 rules, and the broker, which exists only when events flow). Every
   other group is held at one value, and within a group only answers that change
   which of its rules hold are tried.

Once the required answers are known, as in the wizard, which asks them first, a
decision takes milliseconds; with them open it may take a few hundred.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache

from advisor.engine import conditions
from advisor.engine.evaluate import evaluate
from advisor.engine.loader import load_rules
from advisor.engine.model import LoadedRule, RuleSet
from advisor.questions.model import Question, questions
from advisor.types import STRATEGIES, AnswerValue

#: The parts of the outcome that decide which patterns are chosen.
_CHOICE = frozenset({"strategy", "patterns"})

Outcome = tuple[object, ...]


@dataclass(frozen=True)
class _Group:
    """Open answers that rules read together, and those rules."""

    keys: tuple[str, ...]
    rules: tuple[LoadedRule, ...]

    @property
    def writes(self) -> frozenset[str]:
        return frozenset().union(*(_writes(item) for item in self.rules))


def can_matter(key: str, answered: Mapping[str, AnswerValue], rules: RuleSet | None = None) -> bool:
    """Whether some value of ``key`` can change the outcome, given ``answered``.

    ``answered`` holds valid answers known so far (any value it gives ``key`` is
    ignored); every other answer may still take any value. The outcome is the
    recommendation's strategy, patterns, broker and warnings (id, level and message).
    """
    judge = _shipped() if rules is None else Relevance(rules)
    return judge.can_matter(key, answered)


@cache
def _shipped() -> Relevance:
    return Relevance(load_rules())


class Relevance:
    """The relevance of questions under one rule set, with what it has worked out cached."""

    def __init__(self, rules: RuleSet) -> None:
        self.rules = rules
        #: Only rules that can change the outcome; a practices-only rule cannot.
        self.relevant = tuple(item for item in rules.rules if _writes(item))
        self.classes = {q.key: _Classes(q, self.relevant) for q in questions()}
        self.values = {key: classes.values for key, classes in self.classes.items()}
        #: Outcomes by class of each answer: finite, however many answer sets are asked about.
        self._outcomes: dict[tuple[AnswerValue, ...], Outcome] = {}
        self._settings_memo: dict[tuple[object, ...], list[dict[str, AnswerValue]]] = {}

    def can_matter(self, key: str, answered: Mapping[str, AnswerValue]) -> bool:
        """See :func:`can_matter`."""
        fixed = {k: v for k, v in answered.items() if k != key and k in self.values}
        groups = _groups(self.relevant, [k for k in self.values if k not in fixed])
        home = next((g for g in groups if key in g.keys), None)
        if home is None:
            return False  # no rule that changes the outcome reads it
        context = _context(home, [g for g in groups if g is not home])
        base = {**{k: values[0] for k, values in self.values.items()}, **fixed}
        options = [self._settings(group, fixed) for group in context]
        for home_setting in self._home_settings(home, key, fixed):
            for chosen in itertools.product(*options):
                around = dict(base)
                for setting in (home_setting, *chosen):
                    around.update(setting)
                seen = {self._outcome({**around, key: value}) for value in self.values[key]}
                if len(seen) > 1:
                    return True
        return False

    def _outcome(self, answers: Mapping[str, AnswerValue]) -> Outcome:
        """What a skipped question must not change: strategy, patterns, broker, warnings.

        Warnings are listed as the recommendation lists them: the first rule to raise an
        id gives its level and message. Practices and the ranking's reasons are left out:
        they explain the advice, they are not the advice.
        """
        values = tuple(classes.representative(answers[k]) for k, classes in self.classes.items())
        if values not in self._outcomes:
            trace = evaluate(dict(zip(self.classes, values, strict=True)), self.rules)
            warnings: dict[str, tuple[str, str]] = {}
            for item in trace.fired:
                for warning in item.rule.warnings:
                    warnings.setdefault(warning.id, (warning.level, warning.message))
            patterns = tuple(s for s in STRATEGIES if s in trace.patterns)
            self._outcomes[values] = (
                trace.strategy,
                patterns,
                trace.broker,
                trace.api,
                tuple(warnings.items()),
            )
        return self._outcomes[values]

    def _settings(
        self, group: _Group, fixed: Mapping[str, AnswerValue]
    ) -> list[dict[str, AnswerValue]]:
        """One setting of the group's answers per distinct set of its rules that hold.

        Remembered per group and the known answers its rules read: the wizard asks
        about the same groups again and again.
        """
        read = set().union(*(conditions.facts_used(item.condition) for item in group.rules))
        memo = (
            group.keys,
            tuple(item.id for item in group.rules),
            tuple(sorted((k, fixed[k]) for k in read if k in fixed)),
        )
        found = self._settings_memo.get(memo)
        if found is None:
            seen: set[tuple[bool, ...]] = set()
            found = []
            for setting in self._product(group.keys):
                facts = {**fixed, **setting}
                holding = tuple(item.condition.holds(facts) for item in group.rules)
                if holding not in seen:
                    seen.add(holding)
                    found.append(setting)
            self._settings_memo[memo] = found
        return found

    def _home_settings(
        self, home: _Group, key: str, fixed: Mapping[str, AnswerValue]
    ) -> Iterator[dict[str, AnswerValue]]:
        """Settings of the question's group (but the question) under which its value matters.

        A setting is kept when changing the question changes which of the group's rules
        hold, and only once per distinct way it does so.
        """
        others = tuple(k for k in home.keys if k != key)
        # Only the rules reading the question can hold differently as it changes; the
        # others are worked out once per setting, and only when the question matters.
        readers = [item for item in home.rules if key in conditions.facts_used(item.condition)]
        rest = [item for item in home.rules if key not in conditions.facts_used(item.condition)]
        seen: set[tuple[tuple[tuple[bool, ...], ...], tuple[bool, ...]]] = set()
        for setting in self._product(others):
            facts = {**fixed, **setting}
            per_value = []
            for value in self.values[key]:
                facts[key] = value
                per_value.append(tuple(item.condition.holds(facts) for item in readers))
            if len(set(per_value)) == 1:
                continue
            pattern = (tuple(per_value), tuple(item.condition.holds(facts) for item in rest))
            if pattern not in seen:
                seen.add(pattern)
                yield setting

    def _product(self, keys: Sequence[str]) -> Iterator[dict[str, AnswerValue]]:
        for combo in itertools.product(*(self.values[k] for k in keys)):
            yield dict(zip(keys, combo, strict=True))


def _writes(item: LoadedRule) -> frozenset[str]:
    """The parts of the outcome a rule can change when it fires."""
    rule = item.rule
    parts = {f"warning:{warning.id}" for warning in rule.warnings}
    if rule.scores or rule.exclude:
        parts.add("strategy")
    if rule.add_patterns:
        parts.add("patterns")
    if rule.broker_scores or rule.broker_exclude:
        parts.add("broker")
    if rule.api is not None:
        parts.add("api")
    return frozenset(parts)


def _reads_choice(item: LoadedRule) -> bool:
    """Whether the rule's effect depends on the chosen patterns."""
    return item.second_stage or bool(item.rule.broker_scores or item.rule.broker_exclude)


def _groups(rules: Sequence[LoadedRule], open_keys: Sequence[str]) -> list[_Group]:
    """The open answers, grouped so that no rule reads answers of two groups."""
    owner = {key: key for key in open_keys}

    def root(key: str) -> str:
        while owner[key] != key:
            key = owner[key]
        return key

    for item in rules:
        keys = [k for k in conditions.facts_used(item.condition) if k in owner]
        for other in keys[1:]:
            owner[root(other)] = root(keys[0])
    members: dict[str, list[str]] = {}
    for key in open_keys:
        members.setdefault(root(key), []).append(key)
    groups = []
    for keys in members.values():
        readers = tuple(item for item in rules if set(keys) & conditions.facts_used(item.condition))
        if readers:
            groups.append(_Group(tuple(keys), readers))
    return groups


def _context(home: _Group, others: Sequence[_Group]) -> list[_Group]:
    """The groups that can hide or reveal a difference made inside ``home``.

    Each is cut to the rules that can: those writing a part of the outcome ``home``
    writes, and those choosing the strategy and patterns when any of the rules so far
    depend on that choice; and to the answers those rules read.
    """
    watched = set(home.writes)
    sharing = [item for g in others for item in g.rules if _writes(item) & watched]
    if any(_reads_choice(item) for item in (*home.rules, *sharing)):
        watched |= _CHOICE
    cut = []
    for group in others:
        rules = tuple(item for item in group.rules if _writes(item) & watched)
        read = set().union(*(conditions.facts_used(item.condition) for item in rules))
        if rules:
            cut.append(_Group(tuple(k for k in group.keys if k in read), rules))
    return cut


class _Classes:
    """The values of one answer that the rules cannot tell apart, as classes.

    Rules read an answer only through comparisons with constants, so two values that
    every comparison treats alike behave alike. For a number, a comparison with ``n``
    changes only between ``n - 1`` and ``n`` or ``n`` and ``n + 1``: the minimum and each
    ``n`` and ``n + 1`` meet every class.
    """

    def __init__(self, q: Question, rules: Sequence[LoadedRule]) -> None:
        self.compares = [
            c for item in rules for c in _comparisons(item.condition) if c.fact == q.key
        ]
        candidates: list[AnswerValue]
        if q.type == "bool":
            candidates = [False, True]
        elif q.type == "choice":
            candidates = list(q.choices)
        else:
            low = q.min or 0
            points = {low}
            for compare in self.compares:
                constants = compare.value if isinstance(compare.value, tuple) else (compare.value,)
                points.update(v for n in constants for v in (n, n + 1) if v >= low)
            candidates = sorted(points)
        if q.default in candidates:  # the default represents its class
            candidates.remove(q.default)
            candidates.insert(0, q.default)
        #: Representatives already worked out, by value: the wizard asks about few values.
        self._seen: dict[AnswerValue, AnswerValue] = {}
        self._by_signature: dict[tuple[bool, ...], AnswerValue] = {}
        for value in candidates:
            self._by_signature.setdefault(self._signature(value), value)
        #: One value per class, the default's class first.
        self.values = tuple(self._by_signature.values())

    def representative(self, value: AnswerValue) -> AnswerValue:
        """The value standing for ``value``'s class (``value`` must be a valid answer)."""
        found = self._seen.get(value)
        if found is None:
            found = self._seen[value] = self._by_signature[self._signature(value)]
        return found

    def _signature(self, value: AnswerValue) -> tuple[bool, ...]:
        return tuple(compare.holds({compare.fact: value}) for compare in self.compares)


def _comparisons(condition: conditions.Condition) -> Iterator[conditions.Compare]:
    if isinstance(condition, conditions.Compare):
        yield condition
    elif isinstance(condition, conditions.Not):
        yield from _comparisons(condition.part)
    else:
        for part in condition.parts:
            yield from _comparisons(part)


def should_ask(q: Question, answered: Mapping[str, AnswerValue]) -> bool:
    """Whether the wizard asks ``q`` given the answers so far.

    Required questions are always asked. Another is asked only when, by the rules, some
    value of it can change the recommendation for some answers to the questions still
    open (:func:`can_matter`).
    """
    return q.required or can_matter(q.key, answered)
