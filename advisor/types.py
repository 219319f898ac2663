"""Shared literal types and aliases: the vocabulary every module speaks."""

from typing import Literal, get_args

Strategy = Literal["api", "event", "replica", "sdk"]
Broker = Literal["kafka", "rabbitmq", "nats", "sns-sqs", "rabbitmq-streams"]
#: How the api pattern is served: the owner's HTTP API, or gRPC beside it.
Api = Literal["http", "grpc"]
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
#: Brokers that are a feature of another one, so run wherever that one is: RabbitMQ's
#: streams need no other server than RabbitMQ.
RUNS_ON: dict[Broker, Broker] = {"rabbitmq-streams": "rabbitmq"}
APIS: tuple[Api, ...] = get_args(Api)
COMPATIBILITIES: tuple[Compatibility, ...] = get_args(Compatibility)

__all__ = [
    "APIS",
    "BROKERS",
    "COMPATIBILITIES",
    "RUNS_ON",
    "STRATEGIES",
    "AnswerValue",
    "Api",
    "Broker",
    "Compatibility",
    "Level",
    "OutputFormat",
    "Strategy",
]
