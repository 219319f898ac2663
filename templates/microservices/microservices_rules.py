"""The template's rules for project options: the one validation path and the derived names.

Both gates call these functions: the pre-generation hook (through the Jinja globals of
``microservices_ext``, so plain cookiecutter refuses bad options) and advisor's own
validation (``advisor/render/context.py``, which loads this file). Standard library only,
plus python-slugify, which cookiecutter itself depends on.

Options have one name everywhere (CLI flag, advisor's model, the project record and the
template context): name, owner, consumer, entity, fields, patterns, broker, compatibility,
bff, api. Each ``*_problem`` function returns why a value is refused, or None.
"""

from __future__ import annotations

import builtins
import json
import keyword
import re
import sys
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from slugify import slugify

HERE = Path(__file__).resolve().parent

#: What each option may not be: ``{kind: {name: why}}`` (see ``reserved_names``).
Reserved = dict[str, dict[str, str]]
#: Why an option is refused: (option, message).
Problem = tuple[str, str]

#: The project options, each under its one name (flags, advisor's model, record, context).
OPTIONS = (
    "name", "owner", "consumer", "entity", "fields", "patterns", "broker", "compatibility", "bff",
    "api",
)
#: The patterns, in their canonical order; ``replica`` is fed by events, so it implies ``event``.
PATTERNS = ("api", "event", "replica", "sdk")
FIELD_TYPES = ("str", "int", "float", "bool")
#: Event schema compatibility modes, with the meanings schema registries give them.
COMPATIBILITIES = (
    "FULL", "BACKWARD", "FORWARD", "FULL_TRANSITIVE", "BACKWARD_TRANSITIVE", "FORWARD_TRANSITIVE",
)
#: The owner's input limits: its columns' sizes, declared in its OpenAPI document and
#: enforced at its door (the service's models.py and schemas.py, the post-generation hook's
#: OpenAPI document). Ids: letters, digits, ".", "_" and "-", starting with a letter or digit.
LIMITS = {
    "id_max_length": 64,
    "id_pattern": r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
    "text_max_length": 1000,
    "text_pattern": r"^[^\x00]*$",
    "int_min": -(2**31),
    "int_max": 2**31 - 1,
}
MAX_NAME = 80
MAX_SLUG = 40
MAX_FIELDS = 30
DEFAULT_FIELDS = "name:str,email:str"

_SLUG = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*", re.ASCII)
_PASCAL = re.compile(r"[A-Z][A-Za-z0-9]*", re.ASCII)
_SNAKE = re.compile(r"[a-z][a-z0-9_]*", re.ASCII)
_JINJA = ("{{", "{%", "{#")
# Control characters, surrogates, private use and line/paragraph separators would break the
# one-line strings, comments and YAML scalars the name is written into. Format characters
# (bidi overrides: "Trojan Source") are refused too, except the joiners and tags emoji use.
_BAD_CATEGORIES = {"Cc", "Cs", "Co", "Zl", "Zp", "Cf"}
# One requirement per line, as requirements files and TOML arrays write them: the name,
# optional extras (which may hold Jinja), then a version operator.
_REQUIREMENT = re.compile(
    r'^\s*"?([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]\n]*\])?\s*(?:===|==|~=|!=|>=|<=|<|>)',
    re.MULTILINE,
)


def broker_profiles() -> dict[str, dict[str, Any]]:
    """The brokers the template renders, from ``brokers.json``: ``{name: profile}``.

    A profile holds what differs between brokers as values (URLs, the FastStream extra, the
    compose service, dead-letter naming, AsyncAPI server and bindings, docs phrases); what
    differs in code is in ``templates/brokers/<name>/``. Templates read a profile as
    ``broker_profiles()[cookiecutter.broker]``.
    """
    data = json.loads((HERE / "brokers.json").read_text(encoding="utf-8"))
    return dict(data["brokers"])


def brokers() -> tuple[str, ...]:
    """The names of the brokers the template renders, in the table's order."""
    return tuple(broker_profiles())


def api_profiles() -> dict[str, dict[str, Any]]:
    """How the owner's API is served to the consumer, from ``apis.json``: ``{name: profile}``.

    The first is the default. As with brokers, values live in the table and code in
    ``templates/apis/<name>/``; ``files`` are the project files only that api keeps.
    """
    data = json.loads((HERE / "apis.json").read_text(encoding="utf-8"))
    return dict(data["apis"])


