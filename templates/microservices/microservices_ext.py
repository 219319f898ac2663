"""Jinja filters for the microservices template (loaded through ``_extensions``).

They turn the free-text and list-shaped context values into safe literals, so the
template never splices raw text into Python, TOML, YAML or JSON. ``reserved_names`` is
also advisor's source of the names a project option may not take (advisor/render/reserved.py
loads this file), so plain cookiecutter and ``advisor new`` refuse the same values;
``broker_profiles`` is the one table of the brokers the template renders (``brokers.json``).
"""

import json
import re
from pathlib import Path

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


_HERE = Path(__file__).resolve().parent
# One requirement per line, as requirements files and TOML arrays write them: the name,
# optional extras (which may hold Jinja), then a version operator.
_REQUIREMENT = re.compile(
    r'^\s*"?([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]\n]*\])?\s*(?:===|==|~=|!=|>=|<=|<|>)',
    re.MULTILINE,
)


def reserved_names():
    """What each option may not be, from ``reserved.json``: ``{kind: {name: why}}``.

    Kinds: ``services`` (Python package names), ``entities``, ``entity_snake`` (the
    entity's lower-case form), ``fields`` and ``field_prefixes``. The import name of every
    dependency in the template's requirement files is a reserved service name too: a
    service package of that name would shadow it.
    """
    data = json.loads((_HERE / "reserved.json").read_text(encoding="utf-8"))
    reserved = {"services": {}, "entities": {}, "entity_snake": {}, "fields": {},
                "field_prefixes": {}}
    for relative in data["dependency_files"]:
        text = (_HERE / relative).read_text(encoding="utf-8")
        for name in _REQUIREMENT.findall(text):
            package = re.sub(r"[-.]+", "_", name).lower()
            reserved["services"][package] = "a dependency of the generated project"
    for kind in ("services", "entities", "entity_snake", "fields"):
        for group in data[kind]:
            for name in group["names"]:
                reserved[kind][name] = group["why"]
            for prefix in group.get("prefixes", ()):
                reserved["field_prefixes"][prefix] = group["why"]
    return reserved


def broker_profiles():
    """The brokers the template renders, from ``brokers.json``: ``{name: profile}``.

    A profile holds what differs between brokers as values (URLs, the FastStream extra, the
    compose service, dead-letter naming, AsyncAPI server and bindings, docs phrases); what
    differs in code is in ``templates/brokers/<name>/``. Templates read a profile as
    ``broker_profiles()[cookiecutter.broker]``; advisor reads the names from here too.
    """
    data = json.loads((_HERE / "brokers.json").read_text(encoding="utf-8"))
    return dict(data["brokers"])


def to_json(value):
    """A JSON literal (non-ASCII kept, nothing HTML-escaped): valid YAML flow style too."""
    return json.dumps(value, ensure_ascii=False)


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
                "json": to_json,
                "pytype": lambda kind: _PY[kind],
                "jsontype": lambda kind: _JSON[kind],
                "sample": lambda kind, which=0: _SAMPLES[kind][which],
                "json_sample": lambda kind, which=0: _JSON_SAMPLES[kind][which],
                "field_title": pydantic_title,
            }
        )
        environment.globals["reserved_names"] = reserved_names
        environment.globals["broker_profiles"] = broker_profiles
