"""A small declarative condition language over facts (answers and derived values).

A condition is YAML data, never evaluated as code::

    freshness: realtime                  # equality shorthand
    reads_per_second: {gte: 1000}        # comparison: eq ne in not_in gt gte lt lte contains
    all: [<condition>, ...]              # every one holds
    any: [<condition>, ...]              # at least one holds
    not: <condition>

A mapping with several keys holds when every key holds. ``true`` (or no condition)
always holds. ``contains`` tests membership in a list-valued fact such as ``patterns``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

Facts = Mapping[str, Any]

_COMPARATORS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda fact, value: bool(fact == value),
    "ne": lambda fact, value: bool(fact != value),
    "in": lambda fact, value: fact in value,
    "not_in": lambda fact, value: fact not in value,
    "gt": lambda fact, value: bool(fact > value),
    "gte": lambda fact, value: bool(fact >= value),
    "lt": lambda fact, value: bool(fact < value),
    "lte": lambda fact, value: bool(fact <= value),
    "contains": lambda fact, value: value in fact,
}
_SYMBOLS = {
    "eq": "=",
    "ne": "!=",
    "in": "in",
    "not_in": "not in",
    "gt": ">",
    "gte": ">=",
    "lt": "<",
    "lte": "<=",
    "contains": "contains",
}
_NUMERIC = frozenset({"gt", "gte", "lt", "lte"})
_LISTS = frozenset({"in", "not_in"})


class ConditionSyntaxError(ValueError):
    """A condition is malformed; ``path`` says where inside it."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path


@dataclass(frozen=True)
class Compare:
    """``fact <op> value``."""

    fact: str
    op: str
    value: Any

    def holds(self, facts: Facts) -> bool:
        return _COMPARATORS[self.op](facts[self.fact], self.value)


@dataclass(frozen=True)
class AllOf:
    """Every part holds (an empty ``AllOf`` always holds)."""

    parts: tuple[Condition, ...]

    def holds(self, facts: Facts) -> bool:
        # A plain loop, not all(): a generator per call costs a third of a wizard decision.
        for part in self.parts:  # noqa: SIM110
            if not part.holds(facts):
                return False
        return True


@dataclass(frozen=True)
class AnyOf:
    """At least one part holds."""

    parts: tuple[Condition, ...]

    def holds(self, facts: Facts) -> bool:
        for part in self.parts:  # noqa: SIM110 (as in AllOf)
            if part.holds(facts):
                return True
        return False


@dataclass(frozen=True)
class Not:
    """The part does not hold."""

    part: Condition

    def holds(self, facts: Facts) -> bool:
        return not self.part.holds(facts)


Condition = Compare | AllOf | AnyOf | Not

ALWAYS: Condition = AllOf(())


def parse(
    raw: object,
    known_facts: Mapping[str, object],
    path: str = "",
    choices: Mapping[str, Sequence[str]] | None = None,
) -> Condition:
    """Parse YAML data into a condition, checking fact names against ``known_facts``.

    ``known_facts`` maps each fact name to an example of its type (used to check that
    comparisons fit the fact); ``choices`` gives the values a choice fact can take, so a
    comparison with any other value (which could never hold) is refused.
    Raises :class:`ConditionSyntaxError` naming the path.
    """
    allowed = choices or {}
    if raw is None or raw is True:
        return ALWAYS
    if not isinstance(raw, Mapping) or not raw:
        raise ConditionSyntaxError(path, "a condition must be a non-empty mapping")
    parts: list[Condition] = []
    for key, value in raw.items():
        where = f"{path}.{key}" if path else str(key)
        if key in ("all", "any"):
            if not isinstance(value, list) or not value:
                raise ConditionSyntaxError(where, f"'{key}' takes a non-empty list")
            subs = tuple(
                parse(item, known_facts, f"{where}[{i}]", allowed) for i, item in enumerate(value)
            )
            parts.append(AllOf(subs) if key == "all" else AnyOf(subs))
        elif key == "not":
            parts.append(Not(parse(value, known_facts, where, allowed)))
        elif key in known_facts:
            fact = str(key)
            parts.extend(
                _parse_comparisons(fact, value, known_facts[key], allowed.get(fact), where)
            )
        else:
            raise ConditionSyntaxError(where, f"unknown answer key '{key}'")
    return parts[0] if len(parts) == 1 else AllOf(tuple(parts))


