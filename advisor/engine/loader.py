"""Find, parse and validate ``rules/*.yaml`` into a :class:`RuleSet`.

Every problem becomes one :class:`RulesError` line naming the file, the rule and the field.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml
from pydantic import ValidationError

from advisor import resources
from advisor.engine import conditions
from advisor.engine.model import DecisionTable, LoadedRule, Rule, RuleFile, RuleSet
from advisor.errors import AnswersError, RulesError
from advisor.questions.model import example_facts, questions, validate_answers

TABLE_FILE = "decision-table.yaml"


def load_rules(directory: Path | None = None) -> RuleSet:
    """Load and validate every rule file in ``directory`` (default: the shipped rules)."""
    if directory is None:
        return _shipped()
    return _load(Path(directory))


@cache
def _shipped() -> RuleSet:
    return _load(resources.rules_dir())


def _load(directory: Path) -> RuleSet:
    if not directory.is_dir():
        raise RulesError(f"{directory}: not a rules folder")
    files = sorted(p for p in directory.glob("*.yaml") if p.name != TABLE_FILE)
    if not files:
        raise RulesError(f"{directory}: no rule files (*.yaml)")
    loaded: list[LoadedRule] = []
    seen: dict[str, str] = {}
    for path in files:
        for rule in _read_rule_file(path):
            if rule.id in seen:
                raise RulesError(
                    f"{path.name}: rule '{rule.id}': duplicate id (also in {seen[rule.id]})"
                )
            seen[rule.id] = path.name
            _check_stage(path, rule)
            loaded.append(LoadedRule(rule, _condition(path, rule), path.name))
    table = _read_table(directory / TABLE_FILE)
    rows = {row.id for row in table.rows}
    for item in loaded:
        if item.rule.row is not None and item.rule.row not in rows:
            raise RulesError(
                f"{item.file}: rule '{item.id}': row: unknown decision-table row '{item.rule.row}'"
            )
    return RuleSet(tuple(loaded), tuple(table.rows))


def _yaml(path: Path) -> object:
    try:
        return resources.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise RulesError(f"{path.name}: cannot read: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise RulesError(f"{path.name}: malformed YAML{where}") from None


def _read_rule_file(path: Path) -> list[Rule]:
    raw = _yaml(path)
    try:
        return RuleFile.model_validate(raw).rules
    except ValidationError as exc:
        raise RulesError(_describe(path, raw, exc)) from None


def _read_table(path: Path) -> DecisionTable:
    if not path.is_file():
        raise RulesError(f"{path.parent}: {TABLE_FILE} is missing")
    raw = _yaml(path)
    try:
        table = DecisionTable.model_validate(raw)
    except ValidationError as exc:
        raise RulesError(_describe(path, raw, exc)) from None
    _check_scenarios(path, table)
    return table


def _check_scenarios(path: Path, table: DecisionTable) -> None:
    """Each row's scenario must be a valid answer set, or evaluating it proves nothing."""
    for row in table.rows:
        try:
            validate_answers(row.scenario)
        except AnswersError as exc:
            raise RulesError(f"{path.name}: row '{row.id}': scenario: {exc}") from None


def _describe(path: Path, raw: object, exc: ValidationError) -> str:
    """One line: file, the rule (by id when it has one) and the field."""
    error = exc.errors()[0]
    loc = list(error["loc"])
    where = ".".join(str(part) for part in loc) or "top level"
    if len(loc) >= 2 and loc[0] in ("rules", "rows") and isinstance(loc[1], int):
        items = raw.get(loc[0]) if isinstance(raw, dict) else None
        item = items[loc[1]] if isinstance(items, list) and loc[1] < len(items) else None
        name = item.get("id") if isinstance(item, dict) else None
        kind = "rule" if loc[0] == "rules" else "row"
        label = f"{kind} '{name}'" if name else f"{loc[0]}[{loc[1]}]"
        field = ".".join(str(part) for part in loc[2:]) or "entry"
        return f"{path.name}: {label}: {field}: {error['msg'].lower()}"
    return f"{path.name}: {where}: {error['msg'].lower()}"


def _check_stage(path: Path, rule: Rule) -> None:
    """Stage-2 rules may not re-rank the choice that made them fire; stage 1 adds no patterns."""
    if rule.applies_to and (rule.scores or rule.exclude):
        field = "scores" if rule.scores else "exclude"
        raise RulesError(
            f"{path.name}: rule '{rule.id}': {field}: not allowed with applies_to "
            "(a pattern's own rules cannot re-rank the choice that selected it)"
        )
    if rule.add_patterns and not rule.applies_to:
        raise RulesError(
            f"{path.name}: rule '{rule.id}': add_patterns: needs applies_to "
            "(patterns are added to a chosen strategy)"
        )


def _choices() -> dict[str, tuple[str, ...]]:
    """The values each choice question allows, which a condition must stay within."""
    return {q.key: q.choices for q in questions() if q.type == "choice"}


def _condition(path: Path, rule: Rule) -> conditions.Condition:
    try:
        return conditions.parse(rule.when, example_facts(), "when", _choices())
    except conditions.ConditionSyntaxError as exc:
        raise RulesError(f"{path.name}: rule '{rule.id}': {exc}") from None
