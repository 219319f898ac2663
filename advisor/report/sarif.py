"""SARIF 2.1.0 for ``advisor check``: the format GitHub code scanning uploads.

One run; ``tool.driver.rules`` from the check registry (metadata as data); one result
per finding with a relative ``artifactLocation.uri`` under ``%SRCROOT%`` and a
``region.startLine`` when the line is known.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from advisor import __version__
from advisor.checks.model import Check, Finding
from advisor.types import Level

SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
SARIF_VERSION = "2.1.0"
_LEVELS: dict[Level, str] = {"error": "error", "warn": "warning"}


def _rule(check: Check) -> dict[str, Any]:
    return {
        "id": check.id,
        "name": "".join(part.capitalize() for part in check.id.split("-")),
        "shortDescription": {"text": check.title},
        "fullDescription": {"text": f"{check.anti_pattern} {check.best_practice}"},
        "help": {"text": check.help_text, "markdown": check.help_text},
        "defaultConfiguration": {"level": _LEVELS[check.level]},
        "properties": {"tags": ["architecture", "maintainability"], "source": check.source},
    }


def _result(finding: Finding, index: dict[str, int]) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": finding.path, "uriBaseId": "%SRCROOT%"}}
    if finding.line is not None:
        physical["region"] = {"startLine": finding.line}
    result: dict[str, Any] = {
        "ruleId": finding.id,
        "level": _LEVELS[finding.level],
        "message": {"text": finding.message},
        "locations": [{"physicalLocation": physical}],
    }
    if finding.id in index:
        result["ruleIndex"] = index[finding.id]
    return result


def to_sarif(findings: Sequence[Finding], checks: Sequence[Check]) -> dict[str, Any]:
    """A SARIF 2.1.0 log of ``findings``, describing ``checks`` as the driver's rules."""
    index = {check.id: position for position, check in enumerate(checks)}
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "advisor",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": [_rule(check) for check in checks],
                    }
                },
                "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "checked project"}}},
                "results": [_result(finding, index) for finding in findings],
            }
        ],
    }


__all__ = ["SARIF_SCHEMA", "SARIF_VERSION", "to_sarif"]