def apis() -> tuple[str, ...]:
    """The names of the api transports the template renders; the first is the default."""
    return tuple(api_profiles())


def reserved_names() -> Reserved:
    """What each option may not be, from ``reserved.json``: ``{kind: {name: why}}``.

    Kinds: ``services`` (Python package names), ``entities``, ``entity_snake`` (the
    entity's lower-case form), ``fields`` and ``field_prefixes``. The import name of every
    dependency in the template's requirement files and broker profiles is a reserved service name too: a
    service package of that name would shadow it.
    """
    data = json.loads((HERE / "reserved.json").read_text(encoding="utf-8"))
    reserved: Reserved = {"services": {}, "entities": {}, "entity_snake": {}, "fields": {},
                "field_prefixes": {}}
    # The requirement files, and the brokers' own requirements (rendered from the profiles).
    texts = [(HERE / relative).read_text(encoding="utf-8") for relative in data["dependency_files"]]
    for profile in broker_profiles().values():
        texts.extend(profile["requirements"] + profile["dev_requirements"])
    for text in texts:
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


# Derived names: how the generated project names its packages and services.

def package(service: str) -> str:
    """A service's Python package: ``user-service`` -> ``user_service``."""
    return service.replace("-", "_")


def short_name(service: str) -> str:
    """A service without its ``-service`` suffix: ``user-service`` -> ``user``."""
    return service.replace("-service", "")


def sdk_package(owner: str) -> str:
    """The owner's SDK package: ``user-service`` -> ``user_sdk``."""
    return package(short_name(owner)) + "_sdk"


def bff_service(consumer: str) -> str:
    """The backend for frontend: ``order-service`` -> ``order-bff``."""
    return consumer.removesuffix("-service") + "-bff"


def grpc_package(owner: str) -> str:
    """The owner's generated gRPC stubs' top package: ``user-service`` -> ``user_grpc``."""
    return package(short_name(owner)) + "_grpc"


def id_field(entity: str) -> str:
    """The entity's id field, always generated: ``User`` -> ``user_id``."""
    return entity.lower() + "_id"


def parse_patterns(raw: object) -> tuple[tuple[str, ...], list[str]]:
    """``"api, Replica"`` -> (``("api", "event", "replica")``, notes), or raise ValueError.

    ``replica`` is fed by events, so it implies ``event``; a note says when that was added.
    """
    if isinstance(raw, str):
        items = [part.strip().lower() for part in raw.split(",") if part.strip()]
    elif isinstance(raw, (list, tuple)):
        items = [str(part).strip().lower() for part in raw]
    else:
        raise ValueError("must be a comma-separated list of patterns")
    unknown = [item for item in items if item not in PATTERNS]
    if unknown:
        raise ValueError(f"unknown pattern {unknown[0]!r}; choose from {', '.join(PATTERNS)}")
    if not items:
        raise ValueError(f"needs at least one of {', '.join(PATTERNS)}")
    chosen = set(items)
    notes = []
    if "replica" in chosen and "event" not in chosen:
        chosen.add("event")
        notes.append("pattern 'replica' is fed by events: added 'event'")
    return tuple(p for p in PATTERNS if p in chosen), notes


