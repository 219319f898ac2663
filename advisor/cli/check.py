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


def _list_checks(value: bool) -> None:
    if not value:
        return
    from advisor.checks import CHECKS, DISCOVERY

    typer.echo(f"{DISCOVERY}\n")
    for item in CHECKS:
        typer.echo(f"{item.id} ({item.level}): {item.title}\n  {item.convention}")
    raise typer.Exit()


def _complete_checks(incomplete: str) -> list[str]:
    from advisor.checks import CHECKS

    return [item.id for item in CHECKS if item.id.startswith(incomplete)]


def register(app: typer.Typer) -> None:
    """Add the `check` command to the app."""

    @app.command("check")
    def _check(
        path: Annotated[
            Path,
            typer.Argument(metavar="PATH", help="The project folder to check.", show_default=False),
        ],
        output: Annotated[
            CheckFormat, typer.Option("--format", help="Output format.")
        ] = CheckFormat.text,
        compatibility: Annotated[
            CompatibilityMode | None,
            typer.Option(
                "--compatibility",
                metavar="<mode>",
                help=f"Event schema compatibility mode: {', '.join(CompatibilityMode)} "
                "(default: `compatibility` in .advisor-answers.yml, else FULL).",
                show_default=False,
            ),
        ] = None,
        select: Annotated[
            list[str] | None,
            typer.Option(
                "--select",
                metavar="<ids>",
                help="Run only these check ids (repeat or comma-separate).",
                autocompletion=_complete_checks,
            ),
        ] = None,
        ignore: Annotated[
            list[str] | None,
            typer.Option(
                "--ignore",
                metavar="<ids>",
                help="Skip these check ids (repeat or comma-separate).",
                autocompletion=_complete_checks,
            ),
        ] = None,
        list_checks: Annotated[
            bool,
            typer.Option(
                "--list",
                is_eager=True,  # before PATH is required: `advisor check --list` needs none
                callback=_list_checks,
                help="List the checks and their conventions, then exit.",
            ),
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
        from advisor.checks import CHECKS, check
        from advisor.report.sarif import to_sarif

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
