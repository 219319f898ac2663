"""`advisor new DEST`: render a project for chosen patterns, or for what the answers recommend.

stdout carries only the list of files written (or, with ``--dry-run``, that would be);
notes go to stderr; so do a spinner while rendering and, at the end, what was written and
what to run next, but only for a person at a terminal (a TTY outside CI).
"""

from __future__ import annotations

import datetime
import json
import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from advisor.errors import RenderError
from advisor.resources import templates_dir
from advisor.types import COMPATIBILITIES, STRATEGIES, Compatibility

if TYPE_CHECKING:
    from advisor.project import Plan
    from advisor.render.context import ProjectSpec


#: The bundled template's brokers (its ``broker`` choices), for --help and completion;
#: read from cookiecutter.json here, as importing the renderer would slow every command.
_CHOICES: dict[str, list[str]] = json.loads(
    (templates_dir() / "microservices" / "cookiecutter.json").read_text(encoding="utf-8")
)
_BROKERS: list[str] = _CHOICES["broker"]
#: How the template serves the api pattern (its ``api`` choices; the first is the default).
_APIS: list[str] = _CHOICES["api"]


def register(app: typer.Typer) -> None:
    """Add the `new` command to the app."""

    @app.command("new")
    def _new(
        dest: Annotated[
            Path, typer.Argument(metavar="DEST", help="Folder to create (absent or empty).")
        ],
        patterns: Annotated[
            str | None,
            typer.Option(
                "--patterns",
                metavar="<api,event,replica,sdk>",
                help="The patterns to render, comma-separated (any of them).",
                autocompletion=_complete_patterns,
            ),
        ] = None,
        broker: Annotated[
            str | None,
            typer.Option(
                "--broker",
                metavar=f"<{'|'.join(_BROKERS)}>",
                help="The event broker (with event or replica).",
                autocompletion=_complete_brokers,
            ),
        ] = None,
        api: Annotated[
            str | None,
            typer.Option(
                "--api",
                metavar=f"<{'|'.join(_APIS)}>",
                help=f"How the consumer calls the owner with the api pattern (default: "
                f"{_APIS[0]}). grpc adds a versioned .proto contract and a gRPC server beside "
                "the owner's HTTP API, which the sdk and --bff keep reading; needs the api "
                "pattern.",
                autocompletion=_complete_apis,
            ),
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
        pattern: Annotated[
            str | None,
            typer.Option("--pattern", hidden=True, help="The old name of --patterns."),
        ] = None,
    ) -> None:
        """Render a runnable multi-service project into DEST."""
        patterns = _renamed_patterns(patterns, pattern)
        flags: dict[str, object] = {
            "patterns": patterns,
            "broker": broker,
            "name": name,
            "owner": owner,
            "consumer": consumer,
            "entity": entity,
            "fields": fields,
            "compatibility": compatibility,
            "bff": True if bff else None,
            "api": api,
        }
        plan = _plan(flags, from_, interactive=_interactive(no_input, from_, patterns))
        spec = plan.spec
        notes = list(spec.notes)
        if broker is not None and spec.event_broker is None:
            # A note, not a refusal: `--from` scripts pass --broker for when events are chosen.
            notes.append(
                f"--broker {broker} ignored: no events flow with {','.join(spec.patterns)}"
            )
        for note in notes:
            print(f"advisor: note: {note}", file=sys.stderr)

        from advisor.project import plan_files, replaced
        from advisor.render.scaffold import default_template_dir, render

        template_dir = template if template is not None else default_template_dir()
        with _status(f"Rendering {', '.join(spec.patterns)} into {dest}"):
            files = render(
                spec,
                dest,
                template_dir=template_dir,
                force=force,
                dry_run=dry_run,
                extra_files=plan_files(plan, template_dir),
                replace=replaced(plan),
            )
        for path in files:
            print(path)
        _summary(spec, dest, len(files), dry_run=dry_run)


def _renamed_patterns(patterns: str | None, pattern: str | None) -> str | None:
    """``--patterns``, or ``--pattern``, its old name, kept (hidden) for existing scripts."""
    if pattern is None:
        return patterns
    if patterns is not None:
        raise RenderError("--pattern: the old name of --patterns; give --patterns only")
    print("advisor: note: --pattern is now --patterns; the old name still works", file=sys.stderr)
    return pattern


def _complete_brokers(incomplete: str) -> list[str]:
    return [broker for broker in _BROKERS if broker.startswith(incomplete)]


def _complete_apis(incomplete: str) -> list[str]:
    return [api for api in _APIS if api.startswith(incomplete)]


def _complete_patterns(incomplete: str) -> list[str]:
    """Shell completion of the comma list: the patterns not yet named, after those typed."""
    *typed, last = incomplete.split(",")
    head = "".join(f"{item}," for item in typed)
    return [head + s for s in STRATEGIES if s not in typed and s.startswith(last)]


def _interactive(no_input: bool, from_: Path | None, patterns: str | None) -> bool:
    return (
        not no_input
        and from_ is None
        and patterns is None
        and sys.stdin.isatty()
        and sys.stdout.isatty()
    )


def _plan(flags: Mapping[str, object], from_: Path | None, *, interactive: bool) -> Plan:
    """The spec to render, and what it was decided from."""
    from advisor.project import Plan
    from advisor.render.context import make_spec

    if from_ is not None:
        return _plan_from(flags, from_)
    if flags.get("patterns") is not None:
        return Plan(make_spec(flags))
    if interactive:
        from advisor.wizard.project_prompt import ask_project

        return Plan(make_spec(ask_project(flags)))
    raise RenderError(
        "--patterns or --from: one is needed, as a run without a terminal never prompts "
        "(e.g. --patterns api,event or --from answers.yml)"
    )


def _plan_from(flags: Mapping[str, object], path: Path) -> Plan:
    """A project record renders its recorded project; an answers file, what it recommends."""
    from advisor import record
    from advisor.engine.evaluate import recommend
    from advisor.project import Plan
    from advisor.render.context import make_spec, spec_from_recommendation

    loaded = record.load(path)
    if loaded.note:
        print(f"advisor: note: {loaded.note}", file=sys.stderr)
    rec = recommend(loaded.answers, given=loaded.given) if loaded.answers else None
    if loaded.record is None:
        assert rec is not None  # a plain answers file always holds a complete answer set
        return Plan(
            spec_from_recommendation(rec, flags),
            rec,
            loaded.answers,
            loaded.given,
            datetime.date.today(),
            loaded.shared_database_reason,
        )
    kept = loaded.record
    options = {key: value for key, value in kept.project.options().items() if value is not None}
    options.update({key: value for key, value in flags.items() if value is not None})
    spec = make_spec(options)
    if rec is not None and tuple(rec.patterns) != spec.patterns:
        print(
            f"advisor: note: the recorded patterns are {','.join(spec.patterns)}; by these "
            f"answers the rules now recommend {','.join(rec.patterns)}",
            file=sys.stderr,
        )
    return Plan(spec, rec, loaded.answers, loaded.given, kept.date, kept.shared_database_reason)


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
    api = f", api {spec.api}" if spec.api_transport not in (None, "http") else ""
    chosen = f"patterns {','.join(spec.patterns)}{events}{api}"
    lines = [f"advisor: {verb} {count} files into {dest} ({chosen})"]
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
