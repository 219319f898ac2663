"""Validate the answers before anything is rendered: plain cookiecutter runs skip advisor's checks."""

import builtins
import json
import keyword
import re
import sys

SLUG = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*", re.ASCII)
PASCAL = re.compile(r"[A-Z][A-Za-z0-9]*", re.ASCII)
SNAKE = re.compile(r"[a-z][a-z0-9_]*", re.ASCII)
TYPES = ("str", "int", "float", "bool")
PATTERNS = ("api", "event", "replica", "sdk")
# The brokers the template renders: its broker table (brokers.json).
BROKERS = tuple(json.loads({{ broker_profiles() | list | tojson | json_str }}))
COMPATIBILITIES = (
    "FULL", "BACKWARD", "FORWARD", "FULL_TRANSITIVE", "BACKWARD_TRANSITIVE", "FORWARD_TRANSITIVE",
)
# The names the generated project already uses (reserved.json and the template's
# dependencies), from the same function advisor's own validation reads.
RESERVED = json.loads({{ reserved_names() | tojson | json_str }})
SDK_PKG = {{ cookiecutter.__sdk_pkg | json_str }}

values = {
    "project_slug": {{ cookiecutter.project_slug | json_str }},
    "owner_service": {{ cookiecutter.owner_service | json_str }},
    "consumer_service": {{ cookiecutter.consumer_service | json_str }},
    "entity": {{ cookiecutter.entity | json_str }},
    "fields": {{ cookiecutter.fields | json_str }},
    "patterns": {{ cookiecutter.patterns | json_str }},
    "broker": {{ cookiecutter.broker | json_str }},
    "compatibility": {{ cookiecutter.compatibility | json_str }},
    "bff": {{ cookiecutter.bff | json_str }},
}
BFF_SERVICE = {{ cookiecutter.__bff_service | json_str }}


def fail(key, message):
    """Stop the rendering with one clear line naming the option."""
    sys.stderr.write(f"error: {key}: {message} (got {values[key]!r})\n")
    sys.exit(1)


def main():
    """Check every option; the first bad one stops the run."""
    if not SLUG.fullmatch(values["project_slug"]):
        fail("project_slug", "must be a lowercase ASCII slug like 'users-and-orders'")
    for key in ("owner_service", "consumer_service"):
        value = values[key]
        if not SLUG.fullmatch(value) or len(value) > 40:
            fail(key, "must be a lowercase ASCII slug like 'user-service' (at most 40 chars)")
        package = value.replace("-", "_")
        if keyword.iskeyword(package) or package in sys.stdlib_module_names:
            fail(key, "would make a package name that clashes with Python's own")
        if package in RESERVED["services"]:
            fail(key, f"is reserved: its package {package!r} would shadow {RESERVED['services'][package]}")
    if values["owner_service"] == values["consumer_service"]:
        fail("consumer_service", "must differ from owner_service")
    if values["consumer_service"].replace("-", "_") == SDK_PKG:
        fail("consumer_service", f"would make the package {SDK_PKG!r}, the name of the owner's SDK")
    entity = values["entity"]
    if not PASCAL.fullmatch(entity) or len(entity) > 40:
        fail("entity", "must be a PascalCase ASCII identifier like 'User'")
    if keyword.iskeyword(entity) or hasattr(builtins, entity):
        fail("entity", "clashes with a Python keyword or builtin")
    if entity in RESERVED["entities"]:
        fail("entity", f"is reserved: {RESERVED['entities'][entity]}")
    snake = entity.lower()
    if keyword.iskeyword(snake) or hasattr(builtins, snake):
        fail("entity", f"is reserved: its lower-case form {snake!r} is a Python keyword or builtin")
    if snake in RESERVED["entity_snake"]:
        fail("entity", f"is reserved: its lower-case form {snake!r} is {RESERVED['entity_snake'][snake]}")
    id_field = entity.lower() + "_id"
    seen = set()
    items = [item.strip() for item in values["fields"].split(",")]
    if not any(items):
        fail("fields", "needs at least one field like 'name:str'")
    for item in items:
        name, _, kind = item.partition(":")
        name, kind = name.strip(), (kind.strip() or "str")
        if not SNAKE.fullmatch(name) or keyword.iskeyword(name) or keyword.issoftkeyword(name):
            fail("fields", f"field name {name!r} must be a snake_case identifier, not a keyword")
        if name in ("id", id_field):
            fail("fields", f"field name {name!r} is the entity's id, which is always present")
        if name in RESERVED["fields"]:
            fail("fields", f"field name {name!r} is reserved: {RESERVED['fields'][name]}")
        for prefix, why in RESERVED["field_prefixes"].items():
            if name.startswith(prefix):
                fail("fields", f"field name {name!r} is reserved: {why}")
        if kind not in TYPES:
            fail("fields", f"field {name!r} has unknown type {kind!r}; choose from {TYPES}")
        if name in seen:
            fail("fields", f"duplicate field {name!r}")
        seen.add(name)
    patterns = [p.strip().lower() for p in values["patterns"].split(",") if p.strip()]
    if not patterns:
        fail("patterns", f"needs at least one of {', '.join(PATTERNS)}")
    for pattern in patterns:
        if pattern not in PATTERNS:
            fail("patterns", f"unknown pattern {pattern!r}; choose from {', '.join(PATTERNS)}")
    if values["broker"] not in BROKERS:
        fail("broker", f"must be one of {', '.join(BROKERS)}")
    if values["compatibility"] not in COMPATIBILITIES:
        fail("compatibility", f"must be one of {', '.join(COMPATIBILITIES)}")
    if values["bff"] not in ("no", "yes"):
        fail("bff", "must be no or yes")
    if values["bff"] == "yes":
        if not {"api", "sdk"} & set(patterns):
            fail("bff", "needs the api or sdk pattern: the backend for frontend reads the owner over HTTP")
        if values["owner_service"] == BFF_SERVICE:
            fail("owner_service", f"is the backend for frontend's name with bff=yes ({BFF_SERVICE})")


main()
