"""What a rule is: the models ``rules/*.yaml`` are validated against.

A rule reads the answers (``when``), and when it holds moves the strategies' scores,
rules strategies out, adds patterns, weighs brokers, chooses how the api pattern is
served, and adds practices and warnings.
Rules with ``applies_to`` run in a second stage, once the strategy is chosen, and fire
only when one of those patterns is part of the recommendation.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from advisor.engine.conditions import Condition
from advisor.types import AnswerValue, Api, Broker, Level, Strategy


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PracticeRef(_Data):
    """A best practice the rule attaches, and why it matters here."""

    id: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    why: str = Field(min_length=1)


class WarningSpec(_Data):
    """A warning the rule raises."""

    id: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    level: Level
    message: str = Field(min_length=1)


class Rule(_Data):
    """One rule as written in a rules file."""

    id: str = Field(pattern=r"^[a-z][a-z0-9-]*(\.[a-z0-9-]+)+$")
    title: str = Field(min_length=1)
    explain: str = Field(min_length=1, description="The reason shown to the user.")
    source: str = Field(
        min_length=1, description="Public references (URLs) or a section of a guide in docs/."
    )
    when: Any = Field(None, description="Condition over the answers; absent = always.")
    applies_to: tuple[Strategy, ...] = Field(
        (), description="Second stage: fire only when one of these patterns is chosen."
    )
    row: str | None = Field(None, description="The decision-table row this rule encodes.")
    scores: dict[Strategy, float] = {}
    exclude: tuple[Strategy, ...] = ()
    add_patterns: tuple[Strategy, ...] = ()
    broker_scores: dict[Broker, float] = {}
    broker_exclude: tuple[Broker, ...] = ()
    api: Api | None = Field(
        None,
        description="Second stage: serve the api pattern over this transport (default http).",
    )
    practices: tuple[PracticeRef, ...] = ()
    warnings: tuple[WarningSpec, ...] = ()


class RuleFile(_Data):
    """A ``rules/*.yaml`` file."""

    rules: list[Rule] = Field(min_length=1)


class DecisionRow(_Data):
    """A row of the "Choosing a Strategy" table of docs/data-sharing-guide.md."""

    id: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    use_case: str
    best_option: Strategy
    scenario: dict[str, AnswerValue] = Field(
        description="Answers typical of the use case; evaluating them must give best_option."
    )


class DecisionTable(_Data):
    """``rules/decision-table.yaml``."""

    rows: list[DecisionRow] = Field(min_length=1)


@dataclass(frozen=True)
class LoadedRule:
    """A validated rule with its parsed condition and the file it came from."""

    rule: Rule
    condition: Condition
    file: str

    @property
    def id(self) -> str:
        return self.rule.id

    @property
    def second_stage(self) -> bool:
        return bool(self.rule.applies_to)

    @cached_property
    def applies(self) -> frozenset[Strategy]:
        """The patterns a second-stage rule attaches to (cached: evaluation asks often)."""
        return frozenset(self.rule.applies_to)


@dataclass(frozen=True)
class RuleSet:
    """Every rule of a rules folder, in file then document order, and the decision table."""

    rules: tuple[LoadedRule, ...]
    table: tuple[DecisionRow, ...]

    @cached_property
    def stages(self) -> tuple[tuple[LoadedRule, ...], tuple[LoadedRule, ...]]:
        """The first-stage rules and the second-stage ones, each in order."""
        return (
            tuple(item for item in self.rules if not item.second_stage),
            tuple(item for item in self.rules if item.second_stage),
        )

    def get(self, rule_id: str) -> LoadedRule | None:
        """The rule with this id, if any."""
        return next((r for r in self.rules if r.id == rule_id), None)


def rule_file_schema() -> dict[str, Any]:
    """The JSON Schema of a ``rules/*.yaml`` file (committed as ``rules/schema.json``)."""
    schema = RuleFile.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "advisor rules file"
    return schema
