"""`advisor recommend`: the wizard on a terminal, or flags and an answers file in CI.

One flag per catalogue question is generated from ``questions.yaml``, so adding a
question adds its flag with no code change here. (No ``from __future__ import
annotations``: typer reads the generated signature's annotations as objects.)
"""

import inspect
import re
import sys
from pathlib import Path
from typing import Annotated, Any, Literal, TextIO

import typer
from typer.core import TyperCommand

from advisor.questions.answers_file import RECORD_KEY
from advisor.questions.model import Question, questions

Format = Literal["table", "json", "markdown"]


#: The help section listing the answer flags, apart from the command's own options.
ANSWERS = "Answers"


class AnswersHelp(TyperCommand):
    """A command whose --help lists the answer flags in their own section, after Options.

    Typer's plain help, which fits 80 columns, puts every option in one list.
    """

    def format_options(self, ctx: Any, formatter: Any) -> None:
        sections: dict[str, list[tuple[str, str]]] = {}
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is not None:
                kind = "Arguments" if param.param_type_name == "argument" else "Options"
                sections.setdefault(getattr(param, "rich_help_panel", None) or kind, []).append(
                    record
                )
        order = {"Arguments": 0, "Options": 1}
        for title in sorted(sections, key=lambda title: order.get(title, 2)):
            with formatter.section(title):
                formatter.write_dl(sections[title])


def _flag_parameter(q: Question) -> inspect.Parameter:
    """A typer option for one question; None means "not given" so the file or default wins."""
    annotation: Any
    flags = [q.flag]
    if q.type == "bool":
        flags = [f"{q.flag}/--no-{q.flag[2:]}"]
        annotation = bool | None
    elif q.type == "int":
        annotation = int | None
    else:
        # A Literal of the catalogue's choices: listed in --help and completed by the shell.
        annotation = Literal[q.choices] | None
    option = typer.Option(
        *flags,
        help=q.prompt,
        min=q.min,
        metavar="<int>" if q.type == "int" else None,
        show_default=False,
        rich_help_panel=ANSWERS,
    )
    return inspect.Parameter(
        q.key,
        inspect.Parameter.KEYWORD_ONLY,
        default=None,
        annotation=Annotated[annotation, option],
    )


def register(app: typer.Typer) -> None:
    """Add the `recommend` command to the app."""

    def recommend(
        *,
        answers_file: Annotated[
            Path | None, typer.Option("--answers", help="Answers file (YAML or JSON).")
        ] = None,
        output: Annotated[
            Format, typer.Option("--format", help="table, json, or markdown (an ADR).")
        ] = "table",
        strict: Annotated[
            bool, typer.Option("--strict", help="Exit 1 when an error-level warning fires.")
        ] = False,
        save: Annotated[
            Path | None, typer.Option("--save", help="Write the answers here for replay.")
        ] = None,
        no_input: Annotated[bool, typer.Option("--no-input", help="Never prompt.")] = False,
        owner: Annotated[
            str | None,
            typer.Option(
                "--owner",
                help="The ADR's owning service [default: the answers file's project, "
                "else user-service].",
                rich_help_panel="ADR",
            ),
        ] = None,
        consumer: Annotated[
            str | None,
            typer.Option(
                "--consumer",
                help="The ADR's consuming service [default: the answers file's project, "
                "else order-service].",
                rich_help_panel="ADR",
            ),
        ] = None,
        entity: Annotated[
            str | None,
            typer.Option(
                "--entity",
                help="The ADR's shared entity [default: the answers file's project, else User].",
                rich_help_panel="ADR",
            ),
        ] = None,
        adr_dir: Annotated[
            Path,
            typer.Option(
                "--adr-dir",
                help="The ADR is numbered after the NNNN-*.md records in this folder.",
                rich_help_panel="ADR",
            ),
        ] = Path("docs/adr"),
        **flags: Any,
    ) -> None:
        """Recommend how two services share data, and explain why."""
        names = {"owner": owner, "consumer": consumer, "entity": entity}
        _run(answers_file, output, strict, save, no_input, flags, names, adr_dir)

    own = [p for p in inspect.signature(recommend).parameters.values() if p.name != "flags"]
    recommend.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [*own, *(_flag_parameter(q) for q in questions())]
    )
    app.command("recommend", cls=AnswersHelp)(recommend)


