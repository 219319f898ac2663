"""Shared literal types and aliases: the vocabulary every module speaks."""

from typing import Literal, get_args

Strategy = Literal["api", "event", "replica", "sdk"]
Broker = Literal["kafka", "rabbitmq", "nats", "sns-sqs"]
Level = Literal["error", "warn"]
OutputFormat = Literal["table", "json", "markdown"]
#: Event schema compatibility modes, with the meanings schema registries give them.
Compatibility = Literal[
    "FULL",
    "BACKWARD",
    "FORWARD",
    "FULL_TRANSITIVE",
    "BACKWARD_TRANSITIVE",
    "FORWARD_TRANSITIVE",
]

#: An answer value as it appears in an answers file.
AnswerValue = str | int | bool

STRATEGIES: tuple[Strategy, ...] = get_args(Strategy)
BROKERS: tuple[Broker, ...] = get_args(Broker)
COMPATIBILITIES: tuple[Compatibility, ...] = get_args(Compatibility)

__all__ = [
    "BROKERS",
    "COMPATIBILITIES",
    "STRATEGIES",
    "AnswerValue",
    "Broker",
    "Compatibility",
    "Level",
    "OutputFormat",
    "Strategy",
]
