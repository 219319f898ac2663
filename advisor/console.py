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
    """The table format of ``advisor recommend``: the choice, why, the runner-up, flip points."""
    from rich.markup import escape
    from rich.table import Table

    from advisor.report.adr import BROKER_LABELS, LABELS, api_note, flip_text

    console = _console()
    broker = f" over [bold]{BROKER_LABELS[rec.broker]}[/]" if rec.broker else ""
    console.print(
        f"Recommendation: [bold green]{LABELS[rec.strategy]}[/]{broker}{api_note(rec)} "
        f"(patterns: {', '.join(rec.patterns)})"
    )
    why = Table(title="Why", title_justify="left", show_lines=True)
    why.add_column("decides")
    why.add_column("rule")
    why.add_column("because")
    for factor in rec.factors:
        answers = ", ".join(f"{k}={_shown(rec.answers[k])}" for k in factor.answers)
        why.add_row(factor.decides, factor.title, f"{factor.explain}\n[dim]{answers}[/]")
    if rec.factors:
        console.print(why)
    else:
        console.print(f"Why: no rule separates {rec.strategy} from {rec.runner_up}; ties go first.")
    ranking = Table(title="Ranking", show_lines=True, title_justify="left")
    ranking.add_column("option")
    ranking.add_column("score", justify="right")
    ranking.add_column("why / why not")
    for option in rec.ranking:
        name: str = option.strategy
        if option.strategy == rec.strategy:
            name = f"[bold]{name}[/] (chosen)"
        elif option.strategy == rec.runner_up:
            name += " (runner-up)"
        reasons = "\n".join(f"- {escape(reason)}" for reason in option.reasons) or "-"
        ranking.add_row(name, f"{option.score:g}", reasons)
    console.print(ranking)
    if rec.broker_runner_up is not None:
        console.print(f"Runner-up broker: {BROKER_LABELS[rec.broker_runner_up]}")
    if rec.flips:
        flips = Table(title="What would change the decision", title_justify="left")
        flips.add_column("if (one answer changes)")
        for flip in rec.flips:
            flips.add_row(escape(flip_text(flip, rec)))
        console.print(flips)
    if rec.practices:
        practices = Table(title="Practices the project applies", title_justify="left")
        practices.add_column("practice")
        practices.add_column("why")
        for practice in rec.practices:
            practices.add_row(practice.id, practice.why)
        console.print(practices)
    for warning in rec.warnings:
        style = LEVEL_STYLE[warning.level]
        console.print(f"[{style}]{warning.level}[/] {warning.id}: {escape(warning.message)}")


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


@contextmanager
def status(message: str) -> Iterator[None]:
    """A spinner on stderr while work runs, on a terminal only."""
    if not sys.stderr.isatty():
        yield
        return
    with _console(stderr=True).status(message):
        yield
