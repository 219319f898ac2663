"""The recommendation: what the engine produces and the printers and renderer consume.

Its JSON form is the public contract of ``advisor recommend --format json``
(``schema_version: 1``; docs/architecture.md, "Contracts").
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from advisor.types import AnswerValue, Broker, Level, Strategy

SCHEMA_VERSION = 1


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RankedOption(_Frozen):
    """A strategy with its total score and the explanations of the rules that moved it."""

    strategy: Strategy
    score: float
    reasons: list[str]


class Practice(_Frozen):
    """A best practice the generated project applies, and why."""

    id: str
    why: str
    source: str


class Warning(_Frozen):
    """Something about the current design the team must act on."""

    id: str
    level: Level
    message: str


class Recommendation(_Frozen):
    """The engine's answer for one set of answers."""

    schema_version: int = SCHEMA_VERSION
    strategy: Strategy
    patterns: list[Strategy]
    broker: Broker | None
    ranking: list[RankedOption]
    practices: list[Practice]
    warnings: list[Warning]
    rules_fired: list[str]
    answers: dict[str, AnswerValue]

    def has_errors(self) -> bool:
        """Whether an error-level warning fired (``--strict`` exits 1 then)."""
        return any(w.level == "error" for w in self.warnings)

    def to_json(self) -> str:
        """The contract's JSON text: stable key order, two-space indent, newline-terminated."""
        return self.model_dump_json(indent=2) + "\n"
