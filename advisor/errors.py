"""The advisor's error hierarchy, caught once in the CLI.

::

    AdvisorError            exit 2: bad input or usage, shown as one line
    ├── AnswersError        an answers file or flag is malformed, unknown or out of range
    │   └── MissingAnswersError   required answers absent in a non-interactive run
    ├── RulesError          a rules file is malformed or the rule set is inconsistent
    ├── RenderError         a project cannot be rendered (bad name, DEST exists, template failure)
    ├── UpdateError         a project cannot be updated (no record, uncommitted changes)
    └── CheckError          a project cannot be checked (PATH missing, bad option)

Every message is meant for the user, one line in one style, ``<what>: <why>``: first
what the user got wrong as they typed it (a flag, an argument, a file, an answer), then
why, as a clause ("--consumers: must be at least 1 (got 0)"). The CLI prints it after
``advisor: error:`` and puts typer's own usage errors in the same shape. A value the
user gave is quoted with :func:`quoted`, so a megabyte of input gives a short message.
"""

import reprlib
from collections.abc import Mapping
from typing import Any

#: How many characters of a user's value a message quotes: enough to recognise it.
QUOTE_LIMIT = 80

_REPR = reprlib.Repr()
_REPR.maxstring = _REPR.maxother = QUOTE_LIMIT


def clipped(text: str, limit: int = QUOTE_LIMIT) -> str:
    """``text`` cut to ``limit`` characters, ending in "..." when it was longer."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def quoted(value: object) -> str:
    """``repr(value)`` for a message, at most :data:`QUOTE_LIMIT` characters.

    reprlib bounds the work as well as the text: a huge nested value is not walked whole.
    """
    return clipped(_REPR.repr(value))


#: What a rejected value's pydantic error type means, as a clause of an advisor message.
_VALUE_ERRORS = {
    "int_parsing": "not a whole number",
    "int_type": "not a whole number",
    "int_from_float": "not a whole number",
    "bool_type": "not true or false",
    "bool_parsing": "not true or false",
    "greater_than_equal": "must be at least {ge}",
    "literal_error": "must be one of {expected}",
}


def value_why(error: Mapping[str, Any]) -> str:
    """One pydantic error (an item of ``ValidationError.errors()``) as the advisor says it.

    Flags and answers files are checked by pydantic (typer checks flags with it too);
    their errors read the same, with the value given: "must be at least 1 (got 0)".
    """
    template = _VALUE_ERRORS.get(str(error.get("type")))
    if template is not None:
        return f"{template.format(**(error.get('ctx') or {}))} (got {quoted(error.get('input'))})"
    message = str(error.get("msg", ""))
    if message.startswith("Value error, "):  # a validator's own words, which quote the value
        return message.removeprefix("Value error, ").rstrip(".")
    return f"{message[:1].lower()}{message[1:].rstrip('.')} (got {quoted(error.get('input'))})"


class AdvisorError(Exception):
    """Base of every error the CLI shows to the user as one line with exit code 2."""

    exit_code: int = 2

    def __init__(self, message: str) -> None:
        # One line, whatever the message quotes (a rule id or file name may hold newlines).
        message = message.replace("\r", "\\r").replace("\n", "\\n")
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class AnswersError(AdvisorError):
    """An answers file or flag is malformed, unknown, of the wrong type or out of range."""


class MissingAnswersError(AnswersError):
    """Required answers are missing and the run may not prompt for them."""

    def __init__(self, missing: list[str]) -> None:
        self.missing = missing
        named = ", ".join(f"'{key}' (--{key.replace('_', '-')})" for key in missing)
        what = "answers" if len(missing) > 1 else "answer"
        super().__init__(f"{what} {named}: required, not given")


class RulesError(AdvisorError):
    """A rules file is malformed or the rule set is inconsistent."""


class RenderError(AdvisorError):
    """A project cannot be rendered."""


class UpdateError(AdvisorError):
    """A project ``advisor update`` cannot update (no record, a dirty tree, a stale update)."""


class CheckError(AdvisorError):
    """A project cannot be checked."""


__all__ = [
    "QUOTE_LIMIT",
    "AdvisorError",
    "AnswersError",
    "CheckError",
    "MissingAnswersError",
    "RenderError",
    "RulesError",
    "UpdateError",
    "clipped",
    "quoted",
    "value_why",
]
