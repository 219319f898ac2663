{%- set E = cookiecutter.entity -%}
{%- set e = cookiecutter.__entity_snake -%}
{%- set types = {'str': 'Text', 'int': 'Int32', 'float': 'Number', 'bool': 'Flag'} -%}
"""The HTTP contract of {{ cookiecutter.owner }} (committed as contracts/openapi/{{ cookiecutter.owner }}.json).

Every limit a column has is declared here, so the OpenAPI document says what is accepted
and anything else is a 422 at the door, never a database error: ids match ``ID_PATTERN``
(no ``..``, no spaces, at most the id column's length), text fits its column and holds no
NUL (PostgreSQL text cannot), integers fit 32 bits, numbers are finite. Types are strict:
``"5"`` or ``true`` is no integer. Lone surrogates are refused by pydantic itself.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from {{ cookiecutter.__owner_pkg }}.models import INT_MAX, INT_MIN, TEXT_MAX_LENGTH

#: What a {{ e }} id may be (the API checks it, with the id column's length, on every path and
#: on ``after``): letters, digits, ``.``, ``_`` and ``-``, starting with a letter or digit.
ID_PATTERN = r"{{ limits.id_pattern }}"
#: What a text field may hold: anything but NUL.
TEXT_PATTERN = r"{{ limits.text_pattern }}"

Text = Annotated[str, Field(strict=True, max_length=TEXT_MAX_LENGTH, pattern=TEXT_PATTERN)]
Int32 = Annotated[int, Field(strict=True, ge=INT_MIN, le=INT_MAX)]
Number = Annotated[float, Field(strict=True, allow_inf_nan=False)]
Flag = Annotated[bool, Field(strict=True)]


class {{ E }}In(BaseModel):
    """The fields a client sends to create or replace a {{ E }}."""

    model_config = ConfigDict(extra="forbid")
{% for name, kind in cookiecutter.fields | fields %}
    {{ name }}: {{ types[kind] }}
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
