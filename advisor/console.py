"""The only module that uses rich: the recommendation as tables, and a status spinner.

Colour follows rich's rules: none when NO_COLOR is set or output is not a terminal.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

    from advisor.recommendation import Recommendation

LEVEL_STYLE = {"error": "bold red", "warn": "yellow"}


def _console(stderr: bool = False) -> Console:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=False)


def print_recommendation(rec: Recommendation) -> None:
    """The table format of ``advisor recommend``."""
    from rich.table import Table

    from advisor.report.adr import LABELS

    console = _console()
    broker = f" over [bold]{rec.broker}[/]" if rec.broker else ""
    console.print(
        f"Recommendation: [bold green]{LABELS[rec.strategy]}[/] "
        f"(patterns: {', '.join(rec.patterns)}{broker})"
    )
    ranking = Table(title="Ranking", show_lines=True, title_justify="left")
    ranking.add_column("option")
    ranking.add_column("score", justify="right")
    ranking.add_column("why / why not")
    for option in rec.ranking:
        name = f"[bold]{option.strategy}[/]" if option.strategy == rec.strategy else option.strategy
        reasons = "\n".join(f"- {reason}" for reason in option.reasons) or "-"
        ranking.add_row(name, f"{option.score:g}", reasons)
    console.print(ranking)
    if rec.practices:
        practices = Table(title="Practices the project applies", title_justify="left")
        practices.add_column("practice")
        practices.add_column("why")
        for practice in rec.practices:
            practices.add_row(practice.id, practice.why)
        console.print(practices)
    for warning in rec.warnings:
        style = LEVEL_STYLE[warning.level]
        console.print(f"[{style}]{warning.level}[/] {warning.id}: {warning.message}")


@contextmanager
def status(message: str) -> Iterator[None]:
    """A spinner on stderr while work runs, on a terminal only."""
    if not sys.stderr.isatty():
        yield
        return
    with _console(stderr=True).status(message):
        yield
