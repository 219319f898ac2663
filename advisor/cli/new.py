"""`advisor new DEST`: render a project for chosen patterns, or for what the answers recommend.

stdout carries only the list of files written (or, with ``--dry-run``, that would be);
notes go to stderr; so do a spinner while rendering and, at the end, what was written and
what to run next, but only for a person at a terminal (a TTY outside CI).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from advisor.errors import RenderError
from advisor.types import COMPATIBILITIES, RENDERABLE_BROKERS, STRATEGIES, Compatibility

if TYPE_CHECKING:
    from advisor.recommendation import Recommendation
    from advisor.render.context import ProjectSpec

#: Globs of template files the recommendation's own versions replace under ``--from``.
_REPLACED_BY_RECOMMENDATION = ("docs/adr/0001-*.md",)
ANSWERS_FILE = ".advisor-answers.yml"


def register(app: typer.Typer) -> None:
    """Add the `new` command to the app."""

    @app.command("new")
    def _new(
        dest: Annotated[
            Path, typer.Argument(metavar="DEST", help="Folder to create (absent or empty).")
        ],
        pattern: Annotated[
            str | None,
            typer.Option(
                "--pattern",
                metavar="<api,event,replica,sdk>",
                help="The patterns to render, comma-separated (any of them).",
                autocompletion=_complete_patterns,
            ),
        ] = None,
        broker: Annotated[
            Literal[RENDERABLE_BROKERS] | None,  # type: ignore[valid-type]
            typer.Option("--broker", help="The event broker (with event or replica)."),
        ] = None,
        name: Annotated[str | None, typer.Option("--name", help="Project name.")] = None,
        owner: Annotated[
            str | None, typer.Option("--owner", help="Owning service, e.g. user-service.")
        ] = None,
        consumer: Annotated[
            str | None, typer.Option("--consumer", help="Consuming service, e.g. order-service.")
        ] = None,
        entity: Annotated[
            str | None, typer.Option("--entity", help="Shared entity, e.g. User.")
        ] = None,
        fields: Annotated[
            str | None,
            typer.Option("--fields", help="Entity fields: name[:str|int|float|bool],..."),
        ] = None,
        compatibility: Annotated[
            Compatibility | None,
            typer.Option(
                "--compatibility",
                metavar="<mode>",
                help=f"Event schema compatibility mode: {', '.join(COMPATIBILITIES)} "
                "(default: FULL).",
            ),
        ] = None,
        bff: Annotated[
            bool,
            typer.Option(
                "--bff",
                help="Add a backend-for-frontend service, <consumer>-bff (order-service: "
                "order-bff), serving one front-end view of the owner's entity and the "
                "consumer's data. Needs the api or sdk pattern: refused (exit 2) otherwise, "
                "also when --from recommends neither.",
            ),
        ] = False,
        from_: Annotated[
            Path | None,
            typer.Option("--from", help="Answers file: render what `advisor recommend` says."),
        ] = None,
        no_input: Annotated[bool, typer.Option("--no-input", help="Never prompt.")] = False,
        dry_run: Annotated[
            bool, typer.Option("--dry-run", help="List the files; write nothing.")
        ] = False,
        force: Annotated[bool, typer.Option("--force", help="Replace a non-empty DEST.")] = False,
        template: Annotated[
            Path | None,
            typer.Option("--template", hidden=True, help="Another cookiecutter template."),
        ] = None,
    ) -> None:
        """Render a runnable multi-service project into DEST."""
        flags: dict[str, object] = {
            "patterns": pattern,
            "broker": broker,
            "name": name,
            "owner": owner,
            "consumer": consumer,
            "entity": entity,
            "fields": fields,
            "compatibility": compatibility,
            "bff": True if bff else None,
        }
        spec, extras = _plan(flags, from_, interactive=_interactive(no_input, from_, pattern))
        notes = list(spec.notes)
        if broker is not None and spec.event_broker is None:
            # A note, not a refusal: `--from` scripts pass --broker for when events are chosen.
            notes.append(
                f"--broker {broker} ignored: no events flow with {','.join(spec.patterns)}"
            )
        for note in notes:
            print(f"advisor: note: {note}", file=sys.stderr)

        from advisor.render.scaffold import render

        with _status(f"Rendering {', '.join(spec.patterns)} into {dest}"):
            files = render(
                spec,
                dest,
                template_dir=template,
                force=force,
                dry_run=dry_run,
                extra_files=extras,
                replace=_REPLACED_BY_RECOMMENDATION if extras else (),
            )
        for path in files:
            print(path)
        _summary(spec, dest, len(files), dry_run=dry_run)


def _complete_patterns(incomplete: str) -> list[str]:
    """Shell completion of the comma list: the patterns not yet named, after those typed."""
    *typed, last = incomplete.split(",")
    head = "".join(f"{item}," for item in typed)
    return [head + s for s in STRATEGIES if s not in typed and s.startswith(last)]


def _interactive(no_input: bool, from_: Path | None, pattern: str | None) -> bool:
    return (
        not no_input
        and from_ is None
        and pattern is None
        and sys.stdin.isatty()
        and sys.stdout.isatty()
    )


def _plan(
    flags: Mapping[str, object], from_: Path | None, *, interactive: bool
) -> tuple[ProjectSpec, dict[str, str]]:
    """The spec to render and the extra files (ADR, answers) that go with it."""
    from advisor.render.context import make_spec, spec_from_recommendation

    if from_ is not None:
        rec = _recommend_from(from_)
        spec = spec_from_recommendation(rec, flags)
        return spec, _recommendation_files(rec, spec)
    if flags.get("patterns") is not None:
        return make_spec(flags), {}
    if interactive:
        from advisor.wizard.project_prompt import ask_project

        return make_spec(ask_project(flags)), {}
    raise RenderError(
        "--pattern or --from: one is needed, as a run without a terminal never prompts "
        "(e.g. --pattern api,event or --from answers.yml)"
    )


def _recommend_from(path: Path) -> Recommendation:
    from advisor.engine.evaluate import recommend
    from advisor.questions.answers_file import load_answers

    return recommend(load_answers(path))


def _recommendation_files(rec: Recommendation, spec: ProjectSpec) -> dict[str, str]:
    """The ADR explaining the recommendation and the answers that produced it."""
    import yaml

    from advisor.questions.answers_file import dump_answers
    from advisor.report.adr import adr_filename, adr_markdown

    project = {
        "project": {
            "name": spec.name,
            "owner_service": spec.owner,
            "consumer_service": spec.consumer,
            "entity": spec.entity,
            "fields": spec.fields_text(),
            "patterns": ",".join(spec.patterns),
            "broker": spec.event_broker,
            "bff": spec.bff,
        },
        "compatibility": spec.compatibility,
    }
    adr = adr_markdown(
        rec, title=spec.name, owner=spec.owner, consumer=spec.consumer, entity=spec.entity
    )
    return {
        f"docs/adr/{adr_filename(rec)}": adr,
        ANSWERS_FILE: "# Answers that produced this project; replay with "
        "`advisor recommend --answers .advisor-answers.yml`.\n"
        + dump_answers(rec.answers)
        + yaml.safe_dump(project, sort_keys=False, allow_unicode=True),
    }


def _fancy() -> bool:
    """Progress and summaries only for a person at a terminal, never in CI or pipes."""
    return sys.stderr.isatty() and os.environ.get("CI", "").lower() not in ("true", "1")


@contextmanager
def _status(message: str) -> Iterator[None]:
    if not _fancy():
        yield
        return
    from advisor.console import status

    with status(message):
        yield


def _summary(spec: ProjectSpec, dest: Path, count: int, *, dry_run: bool) -> None:
    """What was written, then what to run next, as `npm create` and `cargo new` end."""
    if not _fancy():
        return
    verb = "would write" if dry_run else "wrote"
    events = f", broker {spec.broker}" if "event" in spec.patterns else ""
    lines = [
        f"advisor: {verb} {count} files into {dest} (patterns {','.join(spec.patterns)}{events})"
    ]
    if not dry_run:
        import shlex

        where = f"; it needs a {spec.broker} broker (README.md)" if events else ""
        lines += [
            "",
            "Next:",
            f"  cd {shlex.quote(str(dest))}",
            "  make test   # its own suite, in its own .venv (a few minutes the first time)",
            f"  make dev    # every service on this machine{where}",
        ]
    print("\n".join(lines), file=sys.stderr)