def _run(
    answers_file: Path | None,
    output: Format,
    strict: bool,
    save: Path | None,
    no_input: bool,
    flags: dict[str, Any],
    names: dict[str, str | None],
    adr_dir: Path,
) -> None:
    from advisor.engine.evaluate import recommend
    from advisor.questions.answers_file import METADATA_KEYS, merge, read_mapping, save_answers
    from advisor.questions.model import validate_answers

    document = read_mapping(answers_file) if answers_file else {}
    file_values = {k: v for k, v in document.items() if k not in METADATA_KEYS}
    defaults: dict[str, Any] = {}
    project = document.get("project")
    if answers_file is not None and RECORD_KEY in document:
        # A project record: its given answers, its recorded defaults, its project's names.
        from advisor import record

        loaded = record.from_mapping(answers_file, document)
        file_values = {k: v for k, v in loaded.answers.items() if k in loaded.given}
        defaults = {k: v for k, v in loaded.answers.items() if k not in loaded.given}
        project = loaded.record.project.options() if loaded.record else None
    adr_names = _adr_names(names, project)
    given = merge(flags, file_values)
    wizard = (
        not no_input
        and answers_file is None
        and not any(v is not None for v in flags.values())
        and sys.stdin.isatty()
    )
    terminal = _terminal() if wizard else None
    if terminal is not None:
        from advisor.wizard.prompt import ask_answers

        given = _asked(ask_answers(terminal))
    answers = validate_answers({**defaults, **given})
    rec = recommend(answers, given=given)
    if save is not None:
        # The answers given, so a replay tells them from defaults as this run did.
        save_answers(save, {key: value for key, value in answers.items() if key in given})
    _print(rec, output, adr_names, adr_dir)
    if strict and rec.has_errors():
        raise typer.Exit(1)


#: The names an ADR uses when neither a flag nor the answers file's project gives them.
_DEFAULT_NAMES = {"owner": "user-service", "consumer": "order-service", "entity": "User"}
#: Where a ``project:`` block keeps each name: the project record's, then advisor 0.1's.
_PROJECT_KEYS = {
    "owner": ("owner", "owner_service"),
    "consumer": ("consumer", "consumer_service"),
    "entity": ("entity",),
}
_SERVICE = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*", re.ASCII)
_ENTITY = re.compile(r"[A-Z][A-Za-z0-9]*", re.ASCII)
_MAX_NAME = 40


def _adr_names(flags: dict[str, str | None], project: object) -> dict[str, str]:
    """The ADR's names: flags, else the answers file's project, else the defaults.

    They are written into markdown and a mermaid diagram, so they are checked as
    `advisor new` checks them: service slugs and a PascalCase entity.
    """
    from advisor.errors import AnswersError, quoted

    recorded = project if isinstance(project, dict) else {}
    names: dict[str, str] = {}
    for name, default in _DEFAULT_NAMES.items():
        value = flags.get(name)
        where = f"--{name}"
        for key in _PROJECT_KEYS[name]:
            if value is None and key in recorded:
                value = recorded[key]
                where = f"project.{key}"
        if value is None:
            value = default
        pattern = _ENTITY if name == "entity" else _SERVICE
        if not isinstance(value, str) or len(value) > _MAX_NAME or not pattern.fullmatch(value):
            like = (
                "a PascalCase name like 'User'"
                if name == "entity"
                else ("a lowercase slug like 'user-service'")
            )
            raise AnswersError(f"{where}: must be {like} (got {quoted(value)})")
        names[name] = value
    return names


def _asked(answers: dict[str, Any]) -> dict[str, Any]:
    """The wizard's answers to the questions it asked; the skipped ones stay defaults.

    The wizard fills a skipped question with its default; the recommendation must tell
    those from the answers given, so the questions asked are worked out again (the
    relevance judge caches what it decided, so this costs little).
    """
    from advisor.wizard.relevance import should_ask

    asked: dict[str, Any] = {}
    for q in questions():
        if should_ask(q, asked):
            asked[q.key] = answers[q.key]
    return asked


def _terminal() -> TextIO | None:
    """Where the wizard draws its prompts: stdout on a terminal, else stderr on one.

    ``advisor recommend --format json > adr.json`` at a terminal still prompts (on
    stderr) and writes only the JSON to the file. With neither on a terminal nobody
    would see a prompt, so the run is non-interactive.
    """
    for stream in (sys.stdout, sys.stderr):
        if stream.isatty():
            return stream
    return None


def _print(rec: Any, output: Format, names: dict[str, str], adr_dir: Path) -> None:
    if output == "json":
        typer.echo(rec.to_json(), nl=False)
    elif output == "markdown":
        from advisor.report.adr import adr_markdown, next_adr_number

        number = next_adr_number(adr_dir)
        adr = adr_markdown(
            rec,
            owner=names["owner"],
            consumer=names["consumer"],
            entity=names["entity"],
            number=number,
        )
        typer.echo(adr, nl=False)
    else:
        from advisor.console import print_recommendation

        print_recommendation(rec)
