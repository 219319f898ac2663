"""The wizard: the only module that asks the user about the data flow.

Questions come from the catalogue in order; an optional one whose answer cannot change
the outcome, given the earlier answers and whatever the later ones, is skipped
(:func:`advisor.wizard.relevance.should_ask`) with one line saying so. Ctrl-C raises
KeyboardInterrupt, which the CLI reports.
"""

from __future__ import annotations

from typing import Any, TextIO

from advisor.questions.model import Question, questions
from advisor.types import AnswerValue
from advisor.wizard.relevance import should_ask


def ask_answers(terminal: TextIO) -> dict[str, AnswerValue]:
    """Ask every question that can still matter, in catalogue order; return all answers.

    The prompts are drawn on ``terminal`` (stderr when stdout is redirected, so stdout
    carries only the recommendation). Each shows its place in the catalogue and, above
    it, its help text, as copier does. A skipped question takes its default, which is as
    good as any value of it: by the rules, none changes the outcome whatever the later
    answers; one line says so.
    """
    from prompt_toolkit.output import create_output

    output = create_output(stdout=terminal)
    catalogue = questions()
    answers: dict[str, AnswerValue] = {}
    for number, q in enumerate(catalogue, start=1):
        place = f"[{number}/{len(catalogue)}]"
        if should_ask(q, answers):
            print(f"  {q.help}", file=terminal, flush=True)
            answers[q.key] = _ask(q, place, output)
        else:
            print(f"{place} {q.prompt} {_skipped(q)}", file=terminal, flush=True)
            if q.default is not None:
                answers[q.key] = q.default
    return answers


def _skipped(q: Question) -> str:
    """Why a question was not asked, and the value it takes."""
    kept = f" (kept {_shown(q.default)})" if q.default is not None else ""
    return f"skipped: no answer can change the advice{kept}"


def _shown(value: AnswerValue | None) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _ask(q: Question, place: str, output: Any) -> AnswerValue:
    import questionary

    message = q.prompt
    prompt: Any
    if q.type == "choice":
        default = q.default if isinstance(q.default, str) else None
        prompt = questionary.select(
            message, choices=list(q.choices), default=default, qmark=place, output=output
        )
    elif q.type == "bool":
        prompt = questionary.confirm(message, default=bool(q.default), qmark=place, output=output)
    else:
        minimum = q.min or 0
        prompt = questionary.text(
            message,
            default="" if q.default is None else str(q.default),
            validate=lambda text: _valid_int(text, minimum),
            instruction=f"(whole number >= {minimum})",
            qmark=place,
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
