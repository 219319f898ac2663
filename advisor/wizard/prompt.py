"""The wizard: the only module that asks the user about the data flow.

Questions come from the catalogue in order; an optional one whose answer cannot change
the outcome, given the earlier answers and whatever the later ones, is skipped
(:func:`advisor.wizard.relevance.should_ask`). Ctrl-C raises KeyboardInterrupt.
"""

from __future__ import annotations

from typing import Any, TextIO

from advisor.questions.model import Question, questions
from advisor.types import AnswerValue
from advisor.wizard.relevance import should_ask


def ask_answers(terminal: TextIO) -> dict[str, AnswerValue]:
    """Ask every question that can still matter, in catalogue order; return all answers.

    The prompts are drawn on ``terminal`` (stderr when stdout is redirected, so stdout
    carries only the recommendation). A skipped question takes its default, which is as
    good as any value of it: by the rules, none changes the outcome whatever the later
    answers.
    """
    from prompt_toolkit.output import create_output

    output = create_output(stdout=terminal)
    answers: dict[str, AnswerValue] = {}
    for q in questions():
        if should_ask(q, answers):
            answers[q.key] = _ask(q, output)
        elif q.default is not None:
            answers[q.key] = q.default
    return answers


def _ask(q: Question, output: Any) -> AnswerValue:
    import questionary

    message = f"{q.prompt}"
    prompt: Any
    if q.type == "choice":
        default = q.default if isinstance(q.default, str) else None
        prompt = questionary.select(
            message, choices=list(q.choices), default=default, output=output
        )
    elif q.type == "bool":
        prompt = questionary.confirm(message, default=bool(q.default), output=output)
    else:
        minimum = q.min or 0
        prompt = questionary.text(
            message,
            default="" if q.default is None else str(q.default),
            validate=lambda text: _valid_int(text, minimum),
            instruction=f"(whole number >= {minimum})",
            output=output,
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
