{%- set e = cookiecutter.__entity_snake -%}
"""The event contracts this consumer accepts: ``contracts/events/<type>/v<N>.schema.json``.

The folder is found through ``CONTRACTS_DIR`` or, by default, at the project root
(the Dockerfile copies it next to the services).
"""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

UPSERTED = "{{ e }}.upserted"
DELETED = "{{ e }}.deleted"
KNOWN_TYPES = (UPSERTED, DELETED)


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


def parse(raw: bytes) -> dict[str, Any]:
    """The envelope in ``raw``, checked against its contract; PoisonMessage if it cannot be used."""
    try:
        envelope = json.loads(raw)
    except (UnicodeDecodeError, ValueError) as exc:
        raise PoisonMessage(f"malformed JSON: {exc}") from None
    if not isinstance(envelope, dict):
        raise PoisonMessage("the envelope is not a JSON object")
    event_type = envelope.get("type")
    if event_type not in KNOWN_TYPES:
        raise PoisonMessage(f"unknown event type {event_type!r}")
    version = envelope.get("schemaversion")
    if not isinstance(version, int) or isinstance(version, bool):
        raise PoisonMessage(f"bad schemaversion {version!r}")
    error = next(iter(validator(event_type, version).iter_errors(envelope)), None)
    if error is not None:
        where = "/".join(str(part) for part in error.absolute_path) or "(root)"
        raise PoisonMessage(f"schema violation at {where}: {error.message}")
    return envelope
