"""The recommendation: what the engine produces and the printers and renderer consume.

Its JSON form is the public contract of ``advisor recommend --format json``
(``schema_version: 1``; docs/architecture.md, "Contracts").
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from advisor.types import AnswerValue, Api, Broker, Level, Strategy

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


class Factor(_Frozen):
    """A rule that decided the strategy or the broker, and the answers it read."""

    decides: Literal["strategy", "broker"]
    rule: str
    title: str
    explain: str
    answers: list[str]


class Flip(_Frozen):
    """The nearest change of one answer that changes the strategy or the broker.

    ``bound`` says how ``to`` reads: ``eq`` the answer becomes ``to``; ``lte``/``gte`` the
    number is at most/at least ``to``, which is where the boundary lies.
    """

    answer: str
    now: AnswerValue
    to: AnswerValue
    bound: Literal["eq", "lte", "gte"]
    strategy: Strategy
    broker: Broker | None


class RuleRef(_Frozen):
    """A rule that fired, with its source and the public URLs it cites."""

    id: str
    title: str
    source: str
    urls: list[str]


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
    # Added in the same schema_version (additive): how the decision was reached.
    answers_given: list[str] = []
    runner_up: Strategy | None = None
    broker_runner_up: Broker | None = None
    factors: list[Factor] = []
    flips: list[Flip] = []
    rules: list[RuleRef] = []
    #: How the api pattern is served (http or grpc); None when api is not recommended.
    api: Api | None = None

    def has_errors(self) -> bool:
        """Whether an error-level warning fired (``--strict`` exits 1 then)."""
        return any(w.level == "error" for w in self.warnings)

    def to_json(self) -> str:
        """The contract's JSON text: stable key order, two-space indent, newline-terminated."""
        return self.model_dump_json(indent=2) + "\n"