def parse_fields(raw: object, reserved: Reserved) -> tuple[tuple[str, str], ...]:
    """``"name:str,age:int"`` -> ``(("name", "str"), ("age", "int"))``, or raise ValueError."""
    if isinstance(raw, str):
        items: list[object] = [part.strip() for part in raw.split(",")] if raw.strip() else []
    elif isinstance(raw, (list, tuple)):
        items = list(raw)
    else:
        raise ValueError(f"must be a list like {DEFAULT_FIELDS!r}")
    parsed: list[tuple[str, str]] = []
    for item in items:
        if isinstance(item, (tuple, list)) and len(item) == 2:
            name, kind = str(item[0]), str(item[1])
        elif isinstance(item, str):
            name, _, kind = item.partition(":")
            kind = kind or "str"
        else:
            raise ValueError(f"cannot read field {item!r}; write name[:type]")
        name, kind = name.strip(), kind.strip()
        if problem := _path_problem(name):
            raise ValueError(problem)
        if not _SNAKE.fullmatch(name):
            raise ValueError(f"field {name!r} is not a snake_case ASCII identifier")
        if keyword.iskeyword(name) or keyword.issoftkeyword(name):
            raise ValueError(f"field {name!r} is a Python keyword")
        why = _reserved_field(name, reserved)
        if why is not None:
            raise ValueError(f"field {name!r} is reserved: {why}")
        if kind not in FIELD_TYPES:
            raise ValueError(
                f"field {name!r} has type {kind!r}; choose one of {', '.join(FIELD_TYPES)}"
            )
        parsed.append((name, kind))
    if not parsed:
        raise ValueError("needs at least one field")
    if len(parsed) > MAX_FIELDS:
        raise ValueError(f"at most {MAX_FIELDS} fields (got {len(parsed)})")
    names = [name for name, _ in parsed]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"duplicate field {duplicates[0]!r}")
    return tuple(parsed)


def _reserved_field(name: str, reserved: Reserved) -> str | None:
    if name in reserved["fields"]:
        return reserved["fields"][name]
    for prefix, why in reserved["field_prefixes"].items():
        if name.startswith(prefix):
            return why
    return None


def _path_problem(value: str) -> str | None:
    if "/" in value or "\\" in value or ".." in value:
        return f"must be a plain name, not a path (got {value!r})"
    return None


def _bad_char(char: str) -> bool:
    category = unicodedata.category(char)
    allowed_format = char in "\u200c\u200d" or "\U000e0020" <= char <= "\U000e007f"
    return category in _BAD_CATEGORIES and not (category == "Cf" and allowed_format)


def name_problem(value: str) -> str | None:
    """Why a project name is refused (it lands in strings, comments and the slug), or None."""
    value = value.strip()
    if not value:
        return "must not be empty"
    if len(value) > MAX_NAME:
        return f"must be at most {MAX_NAME} characters (got {len(value)})"
    for delimiter in _JINJA:
        if delimiter in value:
            # cookiecutter renders context values as templates: this would run as code.
            return f"must not contain the template delimiter {delimiter!r}"
    for char in value:
        if _bad_char(char):
            return f"must not contain control characters (got {char!r})"
    if not slugify(value):
        return f"needs at least one letter or digit (got {value!r})"
    return None


def slug_problem(value: str) -> str | None:
    """Why a project slug (its folder name) is refused, or None."""
    if not _SLUG.fullmatch(value):
        return f"must be a lowercase ASCII slug like 'users-and-orders' (got {value!r})"
    return None


def service_problem(value: str, reserved: Reserved) -> str | None:
    """Why a service name is refused, or None."""
    if problem := _path_problem(value):
        return problem
    if not value:
        return "must not be empty"
    if len(value) > MAX_SLUG:
        return f"must be at most {MAX_SLUG} characters (got {len(value)})"
    if not _SLUG.fullmatch(value):
        return (
            "must be a lowercase ASCII slug like 'user-service' "
            f"(letters, digits, single dashes; starting with a letter) (got {value!r})"
        )
    pkg = package(value)
    # The service becomes a Python package: it must be importable and not hide a stdlib module.
    if keyword.iskeyword(pkg) or pkg in sys.stdlib_module_names:
        return f"{value!r} would make a package name that clashes with Python's own"
    why = reserved["services"].get(pkg)
    if why is not None:
        return f"{value!r} is reserved: its package {pkg!r} would shadow {why}"
    return None


def entity_problem(value: str, reserved: Reserved) -> str | None:
    """Why an entity name is refused, or None."""
    if problem := _path_problem(value):
        return problem
    if not _PASCAL.fullmatch(value):
        return f"must be a PascalCase ASCII identifier like 'User' (got {value!r})"
    if len(value) > MAX_SLUG:
        return f"must be at most {MAX_SLUG} characters (got {len(value)})"
    if keyword.iskeyword(value) or hasattr(builtins, value):
        return f"{value!r} clashes with a Python keyword or builtin"
    if value in reserved["entities"]:
        return f"{value!r} is reserved: {reserved['entities'][value]}"
    # The lower-case form names the entity's variables, routes and tables.
    snake = value.lower()
    if keyword.iskeyword(snake) or hasattr(builtins, snake):
        return (
            f"{value!r} is reserved: its lower-case form {snake!r} is a Python "
            "keyword or builtin, and names variables in the generated code"
        )
    why = reserved["entity_snake"].get(snake)
    if why is not None:
        return f"{value!r} is reserved: its lower-case form {snake!r} is {why}"
    return None


