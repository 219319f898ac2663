"""ProjectSpec: every value that reaches the template is checked at the edge."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from advisor.errors import RenderError
from advisor.recommendation import Recommendation
from advisor.render import context
from advisor.render.context import (
    DEFAULT_FIELDS,
    ProjectSpec,
    make_spec,
    normalise_patterns,
    renderable_brokers,
    spec_from_recommendation,
)
from advisor.types import BROKERS


def _spec(**values: object) -> ProjectSpec:
    return make_spec({"patterns": "api", **values})


@pytest.mark.parametrize(
    ("key", "value", "flag"),
    [
        ("owner", "../x", "--owner"),
        ("owner", "a/b", "--owner"),
        ("consumer", "a\\b", "--consumer"),
        ("owner", 'us"er', "--owner"),
        ("owner", "User-Service", "--owner"),
        ("owner", "ü-service", "--owner"),
        ("owner", "", "--owner"),
        ("owner", "class", "--owner"),
        ("owner", "json", "--owner"),  # would shadow the stdlib module
        ("owner", "a" * 41, "--owner"),
        ("owner", "user--service", "--owner"),
        ("entity", "class", "--entity"),
        ("entity", "None", "--entity"),
        ("entity", "Exception", "--entity"),
        ("entity", "Us'er", "--entity"),
        ("entity", "Üser", "--entity"),
        ("entity", "user", "--entity"),
        ("entity", "../User", "--entity"),
        ("fields", "class", "--fields"),
        ("fields", "name,name:int", "--fields"),
        ("fields", "user_id:int", "--fields"),
        ("fields", "id", "--fields"),
        ("fields", "name:list", "--fields"),
        ("fields", "Name", "--fields"),
        ("fields", "../etc", "--fields"),
        ("fields", "", "--fields"),
        ("fields", "model_config", "--fields"),
        ("name", "{{7*7}}", "--name"),
        ("name", "a {% if true %}", "--name"),
        ("name", "{# comment #}", "--name"),
        ("name", "line\nbreak", "--name"),
        ("name", "nul\x00", "--name"),
        ("name", "evil\u202e", "--name"),  # a bidi override ("Trojan Source")
        ("name", "para\u2029graph", "--name"),
        ("name", "", "--name"),
        ("name", "   ", "--name"),
        ("name", "x" * 81, "--name"),
        ("name", "!!!", "--name"),  # nothing to make a folder name from
        ("broker", "pulsar", "--broker"),
        ("compatibility", "NONE", "--compatibility"),
        ("patterns", "api,graphql", "--patterns"),
        ("patterns", "", "--patterns"),
    ],
)
def test_hostile_values_are_refused_naming_the_flag(key: str, value: str, flag: str) -> None:
    with pytest.raises(RenderError) as caught:
        _spec(**{key: value})
    message = str(caught.value)
    assert message.startswith(f"{flag}: ")
    assert "\n" not in message


def test_owner_and_consumer_must_differ() -> None:
    with pytest.raises(RenderError, match=r"^--owner/--consumer: "):
        _spec(owner="user-service", consumer="user-service")


def test_id_field_follows_the_entity() -> None:
    with pytest.raises(RenderError, match="order_id"):
        _spec(entity="Order", fields="order_id:int")
    assert _spec(entity="Order", fields="user_id:int").fields == (("user_id", "int"),)


@pytest.mark.parametrize(
    ("raw", "expected", "noted"),
    [
        ("api", ("api",), False),
        ("sdk,api", ("api", "sdk"), False),
        ("replica", ("event", "replica"), True),
        ("replica,api,replica", ("api", "event", "replica"), True),
        ([" SDK ", "event"], ("event", "sdk"), False),
        ("event,replica", ("event", "replica"), False),
    ],
)
def test_patterns_are_normalised(raw: object, expected: tuple[str, ...], noted: bool) -> None:
    patterns, notes = normalise_patterns(raw)
    assert patterns == expected
    assert bool(notes) is noted
    spec = make_spec({"patterns": raw})
    assert spec.patterns == expected
    assert bool(spec.notes) is noted


def test_default_fields_are_the_documented_ones() -> None:
    assert _spec().fields_text() == DEFAULT_FIELDS


def test_fields_default_to_str_and_are_written_in_full() -> None:
    spec = _spec(fields=" name , age:int,score:float , active:bool")
    assert spec.fields_text() == "name:str,age:int,score:float,active:bool"


def test_context_has_exactly_the_templates_public_keys(repo_root: Path) -> None:
    contract = json.loads(
        (repo_root / "templates" / "microservices" / "cookiecutter.json").read_text("utf-8")
    )
    public = {key for key in contract if not key.startswith("_")}
    context = _spec().to_cookiecutter_context()
    assert set(context) == public
    assert all(isinstance(value, str) for value in context.values())
    # Choice values must be among the template's choices, or cookiecutter refuses them.
    assert context["broker"] in contract["broker"]
    assert context["compatibility"] in contract["compatibility"]


def test_free_text_name_keeps_quotes_backslashes_and_unicode() -> None:
    name = "Qu\"o't\\e — é 🚀 👩\u200d💻 \U0001f3f4\U000e0067\U000e0062\U000e007f"
    spec = _spec(name=name)
    assert spec.name == name
    assert spec.to_cookiecutter_context()["project_slug"] == spec.slug
    assert spec.slug and spec.slug.isascii()


@given(st.text(max_size=100))
def test_any_name_is_either_refused_cleanly_or_safe(name: str) -> None:
    try:
        spec = _spec(name=name)
    except RenderError as exc:
        assert str(exc).startswith("--name: ")
        return
    assert not any(d in spec.name for d in ("{{", "{%", "{#"))
    for char in spec.name:
        category = unicodedata.category(char)
        assert category not in {"Cc", "Cs", "Co", "Zl", "Zp"}
        assert category != "Cf" or char in "\u200c\u200d" or "\U000e0020" <= char <= "\U000e007f"
    assert spec.slug


def _rec(patterns: list[str], broker: str | None) -> Recommendation:
    return Recommendation.model_validate(
        {
            "strategy": patterns[-1],
            "patterns": patterns,
            "broker": broker,
            "ranking": [],
            "practices": [],
            "warnings": [],
            "rules_fired": [],
            "answers": {"freshness": "seconds"},
        }
    )


def test_spec_from_recommendation_takes_patterns_and_broker() -> None:
    spec = spec_from_recommendation(_rec(["event", "replica"], "rabbitmq"))
    assert spec.patterns == ("event", "replica")
    assert spec.broker == "rabbitmq"


def test_flags_override_the_recommendation_but_none_does_not() -> None:
    spec = spec_from_recommendation(
        _rec(["api"], None), {"patterns": "api,sdk", "owner": "billing", "broker": None}
    )
    assert spec.patterns == ("api", "sdk")
    assert spec.owner == "billing"
    assert spec.broker == "kafka"


def test_unrenderable_broker_asks_for_broker_flag(monkeypatch: pytest.MonkeyPatch) -> None:
    # Every broker renders with the bundled template; a template without one must still say so.
    monkeypatch.setattr(context, "renderable_brokers", lambda: ("kafka", "rabbitmq", "nats"))
    with pytest.raises(RenderError, match=r"--broker kafka\|rabbitmq\|nats"):
        spec_from_recommendation(_rec(["event"], "sns-sqs"))
    spec = spec_from_recommendation(_rec(["event"], "sns-sqs"), {"broker": "rabbitmq"})
    assert spec.broker == "rabbitmq"


def test_every_broker_the_advisor_may_recommend_renders() -> None:
    assert set(renderable_brokers()) == set(BROKERS)


@pytest.mark.parametrize("broker", ["nats", "sns-sqs"])
def test_a_recommended_broker_renders_without_a_flag(broker: str) -> None:
    assert spec_from_recommendation(_rec(["event"], broker)).broker == broker
