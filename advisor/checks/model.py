"""The data every check speaks: findings, notes, options, and the metadata a check carries.

A check is a :class:`Visitor` (what it does with each file the scanner hands it, and
what it concludes at the end) plus a :class:`Check` record describing it (id, level,
anti-pattern, best practice, source), so the registry, ``--list`` and the SARIF rules
are all generated from data.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from advisor.types import COMPATIBILITIES, Compatibility, Level

if TYPE_CHECKING:
    from advisor.checks._module import Module
    from advisor.checks._scan import Project
    from advisor.checks._services import Service


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


class Note(BaseModel):
    """Something a check could not decide (a value it cannot resolve): shown with --verbose."""

    model_config = ConfigDict(frozen=True)

    id: str
    path: str
    message: str
    line: int | None = Field(default=None, ge=1)

    def contract(self) -> dict[str, object]:
        return {"id": self.id, "path": self.path, "line": self.line, "message": self.message}


class ServiceInfo(BaseModel):
    """A service the check found: its name, folder and how it was found."""

    model_config = ConfigDict(frozen=True)

    name: str
    path: str
    found_by: str


class CheckOptions(BaseModel):
    """Settings shared by all checks."""

    model_config = ConfigDict(frozen=True)

    compatibility: Compatibility = "FULL"


class Report(BaseModel):
    """The outcome of checking one project."""

    findings: list[Finding]
    checks_run: list[str]
    services: list[ServiceInfo] = Field(default_factory=list)
    notes: list[Note] = Field(default_factory=list)

    @property
    def passed(self) -> bool:
        """True when no finding is at error level."""
        return not any(finding.level == "error" for finding in self.findings)

    def contract(self, *, verbose: bool = False) -> dict[str, object]:
        """The JSON contract: ``{"findings": [...], "passed": bool, "services": [...]}``,
        and ``"notes"`` when ``verbose``."""
        data: dict[str, object] = {
            "findings": [f.contract() for f in self.findings],
            "passed": self.passed,
            "services": [s.model_dump() for s in self.services],
        }
        if verbose:
            data["notes"] = [n.contract() for n in self.notes]
        return data


class Visitor:
    """What one check does during the shared scan of a project.

    The scanner walks the project once and parses each Python file once; it hands a
    parsed :class:`~advisor.checks._module.Module` to every visitor whose :meth:`wants`
    accepts the file, then calls :meth:`finish`. A visitor keeps what it needs from a
    module (names, lines), never the module itself, so memory stays flat.
    """

    def __init__(self, check: Check, project: Project) -> None:
        self.check = check
        self.project = project
        self.findings: list[Finding] = []
        self.notes: list[Note] = []

    def wants(self, path: Path, service: Service | None, is_test: bool) -> bool:
        """Whether this check reads the Python file ``path`` (by default it reads none)."""
        del path, service, is_test
        return False

    def visit(self, module: Module) -> None:
        """Read one parsed module."""

    def finish(self) -> None:
        """Conclude after every module was visited (and read any non-Python file)."""

    def report(
        self, path: str, message: str, *, line: int | None = None, level: Level | None = None
    ) -> None:
        self.findings.append(self.check.finding(path, message, line=line, level=level))

    def note(self, path: str, message: str, *, line: int | None = None) -> None:
        self.notes.append(Note(id=self.check.id, path=path, message=message, line=line))


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
    #: The section of docs/data-sharing-guide.md (or public reference) the practice comes from.
    source: str
    visitor: type[Visitor]

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
    "Note",
    "Report",
    "ServiceInfo",
    "Visitor",
]
