"""The advisor's error hierarchy, caught once in the CLI.

::

    AdvisorError            exit 2: bad input or usage, shown as one line
    ├── AnswersError        an answers file or flag is malformed, unknown or out of range
    │   └── MissingAnswersError   required answers absent in a non-interactive run
    ├── RulesError          a rules file is malformed or the rule set is inconsistent
    ├── RenderError         a project cannot be rendered (bad name, DEST exists, template failure)
    ├── UpdateError         a project cannot be updated (no record, uncommitted changes)
    └── CheckError          a project cannot be checked (PATH missing, bad option)

Every message is meant for the user: one line naming what is wrong. A value the user
gave is quoted with :func:`quoted`, so a megabyte of input gives a short message.
"""

import reprlib

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
        named = ", ".join(f"{key} (--{key.replace('_', '-')})" for key in missing)
        super().__init__(f"missing required answers: {named}")


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
]
