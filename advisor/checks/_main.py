"""Running the checks over a project: resolve options, select checks, collect findings."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from advisor.checks import _project
from advisor.checks.model import COMPATIBILITIES, Check, CheckOptions, Compatibility, Report
from advisor.checks.registry import BY_ID, CHECKS
from advisor.errors import CheckError


def resolve_compatibility(project: Path, given: str | None) -> Compatibility:
    """The compatibility mode: ``given`` (the flag), else the answers file's, else FULL."""
    source = "--compatibility"
    value: object = given
    if value is None:
        value = _project.answers(project).get("compatibility")
        source = f"{_project.ANSWERS_FILE} key 'compatibility'"
    if value is None:
        return "FULL"
    upper = str(value).upper()
    for mode in COMPATIBILITIES:
        if mode == upper:
            return mode
    raise CheckError(
        f"{source}: unknown mode {value!r}; choose one of {', '.join(COMPATIBILITIES)}"
    )


def select_checks(select: Iterable[str] = (), ignore: Iterable[str] = ()) -> list[Check]:
    """The checks to run: all, or only ``select``, minus ``ignore``; unknown ids are errors."""
    chosen, dropped = _ids(select), _ids(ignore)
    unknown = sorted((chosen | dropped) - BY_ID.keys())
    if unknown:
        raise CheckError(
            f"--select/--ignore: unknown check id {', '.join(unknown)}; see `advisor check --list`"
        )
    return [c for c in CHECKS if (not chosen or c.id in chosen) and c.id not in dropped]


def _ids(values: Iterable[str]) -> set[str]:
    return {part.strip() for value in values for part in value.split(",") if part.strip()}


def check(
    project: Path,
    *,
    compatibility: str | None = None,
    select: Iterable[str] = (),
    ignore: Iterable[str] = (),
) -> Report:
    """Run the selected checks over ``project`` and return every finding, sorted.

    Raises :class:`~advisor.errors.CheckError` when ``project`` is not a directory or an
    option is invalid. Never imports or executes the project's code.
    """
    if not project.exists():
        raise CheckError(f"PATH {project}: does not exist")
    if not project.is_dir():
        raise CheckError(f"PATH {project}: not a directory")
    root = project.resolve()
    checks = select_checks(select, ignore)
    options = CheckOptions(compatibility=resolve_compatibility(root, compatibility))
    findings = [finding for c in checks for finding in c.run(root, options)]
    findings.sort(key=lambda f: (f.path, f.line or 0, f.id, f.message))
    return Report(findings=findings, checks_run=[c.id for c in checks])
