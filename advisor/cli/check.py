"""`advisor check PATH`: fitness functions over a project, as text, JSON or SARIF."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer


class CheckFormat(StrEnum):
    """Output formats of `advisor check`."""

    text = "text"
    json = "json"
    sarif = "sarif"


class CompatibilityMode(StrEnum):
    """Schema compatibility modes, as schema registries name them."""

    FULL = "FULL"
    BACKWARD = "BACKWARD"
    FORWARD = "FORWARD"
    FULL_TRANSITIVE = "FULL_TRANSITIVE"
    BACKWARD_TRANSITIVE = "BACKWARD_TRANSITIVE"
    FORWARD_TRANSITIVE = "FORWARD_TRANSITIVE"


def register(app: typer.Typer) -> None:
    """Add the `check` command to the app."""

    @app.command("check")
    def _check(
        path: Annotated[
            Path | None, typer.Argument(help="The project folder to check.", show_default=False)
        ] = None,
        output: Annotated[
            CheckFormat, typer.Option("--format", help="Output format.")
        ] = CheckFormat.text,
        compatibility: Annotated[
            CompatibilityMode | None,
            typer.Option(
                "--compatibility",
                help="Event schema compatibility mode "
                "[default: .advisor-answers.yml `compatibility`, else FULL].",
                show_default=False,
            ),
        ] = None,
        select: Annotated[
            list[str] | None,
            typer.Option("--select", help="Run only these check ids (repeat or comma-separate)."),
        ] = None,
        ignore: Annotated[
            list[str] | None,
            typer.Option("--ignore", help="Skip these check ids (repeat or comma-separate)."),
        ] = None,
        list_checks: Annotated[
            bool, typer.Option("--list", help="List the checks and their conventions, then exit.")
        ] = False,
        verbose: Annotated[
            bool,
            typer.Option("--verbose", "-v", help="Also show what could not be resolved (notes)."),
        ] = False,
    ) -> None:
        """Check a project against the data-sharing best practices; exit 1 on error findings.

        Services are found from pyproject.toml \\[tool.advisor] services,
        compose builds, folders with a Dockerfile, pyproject.toml or
        requirements.txt, or services/<name>/ (--list says how); finding
        nothing to check is exit 2.
        """
        from advisor.checks import CHECKS, DISCOVERY, check
        from advisor.errors import CheckError
        from advisor.report.sarif import to_sarif

        if list_checks:
            typer.echo(f"{DISCOVERY}\n")
            for item in CHECKS:
                typer.echo(f"{item.id} ({item.level}): {item.title}\n  {item.convention}")
            return
        if path is None:
            raise CheckError("missing PATH: the project folder to check")
        report = check(
            path,
            compatibility=compatibility.value if compatibility else None,
            select=select or (),
            ignore=ignore or (),
        )
        if output is CheckFormat.json:
            typer.echo(json.dumps(report.contract(verbose=verbose), indent=2))
        elif output is CheckFormat.sarif:
            checks = [c for c in CHECKS if c.id in report.checks_run]
            typer.echo(json.dumps(to_sarif(report.findings, checks), indent=2))
        else:
            found = ", ".join(f"{s.name} ({s.path}, by {s.found_by})" for s in report.services)
            typer.echo(f"services: {found or 'none found'}")
            for finding in report.findings:
                where = f"{finding.path}:{finding.line}" if finding.line else finding.path
                typer.echo(f"{where}: {finding.level} {finding.id}: {finding.message}")
            for note in report.notes if verbose else []:
                where = f"{note.path}:{note.line}" if note.line else note.path
                typer.echo(f"{where}: note {note.id}: {note.message}")
            errors = sum(f.level == "error" for f in report.findings)
            warnings = len(report.findings) - errors
            verdict = "passed" if report.passed else "failed"
            typer.echo(
                f"{verdict}: {errors} error(s), {warnings} warning(s) "
                f"from {len(report.checks_run)} check(s)"
            )
        if not report.passed:
            raise typer.Exit(1)
