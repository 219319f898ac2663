"""The template's option rules (``templates/microservices/microservices_rules.py``), loaded once.

That module is the one validation path for project options: the template's pre-generation
hook calls it and so does :mod:`advisor.render.context`, so ``advisor new`` and plain
cookiecutter refuse the same values with the same words. It also holds the names a
project option may not take (``reserved.json``, completed with the dependencies the
template's requirement files declare) and the names derived from the options.
"""

from __future__ import annotations

import functools
import importlib.util
from collections.abc import Mapping
from dataclasses import dataclass
from types import ModuleType

from pydantic import TypeAdapter, ValidationError

from advisor.errors import RenderError
from advisor.resources import templates_dir

_KINDS = TypeAdapter(dict[str, dict[str, str]])


@dataclass(frozen=True)
class Reserved:
    """Each reserved name with why, by the option it concerns."""

    #: Python package names (a service's name with dashes as underscores).
    services: Mapping[str, str]
    #: Entity names, compared exactly (they become class names).
    entities: Mapping[str, str]
    #: The entity's lower-case form, which names variables and attributes.
    entity_snake: Mapping[str, str]
    fields: Mapping[str, str]
    field_prefixes: Mapping[str, str]

    def field(self, name: str) -> str | None:
        """Why the field ``name`` is reserved, or None when it is free."""
        if name in self.fields:
            return self.fields[name]
        for prefix, why in self.field_prefixes.items():
            if name.startswith(prefix):
                return why
        return None


@functools.cache
def rules() -> ModuleType:
    """The bundled template's ``microservices_rules`` module (imported once)."""
    path = templates_dir() / "microservices" / "microservices_rules.py"
    try:
        spec = importlib.util.spec_from_file_location("_advisor_microservices_rules", path)
        if spec is None or spec.loader is None:
            raise OSError(f"cannot import {path}")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    except (OSError, ImportError, SyntaxError) as exc:
        # A broken installation, not bad input: still one line, naming the file.
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise RenderError(f"cannot load the template's option rules ({path}): {first}") from None
    return module


@functools.cache
def reserved() -> Reserved:
    """The bundled template's reserved names (read once)."""
    path = templates_dir() / "microservices" / "reserved.json"
    try:
        kinds = _KINDS.validate_python(rules().reserved_names())
        return Reserved(
            services=kinds["services"],
            entities=kinds["entities"],
            entity_snake=kinds["entity_snake"],
            fields=kinds["fields"],
            field_prefixes=kinds["field_prefixes"],
        )
    except (OSError, ValueError, KeyError, ValidationError) as exc:
        # A broken installation, not bad input: still one line, naming the file.
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise RenderError(f"cannot read the template's reserved names ({path}): {first}") from None


__all__ = ["Reserved", "reserved", "rules"]
