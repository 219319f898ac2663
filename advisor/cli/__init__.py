"""The command line: parse, call, print. Errors are mapped to exit codes in :func:`main`.

Each command lives in its own module and imports heavy libraries inside the command
body, so ``advisor --help`` stays fast.
"""

from __future__ import annotations

import re
import sys

import typer

from advisor import __version__
from advisor.cli import check, new, questions, recommend, rules, update
from advisor.errors import AdvisorError, clipped, value_why

app = typer.Typer(
    name="advisor",
    help="Advice and scaffolding for sharing data between microservices.",
    no_args_is_help=True,
    add_completion=True,
    # Click's plain help: rich's panels cut long flag names at 80 columns.
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"advisor {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """Advice and scaffolding for sharing data between microservices."""


recommend.register(app)
questions.register(app)
new.register(app)
update.register(app)
check.register(app)
app.add_typer(rules.app, name="rules")


def main() -> None:
    """Console-script entry point: run the app and turn errors into one line and an exit code."""
    try:
        # Without standalone mode click returns (not raises) a command's `typer.Exit` code.
        code = app(standalone_mode=False)
        if code == INTERRUPTED:  # typer turns Ctrl-C into this exit code
            raise KeyboardInterrupt
        if isinstance(code, int) and code:
            sys.exit(code)
    except AdvisorError as exc:
        _fail(str(exc), exc.exit_code)
    except (KeyboardInterrupt, typer.Abort):
        # Renders go through a staging folder and answers are saved after the last prompt.
        _fail("interrupted: nothing was written", INTERRUPTED)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.TyperException as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":  # a bare `advisor`: help is the answer
            typer.echo(getattr(exc, "message", ""), err=True)
            sys.exit(2)
        _fail(_usage_message(exc), 2)


#: The exit code of a run stopped by Ctrl-C (128 + SIGINT), as shells report it.
INTERRUPTED = 130

#: The longest error line printed. Messages quote what the user typed, and click quotes
#: an option's value whole; a pasted megabyte must not come back as one.
MESSAGE_LIMIT = 300

_NO_COMMAND = re.compile(r"No such command '(?P<what>.*)'\.", re.DOTALL)
_EXTRA = re.compile(r"Got unexpected extra (?P<why>arguments?)\S* \((?P<what>.*)\)", re.DOTALL)


def _usage_message(exc: Exception) -> str:
    """A usage error from typer (click) in the advisor's style: ``<what>: <why>``.

    ``<what>`` is the flag, argument or command the user got wrong, as they typed it.
    Typer's classes are matched by their attributes: they moved between typer releases.
    """
    text = str(getattr(exc, "message", "") or "")
    ctx = getattr(exc, "ctx", None)
    command = ctx.command_path if ctx is not None else "advisor"
    param = getattr(exc, "param", None)
    if param is not None:
        opts = [o for o in getattr(param, "opts", ()) if o.startswith("--")]
        what = max(opts, key=len) if opts else (param.metavar or param.name or "").upper()
        if hasattr(exc, "param_type"):  # a missing option or argument
            return f"{what}: missing (see `{command} --help`)"
        return f"{what}: {_value_why(exc, text)}"
    option = getattr(exc, "option_name", None)
    if option is not None:
        if text.startswith("No such option"):
            close = getattr(exc, "possibilities", None)
            hint = f"did you mean {' or '.join(close)}?" if close else f"see `{command} --help`"
            return f"{option}: no such option ({hint})"
        return f"{option}: {_why(text.removeprefix(f'Option {option!r} '))}"
    if match := _NO_COMMAND.fullmatch(text):
        return f"{match['what']}: no such command (see `{command} --help`)"
    if match := _EXTRA.fullmatch(text):
        return f"{match['what']}: unexpected {match['why']} (see `{command} --help`)"
    return f"{command}: {_why(text)}"


def _value_why(exc: Exception, text: str) -> str:
    """Why a value was refused, with the value: typer checks values with pydantic."""
    errors = getattr(exc.__cause__, "errors", None)
    return value_why(errors()[0]) if callable(errors) else _why(text)


def _why(text: str) -> str:
    """Typer's or pydantic's sentence as the advisor's clause: lower case, no final stop."""
    text = text.removeprefix("Value error, ").rstrip(".")
    if text[:1].isupper() and text[1:2].islower():
        text = text[0].lower() + text[1:]
    return text


def _fail(message: str, code: int) -> None:
    print(f"advisor: error: {clipped(message, MESSAGE_LIMIT)}", file=sys.stderr)
    sys.exit(code)
