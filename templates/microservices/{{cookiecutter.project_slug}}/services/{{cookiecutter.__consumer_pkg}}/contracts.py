{%- set e = cookiecutter.__entity_snake -%}
"""The event contracts this consumer accepts: ``contracts/events/<type>/v<N>.schema.json``.

The folder is found through ``CONTRACTS_DIR`` or, by default, at the project root
(the Dockerfile copies it next to the services).

``READS`` is the schema version of each event type this code reads. A newer event is read
as that version (its added optional fields are ignored); an older one is lifted to it by
the upcasters in ``upcasters.py``.
"""

from __future__ import annotations

import copy
import functools
import json
import os
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from {{ cookiecutter.__consumer_pkg }}.upcasters import UPCASTERS

UPSERTED = "{{ e }}.upserted"
DELETED = "{{ e }}.deleted"
#: The schema version of each event type this consumer's code reads.
READS = {UPSERTED: 1, DELETED: 1}


class PoisonMessage(Exception):
    """A message no retry can fix: not JSON, an unknown type, or data breaking its schema."""


def contracts_dir() -> Path:
    """Where the JSON Schemas are."""
    configured = os.environ.get("CONTRACTS_DIR")
    return Path(configured) if configured else Path(__file__).resolve().parents[2] / "contracts"


@functools.cache
def validator(event_type: str, version: int) -> Draft202012Validator:
    """The validator of one event type at one schema version."""
    path = contracts_dir() / "events" / event_type / f"v{version}.schema.json"
    if not path.is_file():
        raise PoisonMessage(f"no schema for {event_type} v{version}")
    schema = json.loads(path.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def check(envelope: dict[str, Any], version: int) -> None:
    """PoisonMessage unless ``envelope`` is valid under schema ``version`` of its type."""
    error = next(iter(validator(envelope["type"], version).iter_errors(envelope)), None)
    if error is not None:
        where = "/".join(str(part) for part in error.absolute_path) or "(root)"
        raise PoisonMessage(f"schema violation at {where}: {error.message}")


def upcast(envelope: dict[str, Any], version: int) -> dict[str, Any]:
    """``envelope`` (valid at its own schema version) lifted step by step to ``version``."""
    event_type = envelope["type"]
    lifted = copy.deepcopy(envelope)
    for step in range(envelope["schemaversion"], version):
        function = UPCASTERS.get((event_type, step))
        if function is None:
            raise PoisonMessage(f"no upcaster for {event_type} v{step} -> v{step + 1}")
        lifted = function(lifted)
        lifted["schemaversion"] = step + 1
    return lifted


def parse(raw: bytes) -> dict[str, Any]:
    """The envelope in ``raw``, read at the version in ``READS``; PoisonMessage if unusable."""
    try:
        envelope = json.loads(raw)
    except (UnicodeDecodeError, ValueError) as exc:
        raise PoisonMessage(f"malformed JSON: {exc}") from None
    if not isinstance(envelope, dict):
        raise PoisonMessage("the envelope is not a JSON object")
    event_type = envelope.get("type")
    if event_type not in READS:
        raise PoisonMessage(f"unknown event type {event_type!r}")
    version = envelope.get("schemaversion")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise PoisonMessage(f"bad schemaversion {version!r}")
    reads = READS[event_type]
    if version > reads:
        # Tolerant reader: a compatible newer version is valid under the one read.
        check(envelope, reads)
        return envelope
    check(envelope, version)
    if version == reads:
        return envelope
    lifted = upcast(envelope, reads)
    check(lifted, reads)
    return lifted
