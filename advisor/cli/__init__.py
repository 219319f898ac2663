"""The command line: parse, call, print. Errors are mapped to exit codes in :func:`main`.

Each command lives in its own module and imports heavy libraries inside the command
body, so ``advisor --help`` stays fast.
"""

from __future__ import annotations

import sys

import typer

from advisor import __version__
from advisor.cli import check, new, questions, recommend, rules, update
from advisor.errors import AdvisorError, clipped

app = typer.Typer(
    name="advisor",
    help="Advice and scaffolding for sharing data between microservices.",
    no_args_is_help=True,
    add_completion=True,
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
        if isinstance(code, int) and code:
            sys.exit(code)
    except AdvisorError as exc:
        _fail(str(exc), exc.exit_code)
    except (KeyboardInterrupt, typer.Abort):
        _fail("interrupted", 130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.TyperException as exc:
        # Usage errors (unknown option, bad value): typer's own one-line message.
        format_message = getattr(exc, "format_message", None)
        message = format_message() if format_message else str(exc)
        if not message:  # e.g. a bare `advisor`: the help was the message
            sys.exit(2)
        _fail(message, 2)


#: The longest error line printed. Messages quote what the user typed, and click quotes
#: an option's value whole; a pasted megabyte must not come back as one.
MESSAGE_LIMIT = 300


def _fail(message: str, code: int) -> None:
    print(f"advisor: error: {clipped(message, MESSAGE_LIMIT)}", file=sys.stderr)
    sys.exit(code)
