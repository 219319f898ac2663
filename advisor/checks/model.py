"""The data every check speaks: findings, options, and the metadata a check carries.

A check is a plain function ``run(project, options) -> list[Finding]`` plus a
:class:`Check` record describing it (id, level, anti-pattern, best practice, source),
so the registry, ``--list`` and the SARIF rules are all generated from data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from advisor.types import COMPATIBILITIES, Compatibility, Level


class Finding(BaseModel):
    """One broken best practice, located in the checked project.

    ``path`` is relative to the checked project with POSIX separators. ``line`` is
    1-based when known; it appears in text and SARIF output, not in the JSON contract.
    """

    model_config = ConfigDict(frozen=True)

    id: str
    level: Level
    path: str
    message: str
    line: int | None = Field(default=None, ge=1)

    def contract(self) -> dict[str, str]:
        """The finding as the JSON contract shows it: id, level, path, message."""
        return {"id": self.id, "level": self.level, "path": self.path, "message": self.message}


class CheckOptions(BaseModel):
    """Settings shared by all checks."""

    model_config = ConfigDict(frozen=True)

    compatibility: Compatibility = "FULL"


class Report(BaseModel):
    """The outcome of checking one project."""

    findings: list[Finding]
    checks_run: list[str]

    @property
    def passed(self) -> bool:
        """True when no finding is at error level."""
        return not any(finding.level == "error" for finding in self.findings)

    def contract(self) -> dict[str, object]:
        """The JSON contract: ``{"findings": [...], "passed": bool}``."""
        return {"findings": [f.contract() for f in self.findings], "passed": self.passed}


RunFunction = Callable[[Path, CheckOptions], list[Finding]]


@dataclass(frozen=True, kw_only=True)
class Check:
    """A fitness function and its metadata (the data the docs and SARIF rules come from)."""

    id: str
    level: Level
    title: str
    anti_pattern: str
    best_practice: str
    #: How the check recognises things (conventions a project must follow), shown as help.
    convention: str
    #: The seed section (or public reference) the practice comes from.
    source: str
    run: RunFunction

    @property
    def help_text(self) -> str:
        """The full help: anti-pattern, best practice, convention and source."""
        return (
            f"Anti-pattern: {self.anti_pattern}\n\n"
            f"Best practice: {self.best_practice}\n\n"
            f"How it is checked: {self.convention}\n\n"
            f"Source: {self.source}"
        )

    def finding(
        self, path: str, message: str, *, line: int | None = None, level: Level | None = None
    ) -> Finding:
        """A finding of this check (at its default level unless ``level`` is given)."""
        return Finding(id=self.id, level=level or self.level, path=path, message=message, line=line)


__all__ = [
    "COMPATIBILITIES",
    "Check",
    "CheckOptions",
    "Compatibility",
    "Finding",
    "Report",
    "RunFunction",
]
