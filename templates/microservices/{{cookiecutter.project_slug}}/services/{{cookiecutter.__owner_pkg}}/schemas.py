{%- set E = cookiecutter.entity -%}
{%- set e = cookiecutter.__entity_snake -%}
"""The HTTP contract of {{ cookiecutter.owner_service }} (committed as contracts/openapi/{{ cookiecutter.owner_service }}.json)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class {{ E }}In(BaseModel):
    """The fields a client sends to create or replace a {{ E }}."""

    model_config = ConfigDict(extra="forbid")
{% for name, kind in cookiecutter.fields | fields %}
    {{ name }}: {{ kind | pytype }}
{%- endfor %}


class {{ E }}Out({{ E }}In):
    """A stored {{ E }}, with its id and its version."""

    model_config = ConfigDict(from_attributes=True)

    {{ e }}_id: str
    version: int


class {{ E }}Page(BaseModel):
    """One page of the export; pass ``next_after`` as ``after`` to get the next one."""

    items: list[{{ E }}Out]
    next_after: str | None
