"""The project wizard asks only what the flags left open, and validates like the flags."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import questionary

from advisor.render.context import make_spec
from advisor.wizard.project_prompt import ask_project


class FakeQuestion:
    def __init__(self, answer: object) -> None:
        self.answer = answer

    def unsafe_ask(self) -> object:
        if isinstance(self.answer, BaseException):
            raise self.answer
        return self.answer


@pytest.fixture
def asked(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Replace questionary's prompts; record each question and answer from a script."""
    record: dict[str, Any] = {"messages": [], "validators": {}, "script": {}}

    def fake(kind: str) -> Callable[..., FakeQuestion]:
        def prompt(message: str, **kwargs: Any) -> FakeQuestion:
            record["messages"].append(message)
            if "validate" in kwargs:
                record["validators"][message] = kwargs["validate"]
            answer = record["script"].get(message, kwargs.get("default"))
            if answer is None and kind == "checkbox":
                answer = ["api"]
            if answer is None and kind == "select":
                answer = kwargs["choices"][0]
            return FakeQuestion(answer)

        return prompt

    for kind in ("checkbox", "select", "text"):
        monkeypatch.setattr(questionary, kind, fake(kind))
    return record


def test_asks_everything_when_nothing_given(asked: dict[str, Any]) -> None:
    asked["script"] = {
        "Patterns to render (space to select)": ["replica"],
        "Broker": "rabbitmq",
        "Service that owns the data": "billing",
    }
    values = ask_project({})
    spec = make_spec(values)
    assert spec.patterns == ("event", "replica")
    assert spec.broker == "rabbitmq"
    assert spec.owner == "billing"
    assert "Broker" in asked["messages"]


def test_skips_what_flags_set_and_broker_without_events(asked: dict[str, Any]) -> None:
    values = ask_project({"patterns": "api", "owner": "billing", "name": None})
    assert values["owner"] == "billing"
    assert "Service that owns the data" not in asked["messages"]
    assert "Broker" not in asked["messages"]
    assert "Project name" in asked["messages"]


def test_text_answers_are_validated_like_flags(asked: dict[str, Any]) -> None:
    ask_project({"patterns": "api", "owner": "billing"})
    check_consumer = asked["validators"]["Service that consumes it"]
    assert check_consumer("invoice-service") is True
    assert "differ" in check_consumer("billing")
    assert "path" in check_consumer("../x")
    check_name = asked["validators"]["Project name"]
    assert "delimiter" in check_name("{{7*7}}")


def test_ctrl_c_interrupts(asked: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    # questionary's unsafe_ask raises KeyboardInterrupt when the user presses Ctrl-C.
    monkeypatch.setattr(
        questionary, "text", lambda message, **kwargs: FakeQuestion(KeyboardInterrupt())
    )
    with pytest.raises(KeyboardInterrupt):
        ask_project({"patterns": "api"})
