"""`advisor recommend`: the wizard on a terminal, or flags and an answers file in CI.

One flag per catalogue question is generated from ``questions.yaml``, so adding a
question adds its flag with no code change here. (No ``from __future__ import
annotations``: typer reads the generated signature's annotations as objects.)
"""

import inspect
import sys
from pathlib import Path
from typing import Annotated, Any, Literal, TextIO

import typer
from typer.core import TyperCommand

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
        **flags: Any,
    ) -> None:
        """Recommend how two services share data, and explain why."""
        _run(answers_file, output, strict, save, no_input, flags)

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
) -> None:
    from advisor.engine.evaluate import recommend
    from advisor.questions.answers_file import merge, read_answers_file, save_answers
    from advisor.questions.model import validate_answers

    file_values = read_answers_file(answers_file) if answers_file else {}
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

        given = dict(ask_answers(terminal))
    answers = validate_answers(given)
    rec = recommend(answers)
    if save is not None:
        save_answers(save, answers)
    _print(rec, output)
    if strict and rec.has_errors():
        raise typer.Exit(1)


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


def _print(rec: Any, output: Format) -> None:
    if output == "json":
        typer.echo(rec.to_json(), nl=False)
    elif output == "markdown":
        from advisor.report.adr import adr_markdown

        typer.echo(adr_markdown(rec), nl=False)
    else:
        from advisor.console import print_recommendation

        print_recommendation(rec)
