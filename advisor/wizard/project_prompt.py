"""The wizard's project questions for ``advisor new``: patterns, broker, names.

Prompting lives only under ``advisor/questions/``. Each answer is checked with the same
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


def ask_project(given: Mapping[str, object]) -> dict[str, object]:
    """Ask what ``given`` (values already set by flags) leaves open; return all values.

    Returns raw values for :func:`advisor.render.context.make_spec`.
    """
    import questionary

    values: dict[str, object] = {key: value for key, value in given.items() if value is not None}
    if "patterns" not in values:
        picked = questionary.checkbox(
            "Patterns to render (space to select)",
            choices=[
                questionary.Choice(_PATTERN_HELP[s], value=s, checked=s in ("api", "event"))
                for s in STRATEGIES
            ],
            validate=lambda chosen: bool(chosen) or "choose at least one pattern",
        ).ask()
        values["patterns"] = _answered(picked)
    try:
        patterns = normalise_patterns(values["patterns"])[0]
    except ValueError:
        patterns = ()  # a bad --pattern: make_spec reports it, naming the flag
    needs_broker = "event" in patterns
    if needs_broker and "broker" not in values:
        values["broker"] = _answered(
            questionary.select("Broker", choices=list(renderable_brokers())).ask()
        )
    if needs_broker and "compatibility" not in values:
        values["compatibility"] = _answered(
            questionary.select(
                "Schema compatibility for events", choices=list(COMPATIBILITIES), default="FULL"
            ).ask()
        )
    for key, message, default in _TEXT_QUESTIONS:
        if key in values:
            continue
        values[key] = _answered(
            questionary.text(message, default=default, validate=_validator(key, values)).ask()
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


def _answered(value: object) -> object:
    # questionary returns None when the user presses Ctrl-C: the CLI reports "interrupted".
    if value is None:
        raise KeyboardInterrupt
    return value


__all__ = ["ask_project"]
