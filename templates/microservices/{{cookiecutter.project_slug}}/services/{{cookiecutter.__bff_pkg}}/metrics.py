"""Prometheus metrics of {{ cookiecutter.__bff_service }} (served on ``/metrics``)."""

from __future__ import annotations

from prometheus_client import Counter

# Prefixed: the names stay apart from the consumer's even when both run in one process (tests).
OWNER_CALLS = Counter(
    "bff_owner_calls_total",
    "Reads from {{ cookiecutter.owner }} by outcome",
    ["outcome"],
)
CONSUMER_CALLS = Counter(
    "bff_consumer_calls_total",
    "Reads from {{ cookiecutter.consumer }} by outcome",
    ["outcome"],
)
