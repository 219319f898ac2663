"""The registry of checks: every fitness function, in the order they run and are listed."""

from __future__ import annotations

from advisor.checks import (
    cross_service_import,
    missing_timeout,
    non_idempotent_consumer,
    replica_write,
    schema_breaking_change,
    sdk_business_logic,
    shared_db,
)
from advisor.checks.model import Check

CHECKS: tuple[Check, ...] = (
    shared_db.CHECK,
    schema_breaking_change.CHECK,
    cross_service_import.CHECK,
    replica_write.CHECK,
    missing_timeout.CHECK,
    non_idempotent_consumer.CHECK,
    sdk_business_logic.CHECK,
)
BY_ID: dict[str, Check] = {check.id: check for check in CHECKS}

__all__ = ["BY_ID", "CHECKS"]
