"""The wizard: the only module that asks the user about the data flow.

Questions come from the catalogue in order; one whose answer cannot change the
outcome given earlier answers is skipped. Ctrl-C raises KeyboardInterrupt.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from advisor.questions.model import Question, questions, should_ask
from advisor.types import AnswerValue


def ask_answers(preset: Mapping[str, object]) -> dict[str, object]:
    """Ask every question not answered in ``preset`` that can matter; return all answers."""
    answers: dict[str, object] = dict(preset)
    for q in questions():
        if q.key in answers or not should_ask(q, answers):
            continue
        answers[q.key] = _ask(q)
    return answers


def _ask(q: Question) -> AnswerValue:
    import questionary

    message = f"{q.prompt}"
    prompt: Any
    if q.type == "choice":
        default = q.default if isinstance(q.default, str) else None
        prompt = questionary.select(message, choices=list(q.choices), default=default)
    elif q.type == "bool":
        prompt = questionary.confirm(message, default=bool(q.default))
    else:
        minimum = q.min or 0
        prompt = questionary.text(
            message,
            default="" if q.default is None else str(q.default),
            validate=lambda text: _valid_int(text, minimum),
            instruction=f"(whole number >= {minimum})",
        )
    answer = prompt.unsafe_ask()  # raises KeyboardInterrupt on Ctrl-C
    value: AnswerValue = int(answer) if q.type == "int" else answer
    return value


def _valid_int(text: str, minimum: int) -> bool | str:
    """questionary's validator: True, or the message shown while typing."""
    try:
        value = int(text.strip())
    except ValueError:
        return f"a whole number >= {minimum}"
    return True if value >= minimum else f"a whole number >= {minimum}"
