{%- set E = cookiecutter.entity -%}
{%- set e = cookiecutter.__entity_snake -%}
"""Data shapes of {{ cookiecutter.owner }}'s API (components of its OpenAPI document)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class {{ E }}In(BaseModel):
    """What a client sends to create or replace a {{ E }}."""

    model_config = ConfigDict(extra="forbid")
{% for name, kind in cookiecutter.fields | fields %}
    {{ name }}: {{ kind | pytype }}
{%- endfor %}


class {{ E }}({{ E }}In):
    """A stored {{ E }}. Unknown fields are ignored so that new optional fields do not break clients."""

    model_config = ConfigDict(extra="ignore")

    {{ e }}_id: str
    version: int


class {{ E }}Page(BaseModel):
    """One page of the export."""

    items: list[{{ E }}]
    next_after: str | None