def _parse_comparisons(
    fact: str, raw: object, example: object, choices: Sequence[str] | None, path: str
) -> Iterator[Compare]:
    if not isinstance(raw, Mapping):
        raw = {"eq": raw}
    if not raw:
        raise ConditionSyntaxError(path, "an empty comparison")
    for op, value in raw.items():
        if op not in _COMPARATORS:
            raise ConditionSyntaxError(path, f"unknown operator '{op}'")
        _check_operand(fact, op, value, example, choices, f"{path}.{op}")
        yield Compare(fact, op, tuple(value) if isinstance(value, list) else value)


def _check_operand(
    fact: str, op: str, value: object, example: object, choices: Sequence[str] | None, path: str
) -> None:
    if op in _LISTS:
        if not isinstance(value, list) or not value:
            raise ConditionSyntaxError(path, f"'{op}' takes a non-empty list")
        for item in value:
            _check_operand(fact, "eq", item, example, choices, path)
        return
    if op == "contains":
        if not isinstance(example, list | tuple):
            raise ConditionSyntaxError(path, f"'contains' needs a list fact, '{fact}' is not")
        return
    if isinstance(example, bool):
        ok = isinstance(value, bool) and op in ("eq", "ne")
    elif isinstance(example, int):
        ok = isinstance(value, int) and not isinstance(value, bool)
    else:
        ok = isinstance(value, str) and op not in _NUMERIC
    if not ok:
        raise ConditionSyntaxError(
            path, f"'{op}' with {value!r} does not fit '{fact}' ({type(example).__name__})"
        )
    if choices is not None and value not in choices:
        raise ConditionSyntaxError(
            path, f"{value!r} is not a choice of '{fact}' ({', '.join(choices)})"
        )


def facts_used(condition: Condition) -> set[str]:
    """The fact names a condition reads."""
    if isinstance(condition, Compare):
        return {condition.fact}
    if isinstance(condition, Not):
        return facts_used(condition.part)
    return set().union(*(facts_used(part) for part in condition.parts))


def comparisons(condition: Condition) -> Iterator[Compare]:
    """Every comparison inside a condition."""
    if isinstance(condition, Compare):
        yield condition
    elif isinstance(condition, Not):
        yield from comparisons(condition.part)
    else:
        for part in condition.parts:
            yield from comparisons(part)


def thresholds(condition: Condition) -> dict[str, set[Any]]:
    """The values each fact is compared with, to pick the answer space's boundary points."""
    found: dict[str, set[Any]] = {}
    if isinstance(condition, Compare):
        values = condition.value if condition.op in _LISTS else (condition.value,)
        found.setdefault(condition.fact, set()).update(values)
    elif isinstance(condition, Not):
        found = thresholds(condition.part)
    else:
        for part in condition.parts:
            for fact, values in thresholds(part).items():
                found.setdefault(fact, set()).update(values)
    return found


def describe(condition: Condition) -> str:
    """The condition as one line of text, in the rules files' vocabulary (``reads >= 100``)."""
    if isinstance(condition, Compare):
        return f"{condition.fact} {_SYMBOLS[condition.op]} {_show(condition.value)}"
    if isinstance(condition, Not):
        return f"not ({describe(condition.part)})"
    if not condition.parts:
        return "always"
    joiner = " and " if isinstance(condition, AllOf) else " or "
    text = joiner.join(describe(part) for part in condition.parts)
    return text if len(condition.parts) == 1 else f"({text})"


def _show(value: object) -> str:
    """A value as the rules files write it: ``true``, ``[a, b]``, ``seconds``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_show(item) for item in value) + "]"
    return str(value)
