"""One source for every list: advisor's types agree with the template's rules and choices."""

from __future__ import annotations

import json

from advisor.questions.model import answers_schema
from advisor.render.context import FIELD_TYPES, ProjectSpec, renderable_apis, renderable_brokers
from advisor.render.reserved import rules
from advisor.render.scaffold import default_template_dir
from advisor.types import APIS, BROKERS, COMPATIBILITIES, STRATEGIES

COOKIECUTTER = json.loads((default_template_dir() / "cookiecutter.json").read_text("utf-8"))


def test_patterns_agree() -> None:
    assert tuple(rules().PATTERNS) == STRATEGIES


def test_compatibility_modes_agree() -> None:
    assert tuple(rules().COMPATIBILITIES) == COMPATIBILITIES
    assert tuple(COOKIECUTTER["compatibility"]) == COMPATIBILITIES
    schema = answers_schema()["properties"]["compatibility"]["enum"]
    assert sorted(schema) == sorted(COMPATIBILITIES)


def test_field_types_agree() -> None:
    assert tuple(rules().FIELD_TYPES) == FIELD_TYPES


def test_brokers_agree() -> None:
    choices = tuple(COOKIECUTTER["broker"])
    assert tuple(rules().brokers()) == choices
    # Every broker the template renders is one the advice knows, in the same order.
    assert renderable_brokers() == tuple(b for b in BROKERS if b in choices)
    assert set(choices) <= set(BROKERS)


def test_apis_agree() -> None:
    # cookiecutter.json's choices, the api profiles (apis.json) and advisor's type: one list,
    # with http first, the default everywhere.
    choices = tuple(COOKIECUTTER["api"])
    assert tuple(rules().apis()) == choices == APIS
    assert choices[0] == "http" == ProjectSpec.model_fields["api"].default
    assert renderable_apis() == APIS
