"""Jinja filters for the microservices template (loaded through ``_extensions``).

They turn the free-text and list-shaped context values into safe literals, so the
template never splices raw text into Python, TOML, YAML or JSON. The rules for the options
themselves (validation, reserved and derived names) are in ``microservices_rules.py``,
which advisor's own validation loads too; cookiecutter puts this folder on the import
path while it renders. ``broker_profiles`` is the one table of the brokers the template
renders (``brokers.json``, read by ``microservices_rules``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from jinja2 import Environment
from jinja2.ext import Extension

import microservices_rules as rules

_PY = {"str": "str", "int": "int", "float": "float", "bool": "bool"}
_JSON = {"str": "string", "int": "integer", "float": "number", "bool": "boolean"}
_SAMPLES = {
    "str": ('"alpha"', '"beta"'),
    "int": ("7", "8"),
    "float": ("1.5", "2.5"),
    "bool": ("True", "False"),
}
_JSON_SAMPLES = {"str": ('"alpha"', '"beta"'), "int": ("7", "8"), "float": ("1.5", "2.5"),
                 "bool": ("true", "false")}


def parse_fields(raw: object) -> list[tuple[str, str]]:
    """``"name:str,age:int"`` -> ``[("name", "str"), ("age", "int")]`` (type defaults to str)."""
    fields = []
    for item in str(raw).split(","):
        if not item.strip():
            continue
        name, _, kind = item.partition(":")
        fields.append((name.strip(), kind.strip() or "str"))
    return fields


def json_str(value: object) -> str:
    """A JSON string literal, non-ASCII kept: also a valid Python, TOML and YAML string."""
    return json.dumps(str(value), ensure_ascii=False)


def chosen_patterns(raw: object) -> tuple[str, ...]:
    """The patterns a ``patterns`` value selects (``replica`` implies ``event``); () if invalid.

    An invalid value renders nothing here: the pre-generation hook then refuses it.
    """
    try:
        return rules.parse_patterns(raw)[0]
    except ValueError:
        return ()


def project_problem(context: Mapping[str, Any]) -> str:
    """The first refused option in a cookiecutter context, as ``"option: why"``; "" if none."""
    # The template's options have the names advisor's flags and project record use.
    problem = rules.first_problem({key: context[key] for key in rules.OPTIONS})
    slug = rules.slug_problem(context["project_slug"])
    if problem is None and slug is not None:
        problem = ("project_slug", slug)
    return "" if problem is None else f"{problem[0]}: {problem[1]}"


def to_json(value: object) -> str:
    """A JSON literal (non-ASCII kept, nothing HTML-escaped): valid YAML flow style too."""
    return json.dumps(value, ensure_ascii=False)


def pydantic_title(name: object) -> str:
    """The title pydantic gives a field named ``name``."""
    return str(name).title().replace("_", " ")


def sample(kind: str, which: int = 0) -> str:
    """One of two distinct Python literals of a field type (tests' example values)."""
    return _SAMPLES[kind][which]


def json_sample(kind: str, which: int = 0) -> str:
    """The same, as JSON literals."""
    return _JSON_SAMPLES[kind][which]


class Microservices(Extension):
    """Adds the template's filters."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.filters.update(
            {
                "fields": parse_fields,
                "json_str": json_str,
                "json": to_json,
                "pytype": _PY.__getitem__,
                "jsontype": _JSON.__getitem__,
                "sample": sample,
                "json_sample": json_sample,
                "field_title": pydantic_title,
            }
        )
        environment.globals["reserved_names"] = rules.reserved_names
        environment.globals["project_problem"] = project_problem
        environment.globals["chosen_patterns"] = chosen_patterns
        environment.globals["limits"] = rules.LIMITS
        environment.globals["broker_profiles"] = rules.broker_profiles
        environment.globals["api_profiles"] = rules.api_profiles
        # Derived names, so cookiecutter.json and advisor derive them one way.
        for derive in (
            rules.package,
            rules.short_name,
            rules.sdk_package,
            rules.bff_service,
            rules.grpc_package,
        ):
            environment.globals[derive.__name__] = derive
