"""JSON Schema compatibility between two versions of an event, in schema-registry terms.

The question is always "can a *reader* schema accept every document a *writer* schema
allows?". The modes are Confluent Schema Registry's:

- ``BACKWARD``: the new schema reads data written with the old one (reader = new).
- ``FORWARD``: the old schema reads data written with the new one (reader = old).
- ``FULL``: both.
- ``*_TRANSITIVE``: against every earlier version, not only the previous one
  (:func:`versions_to_compare`).

Understood: ``type`` (``integer`` fits ``number``), ``properties``, ``required``
(a required field with a ``default`` is filled by readers), ``enum``/``const``,
``additionalProperties: false``, nested objects and array ``items``. Not resolved:
``$ref``, combinators, and numeric or string bounds.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from advisor.checks.model import Compatibility

Schema = Mapping[str, Any]


def _types(schema: Schema) -> set[str] | None:
    """The JSON types a schema allows, or None for any."""
    declared = schema.get("type")
    if isinstance(declared, str):
        types = {declared}
    elif isinstance(declared, list):
        types = {str(t) for t in declared}
    elif isinstance(schema.get("properties"), Mapping):
        types = {"object"}
    else:
        return None
    return types


def _enum(schema: Schema) -> list[Any] | None:
    if "const" in schema:
        return [schema["const"]]
    values = schema.get("enum")
    return list(values) if isinstance(values, list) else None


def _properties(schema: Schema) -> dict[str, Schema]:
    props = schema.get("properties")
    if not isinstance(props, Mapping):
        return {}
    return {str(k): v if isinstance(v, Mapping) else {} for k, v in props.items()}


def _required(schema: Schema) -> set[str]:
    required = schema.get("required")
    return {str(r) for r in required} if isinstance(required, list) else set()


def _closed(schema: Schema) -> bool:
    return schema.get("additionalProperties") is False


def _label(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name


def reader_problems(writer: Schema, reader: Schema, where: str = "") -> list[str]:
    """Why documents valid under ``writer`` may be rejected by ``reader`` (empty if none)."""
    problems: list[str] = []
    w_types, r_types = _types(writer), _types(reader)
    if r_types is not None:
        allowed = r_types | ({"integer"} if "number" in r_types else set())
        if w_types is None or not w_types <= allowed:
            shown = "any" if w_types is None else "|".join(sorted(w_types))
            problems.append(
                f"'{where or '(root)'}' type changed from {shown} to {'|'.join(sorted(r_types))}"
            )
            return problems
    r_enum, w_enum = _enum(reader), _enum(writer)
    if r_enum is not None:
        if w_enum is None:
            problems.append(f"'{where or '(root)'}' is restricted to an enum {r_enum}")
        elif missing := [v for v in w_enum if v not in r_enum]:
            problems.append(f"'{where or '(root)'}' enum no longer allows {missing}")
    w_props, r_props = _properties(writer), _properties(reader)
    w_required, r_required = _required(writer), _required(reader)
    for name in sorted(r_required - w_required):
        if "default" in r_props.get(name, {}):
            continue
        state = "optional" if name in w_props else "absent"
        problems.append(f"required field '{_label(where, name)}' is {state} in the writer's schema")
    if _closed(reader):
        if extra := sorted(set(w_props) - set(r_props)):
            problems.append(
                f"fields {extra} at '{where or '(root)'}' are rejected "
                "(additionalProperties: false)"
            )
        if not _closed(writer) and w_types is not None and "object" in w_types:
            problems.append(
                f"'{where or '(root)'}' now forbids additional properties the writer allows"
            )
    for name in sorted(set(w_props) & set(r_props)):
        problems.extend(reader_problems(w_props[name], r_props[name], _label(where, name)))
    w_items, r_items = writer.get("items"), reader.get("items")
    if isinstance(w_items, Mapping) and isinstance(r_items, Mapping):
        problems.extend(reader_problems(w_items, r_items, f"{where}[]"))
    return problems


def _renames(old: Schema, new: Schema) -> list[str]:
    """Top-level fields that look renamed: one removed and one added with the same type."""
    old_props, new_props = _properties(old), _properties(new)
    removed = {n: _types(s) for n, s in old_props.items() if n not in new_props}
    added = {n: _types(s) for n, s in new_props.items() if n not in old_props}
    hints = []
    for gone, gone_type in sorted(removed.items()):
        for came, came_type in sorted(added.items()):
            if gone_type == came_type:
                hints.append(f"'{gone}' looks renamed to '{came}'")
                break
    return hints


def compatibility_problems(old: Schema, new: Schema, mode: Compatibility) -> list[str]:
    """Why ``new`` breaks ``mode`` compatibility with ``old`` (empty when compatible).

    Each problem is prefixed with the direction that breaks: ``BACKWARD`` (new readers,
    old data) or ``FORWARD`` (old readers, new data).
    """
    base = mode.removesuffix("_TRANSITIVE")
    problems: list[str] = []
    if base in {"BACKWARD", "FULL"}:
        problems += [f"BACKWARD: {m}" for m in reader_problems(writer=old, reader=new)]
    if base in {"FORWARD", "FULL"}:
        problems += [f"FORWARD: {m}" for m in reader_problems(writer=new, reader=old)]
    if problems:
        problems += _renames(old, new)
    return problems


def versions_to_compare(earlier: list[int], mode: Compatibility) -> list[int]:
    """Which earlier versions a new one is checked against: all (transitive) or the last."""
    ordered = sorted(earlier)
    if mode.endswith("_TRANSITIVE"):
        return ordered
    return ordered[-1:]


__all__ = ["compatibility_problems", "reader_problems", "versions_to_compare"]
