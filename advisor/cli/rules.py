"""`advisor rules list|show|validate`: the rule catalogue and its consistency proof."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Literal

import typer

app = typer.Typer(help="The rule catalogue.", no_args_is_help=True, rich_markup_mode=None)

TextOrJson = Literal["text", "json"]


@app.command("list")
def list_rules(
    output: Annotated[TextOrJson, typer.Option("--format", help="text or json.")] = "text",
) -> None:
    """List every rule: id, title and the source it traces to."""
    from advisor.engine.loader import load_rules

    rules = load_rules().rules
    if output == "json":
        rows = [{"id": r.id, "title": r.rule.title, "source": r.rule.source} for r in rules]
        typer.echo(json.dumps(rows, indent=2))
        return
    width = max(len(r.id) for r in rules)
    for item in rules:
        typer.echo(f"{item.id:<{width}}  {item.rule.title}  [{item.rule.source}]")


def _complete_ids(incomplete: str) -> list[str]:
    """Shell completion of `rules show`: the ids of the shipped rules."""
    from advisor.engine.loader import load_rules

    return [r.id for r in load_rules().rules if r.id.startswith(incomplete)]


@app.command("show")
def show(
    rule_id: Annotated[
        str,
        typer.Argument(
            metavar="ID",
            help="A rule id (see `advisor rules list`).",
            autocompletion=_complete_ids,
        ),
    ],
) -> None:
    """Show one rule in full, as YAML."""
    import yaml

    from advisor.engine.loader import load_rules
    from advisor.errors import AdvisorError

    item = load_rules().get(rule_id)
    if item is None:
        raise AdvisorError(f"ID {rule_id!r}: no such rule (see `advisor rules list`)")
    data = {"file": item.file, **item.rule.model_dump(mode="json", exclude_defaults=True)}
    typer.echo(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), nl=False)


@app.command("validate")
def validate(
    directory: Annotated[
        Path | None,
        typer.Argument(metavar="DIR", help="A rules folder (default: the shipped rules)."),
    ] = None,
) -> None:
    """Prove the rules complete and consistent.

    Each rule must be well-formed, each decision-table row covered, and no two rules
    may contradict each other on any answers.
    """
    from advisor.engine.loader import load_rules
    from advisor.engine.validate import validate_rules

    problems = validate_rules(directory)
    if problems:
        for problem in problems:
            typer.echo(f"invalid: {problem}", err=True)
        raise typer.Exit(1)
    rules = load_rules(directory)
    typer.echo(
        f"ok: {len(rules.rules)} rules, {len(rules.table)} decision rows covered, no contradictions"
    )
