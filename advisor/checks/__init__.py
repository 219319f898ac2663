"""Fitness functions: check a project against the best practices of docs/data-sharing-guide.md.

Each check is one module with a :class:`~advisor.checks.model.Visitor` (what it reads
during the one shared scan of the project) and a ``CHECK`` record of its metadata;
:mod:`advisor.checks.registry` lists them all.
"""

from advisor.checks._main import check, resolve_compatibility, select_checks
from advisor.checks._services import DISCOVERY
from advisor.checks.model import (
    COMPATIBILITIES,
    Check,
    CheckOptions,
    Compatibility,
    Finding,
    Report,
)
from advisor.checks.registry import BY_ID, CHECKS

__all__ = [
    "BY_ID",
    "CHECKS",
    "COMPATIBILITIES",
    "DISCOVERY",
    "Check",
    "CheckOptions",
    "Compatibility",
    "Finding",
    "Report",
    "check",
    "resolve_compatibility",
    "select_checks",
]
