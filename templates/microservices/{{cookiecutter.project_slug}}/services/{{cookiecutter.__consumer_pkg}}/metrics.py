"""Prometheus metrics of {{ cookiecutter.consumer }} (served on ``/metrics``)."""

from __future__ import annotations

from prometheus_client import Counter{% if cookiecutter.__replica %}, Gauge, Histogram{% endif %}

{% if cookiecutter.__client -%}
OWNER_CALLS = Counter(
    "owner_calls_total",
    "Reads from {{ cookiecutter.owner }} by outcome",
    ["outcome"],
)
{% endif -%}
{% if cookiecutter.__event -%}
EVENTS = Counter("events_total", "Events received, by outcome", ["outcome"])
{% endif -%}
{% if cookiecutter.__replica -%}
REPLICATION_LAG = Histogram(
    "replica_replication_lag_seconds",
    "Time from the owner's change to the replica applying it",
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)
REPLICA_STALENESS = Gauge(
    "replica_staleness_seconds",
    "Age of the newest change in the replica (set when /metrics is read)",
)
{% endif -%}
