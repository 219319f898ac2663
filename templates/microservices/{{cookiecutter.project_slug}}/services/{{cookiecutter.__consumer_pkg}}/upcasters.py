{%- set e = cookiecutter.__entity_snake -%}
"""Upcasters: lift an event written at an older schema version to the next one.

``contracts.READS`` says which schema version of each event type this code reads. An older
event is validated against its own schema, then lifted one version at a time with the
functions registered here, keyed by (event type, version lifted from). ``contracts.parse``
sets ``schemaversion`` after each step and validates the result against the version read,
so an upcaster only reshapes ``data``. A needed step with no upcaster is a poison message.

To read v2 of ``{{ e }}.upserted``:

1. add ``contracts/events/{{ e }}.upserted/v2.schema.json`` (``advisor check`` verifies it is
   compatible with v1);
2. register the step here, e.g. for an optional field added in v2::

       @upcaster("{{ e }}.upserted", 1)
       def upserted_v1_to_v2(envelope: Envelope) -> Envelope:
           envelope["data"].setdefault("nickname", None)
           return envelope

3. set ``READS["{{ e }}.upserted"] = 2`` in ``contracts.py``.

A newer event than the version read needs nothing: it is validated against the version
read and the fields it adds are ignored (tolerant reader).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Envelope = dict[str, Any]
Upcaster = Callable[[Envelope], Envelope]

#: (event type, version it lifts from) -> function returning the envelope one version up.
UPCASTERS: dict[tuple[str, int], Upcaster] = {}


def upcaster(event_type: str, from_version: int) -> Callable[[Upcaster], Upcaster]:
    """Register the decorated function as the step ``from_version`` -> ``from_version + 1``."""

    def register(function: Upcaster) -> Upcaster:
        UPCASTERS[(event_type, from_version)] = function
        return function

    return register
