"""The wizard's project questions for ``advisor new``: patterns, broker, names.

Prompting lives only under ``advisor/wizard/``. Each answer is checked with the same
validation as the flags (:func:`advisor.render.context.make_spec`), so the wizard cannot
produce a value the renderer would refuse.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from advisor.errors import RenderError
from advisor.render.context import (
    DEFAULT_CONSUMER,
    DEFAULT_ENTITY,
    DEFAULT_FIELDS,
    DEFAULT_NAME,
    DEFAULT_OWNER,
    normalise_patterns,
    renderable_brokers,
)
from advisor.types import COMPATIBILITIES, STRATEGIES

_PATTERN_HELP = {
    "api": "api      - the consumer calls the owner's API for the latest data",
    "event": "event    - the owner publishes changes; consumers react",
    "replica": "replica  - the consumer keeps a read-only local copy fed by events",
    "sdk": "sdk      - a typed client library for internal tooling",
}

_TEXT_QUESTIONS: tuple[tuple[str, str, str], ...] = (
    ("name", "Project name", DEFAULT_NAME),
    ("owner", "Service that owns the data", DEFAULT_OWNER),
    ("consumer", "Service that consumes it", DEFAULT_CONSUMER),
    ("entity", "Shared entity (PascalCase)", DEFAULT_ENTITY),
    ("fields", "Entity fields (name[:type], comma-separated)", DEFAULT_FIELDS),
)

#: The line shown above each question, as copier shows a question's help.
_HELP = {
    "patterns": "How the consumer gets the owner's data; `advisor recommend` says which fit.",
    "broker": "The broker the events flow through; the project runs and tests against it.",
    "compatibility": "How event schemas may change; FULL: old and new readers and writers "
    "all keep working.",
    "name": "Free text; its slug names the project's folder.",
    "owner": "A lowercase slug like user-service: the service that writes the data.",
    "consumer": "A lowercase slug like order-service: the service that reads it.",
    "entity": "The data shared, like User: it names the routes, tables and events.",
    "fields": "Besides the id, like name:str,email:str; types: str, int, float, bool.",
}


def ask_project(given: Mapping[str, object]) -> dict[str, object]:
    """Ask what ``given`` (values already set by flags) leaves open; return all values.

    Each question shows its place ("[k/n]", n counting every question the flags left
    open) and a help line; the broker questions, skipped when no events flow, say so.
    Returns raw values for :func:`advisor.render.context.make_spec`.
    """
    import questionary

    values: dict[str, object] = {key: value for key, value in given.items() if value is not None}
    keys = ["patterns", "broker", "compatibility", *(key for key, _, _ in _TEXT_QUESTIONS)]
    open_keys = [key for key in keys if key not in values]
    steps = {key: f"[{n}/{len(open_keys)}]" for n, key in enumerate(open_keys, start=1)}

    def ask(key: str, question: Any) -> object:
        print(f"  {_HELP[key]}", flush=True)
        answer: object = question.unsafe_ask()  # raises KeyboardInterrupt on Ctrl-C
        return answer

    if "patterns" in steps:
        values["patterns"] = ask(
            "patterns",
            questionary.checkbox(
                "Patterns to render (space to select)",
                choices=[
                    questionary.Choice(_PATTERN_HELP[s], value=s, checked=s in ("api", "event"))
                    for s in STRATEGIES
                ],
                validate=lambda chosen: bool(chosen) or "choose at least one pattern",
                qmark=steps["patterns"],
            ),
        )
    try:
        patterns = normalise_patterns(values["patterns"])[0]
    except ValueError:
        patterns = ()  # a bad --patterns: make_spec reports it, naming the flag
    for key, message, choices, default in (
        ("broker", "Broker", renderable_brokers(), None),
        ("compatibility", "Schema compatibility for events", COMPATIBILITIES, "FULL"),
    ):
        if key not in steps:
            continue
        if "event" not in patterns:
            print(f"{steps[key]} {message} skipped: no events flow with {','.join(patterns)}")
            continue
        values[key] = ask(
            key,
            questionary.select(message, choices=list(choices), default=default, qmark=steps[key]),
        )
    for key, message, default in _TEXT_QUESTIONS:
        if key in steps:
            values[key] = ask(
                key,
                questionary.text(
                    message, default=default, validate=_validator(key, values), qmark=steps[key]
                ),
            )
    return values


def _validator(key: str, so_far: Mapping[str, object]) -> Callable[[str], bool | str]:
    from advisor.render.context import make_spec

    def check(text: str) -> bool | str:
        # Validate this answer together with those before it (owner != consumer, id field).
        trial: dict[str, Any] = {k: v for k, v in so_far.items() if k != key}
        trial.setdefault("patterns", "api")
        trial[key] = text
        try:
            make_spec(trial)
        except RenderError as exc:
            return exc.message.split(": ", 1)[-1]
        return True

    return check


__all__ = ["ask_project"]
