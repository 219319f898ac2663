"""Jinja filters for the microservices template (loaded through ``_extensions``).

They turn the free-text and list-shaped context values into safe literals, so the
template never splices raw text into Python, TOML, YAML or JSON.
"""

import json

from jinja2 import Environment
from jinja2.ext import Extension

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


def parse_fields(raw):
    """``"name:str,age:int"`` -> ``[("name", "str"), ("age", "int")]`` (type defaults to str)."""
    fields = []
    for item in str(raw).split(","):
        if not item.strip():
            continue
        name, _, kind = item.partition(":")
        fields.append((name.strip(), kind.strip() or "str"))
    return fields


def json_str(value):
    """A JSON string literal, non-ASCII kept: also a valid Python, TOML and YAML string."""
    return json.dumps(str(value), ensure_ascii=False)


def pydantic_title(name):
    """The title pydantic gives a field named ``name``."""
    return str(name).title().replace("_", " ")


class Microservices(Extension):
    """Adds the template's filters."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.filters.update(
            {
                "fields": parse_fields,
                "json_str": json_str,
                "pytype": lambda kind: _PY[kind],
                "jsontype": lambda kind: _JSON[kind],
                "sample": lambda kind, which=0: _SAMPLES[kind][which],
                "json_sample": lambda kind, which=0: _JSON_SAMPLES[kind][which],
                "field_title": pydantic_title,
            }
        )