def together_problem(options: Mapping[str, Any]) -> Problem | None:
    """Why options that are each fine clash together: (option, message), or None.

    ``options`` holds parsed values: ``patterns`` a tuple, ``fields`` pairs, ``bff`` a bool.
    """
    owner, consumer = options["owner"], options["consumer"]
    if owner == consumer:
        return "owner/consumer", f"owner and consumer must differ (both {owner!r})"
    if options["bff"] and not {"api", "sdk"} & set(options["patterns"]):
        return "bff", (
            "needs the api or sdk pattern: the backend for frontend reads the owner over "
            f"HTTP (patterns: {','.join(options['patterns'])})"
        )
    if options["bff"] and owner == bff_service(consumer):
        return "owner", f"{owner!r} is the name the backend for frontend gets with bff"
    if package(consumer) == sdk_package(owner):
        return "consumer", (
            f"{consumer!r} would make the package {sdk_package(owner)!r}, "
            f"the name of {owner}'s SDK"
        )
    api = options.get("api", apis()[0])
    if api != apis()[0] and "api" not in options["patterns"]:
        return "api", (
            f"{api} serves the api pattern: add api to the patterns "
            f"(patterns: {','.join(options['patterns'])}); the sdk and the backend for "
            "frontend read the owner's HTTP API, which the owner keeps"
        )
    if api != apis()[0] and package(consumer) == grpc_package(owner):
        return "consumer", (
            f"{consumer!r} would make the package {grpc_package(owner)!r}, "
            f"the name of {owner}'s generated {api} stubs"
        )
    for name, _ in options["fields"]:
        if name in ("id", id_field(options["entity"])):
            return "fields", f"field {name!r} is the entity's id, which is always present"
    profile = broker_profiles().get(str(options.get("broker")))
    if profile is not None:
        limit = profile["max_name_length"]
        longest = profile["dead_letters"]["address"].format(
            consumer=consumer, entity=str(options["entity"]).lower()
        )
        if len(longest) > limit:
            return "consumer/entity", (
                f"make the queue name {longest!r} {len(longest)} characters long; "
                f"{profile['title']} takes at most {limit}: choose shorter names"
            )
    return None


def first_problem(
    options: Mapping[str, Any], reserved: Reserved | None = None
) -> Problem | None:
    """The first refused option of a raw option mapping, as (option, message); None if fine.

    This is the whole check, option by option in a fixed order, then the options together.
    """
    reserved = reserved if reserved is not None else reserved_names()
    message = name_problem(str(options["name"]))
    if message:
        return "name", message
    for key in ("owner", "consumer"):
        message = service_problem(str(options[key]), reserved)
        if message:
            return key, message
    message = entity_problem(str(options["entity"]), reserved)
    if message:
        return "entity", message
    parsed = dict(options)
    for key, parse in (("fields", lambda raw: parse_fields(raw, reserved)),
                       ("patterns", lambda raw: parse_patterns(raw)[0])):
        try:
            parsed[key] = parse(options[key])
        except ValueError as exc:
            return key, str(exc)
    if options["broker"] not in brokers():
        return "broker", f"must be one of {', '.join(brokers())} (got {options['broker']!r})"
    if options["compatibility"] not in COMPATIBILITIES:
        return "compatibility", (
            f"must be one of {', '.join(COMPATIBILITIES)} (got {options['compatibility']!r})"
        )
    api = options.get("api", apis()[0])
    if api not in apis():
        return "api", f"must be one of {', '.join(apis())} (got {api!r})"
    if options["bff"] not in (True, False, "yes", "no"):
        return "bff", f"must be yes or no (got {options['bff']!r})"
    parsed["bff"] = options["bff"] in (True, "yes")
    return together_problem(parsed)
