"""`advisor update PATH`: decide again from changed answers and carry the project there.

One flag per catalogue question, as `advisor recommend` has; the recorded answers stand
for every question not given. stdout carries the comparison and the changes (or, with
``--dry-run``, the unified diff); exit 1 when conflicts are left to resolve, or, with
``--check``, when the project is behind. (No ``from __future__ import annotations``:
typer reads the generated signature's annotations as objects.)
"""

import inspect
import json
import sys
from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from advisor.cli.recommend import AnswersHelp, _flag_parameter
from advisor.errors import UpdateError
from advisor.questions.model import questions

Format = Literal["text", "json"]


def register(app: typer.Typer) -> None:
    """Add the `update` command to the app."""

    def update(
        path: Annotated[
            Path, typer.Argument(metavar="PATH", help="The project advisor new rendered.")
        ],
        *,
        answers_file: Annotated[
            Path | None,
            typer.Option("--answers", help="Answers file: these answers override the record's."),
        ] = None,
        dry_run: Annotated[
            bool, typer.Option("--dry-run", help="Print the unified diff; write nothing.")
        ] = False,
        output: Annotated[
            Format, typer.Option("--format", help="text or json.", show_default=True)
        ] = "text",
        allow_dirty: Annotated[
            bool,
            typer.Option("--allow-dirty", help="Update even with uncommitted changes in PATH."),
        ] = False,
        check: Annotated[
            bool,
            typer.Option(
                "--check",
                help="For CI: exit 1 with one line when the project is behind its template "
                "or its recorded decision no longer follows from its answers.",
            ),
        ] = False,
        **flags: Any,
    ) -> None:
        """Update a project from changed facts, keeping the team's edits.

        It decides again from the changed answers and merges the change into the project.
        """
        _run(path, answers_file, dry_run, output, allow_dirty, check, flags)

    own = [p for p in inspect.signature(update).parameters.values() if p.name != "flags"]
    update.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [*own, *(_flag_parameter(q) for q in questions())]
    )
    app.command("update", cls=AnswersHelp)(update)


def _run(
    path: Path,
    answers_file: Path | None,
    dry_run: bool,
    output: Format,
    allow_dirty: bool,
    check: bool,
    flags: dict[str, Any],
) -> None:
    from advisor import update as updating
    from advisor.questions.answers_file import merge, read_answers_file

    if updating.recover(path):
        print(f"advisor: note: an interrupted update of {path} was rolled back", file=sys.stderr)
    if check:
        reason = updating.behind(path)
        if reason is not None:
            print(f"advisor: {path}: {reason}")
            raise typer.Exit(1)
        print(f"advisor: {path}: up to date")
        return
    overrides = merge(flags, read_answers_file(answers_file) if answers_file else {})
    if not dry_run and not allow_dirty:
        why = updating.dirty(path)
        if why is not None:
            raise UpdateError(f"{path}: {why}; commit first, or pass --allow-dirty")
    result = updating.compute(path, overrides)
    if dry_run:
        sys.stdout.write(result.diff())
    elif result.changes:
        updating.apply(result)
    _report(result, output, dry_run)
    if result.conflicts and not dry_run:
        raise typer.Exit(1)


def _report(result: Any, output: Format, dry_run: bool) -> None:
    old, new = result.old_plan.spec, result.new_plan.spec
    if output == "json":
        data = {
            "before": _side(result.old, old),
            "after": _side(result.new, new),
            "decision_changed": result.decision_changed,
            "rules_changed": _rules_changed(result),
            "changes": [
                {"action": a, "path": p, **({"note": n} if n else {})} for a, p, n in _walk(result)
            ],
            "conflicts": [c.path for c in result.conflicts],
            "dry_run": dry_run,
        }
        if not dry_run:
            typer.echo(json.dumps(data, indent=2))
        else:
            print(json.dumps(data, indent=2), file=sys.stderr)
        return
    stream = sys.stderr if dry_run else sys.stdout
    rows = [
        ("strategy", _strategy(result.old), _strategy(result.new)),
        ("patterns", ",".join(old.patterns), ",".join(new.patterns)),
        ("broker", old.event_broker or "-", new.event_broker or "-"),
        ("warnings", _warnings(result.old), _warnings(result.new)),
    ]
    width = max(len(before) for _, before, _ in rows) + 2
    print(f"{'':10}{'before':{width}}after", file=stream)
    for name, before, after in rows:
        mark = "" if before == after else "  (changed)"
        print(f"{name:10}{before:{width}}{after}{mark}", file=stream)
    changed = _rules_changed(result)
    if changed:
        print(f"rules whose outcome changed: {', '.join(changed)}", file=stream)
    for note in result.notes:
        print(f"note: {note}", file=stream)
    if not result.changes:
        print("nothing to change: the project is up to date", file=stream)
    for action, path, note in _walk(result):
        print(f"{action:9}{path}" + (f"  ({note})" if note else ""), file=stream)
    if result.conflicts and not dry_run:
        print(
            f"{len(result.conflicts)} conflict(s): resolve the <<<<<<< markers in the files "
            "above, then commit",
            file=stream,
        )


def _side(rec: Any, spec: Any) -> dict[str, Any]:
    return {
        "strategy": rec.strategy if rec is not None else None,
        "patterns": list(spec.patterns),
        "broker": spec.event_broker,
        "warnings": [w.id for w in rec.warnings] if rec is not None else [],
    }


def _strategy(rec: Any) -> str:
    return str(rec.strategy) if rec is not None else "-"


def _warnings(rec: Any) -> str:
    return ",".join(w.id for w in rec.warnings) if rec is not None and rec.warnings else "-"


def _rules_changed(result: Any) -> list[str]:
    before = set(result.old.rules_fired) if result.old is not None else set()
    after = set(result.new.rules_fired) if result.new is not None else set()
    return sorted(before ^ after)


def _walk(result: Any) -> list[tuple[str, str, str]]:
    from advisor.update import walk_changes

    return list(walk_changes(result))
