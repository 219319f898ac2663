"""Running the checks over a project: resolve options, select checks, collect findings."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from advisor.checks import _files, _project, _scan, _services
from advisor.checks.model import (
    COMPATIBILITIES,
    Check,
    CheckOptions,
    Compatibility,
    Report,
    ServiceInfo,
)
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


def _other_inputs(root: Path) -> bool:
    """Whether a project without services still holds something to check: event schemas
    (``contracts/events/``) or SDKs (``libs/*-sdk``)."""
    events = root / "contracts" / "events"
    libs = root / "libs"
    return (events.is_dir() and any(events.iterdir())) or (
        libs.is_dir() and any(d.name.endswith(("-sdk", "_sdk")) for d in libs.iterdir())
    )


def check(
    project: Path,
    *,
    compatibility: str | None = None,
    select: Iterable[str] = (),
    ignore: Iterable[str] = (),
) -> Report:
    """Run the selected checks over ``project`` and return every finding, sorted.

    Raises :class:`~advisor.errors.CheckError` when ``project`` is not a directory, holds
    nothing to check (no service, event schema or SDK: never a vacuous pass) or an option
    is invalid. Never imports
    or executes the project's code.
    """
    if not project.exists():
        raise CheckError(f"PATH {project}: does not exist")
    if not project.is_dir():
        raise CheckError(f"PATH {project}: not a directory")
    root = project.resolve()
    checks = select_checks(select, ignore)
    options = CheckOptions(compatibility=resolve_compatibility(root, compatibility))
    files = _files.walk(root)
    discovery = _services.discover(root, files)
    if not discovery.services and not _other_inputs(root):
        raise CheckError(
            f"nothing to check in {project}: no services found (nor contracts/events/ or "
            "libs/*-sdk); declare services as "
            "[tool.advisor] services in pyproject.toml (see `advisor check --help`)"
        )
    scanned = _scan.Project(root, files, discovery, options)
    visitors = [c.visitor(c, scanned) for c in checks]
    _scan.scan(scanned, visitors)
    findings = sorted(
        (f for v in visitors for f in v.findings),
        key=lambda f: (f.path, f.line or 0, f.id, f.message),
    )
    notes = sorted(
        (n for v in visitors for n in v.notes), key=lambda n: (n.path, n.line or 0, n.message)
    )
    services = [
        ServiceInfo(name=s.name, path=scanned.rel(s.root) or ".", found_by=s.found_by)
        for s in discovery.services
    ]
    return Report(
        findings=findings, checks_run=[c.id for c in checks], services=services, notes=notes
    )
