"""The project to render: names and choices validated at the edge, then the template context.

Every value ends up inside generated Python, YAML, TOML, Dockerfiles and paths, and
cookiecutter renders context values as Jinja templates before using them. So the names
are held to strict shapes here, and free text (the project name) may not carry Jinja
delimiters or control characters. Errors name the ``advisor new`` flag that set the value.
"""

from __future__ import annotations

import builtins
import keyword
import re
import sys
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError
from slugify import slugify

from advisor.errors import RenderError
from advisor.recommendation import Recommendation
from advisor.render.reserved import reserved
from advisor.types import RENDERABLE_BROKERS, STRATEGIES, Compatibility, Strategy

RenderBroker = Literal["kafka", "rabbitmq"]
FieldType = Literal["str", "int", "float", "bool"]

FIELD_TYPES: tuple[str, ...] = get_args(FieldType)

#: The command-line flag that sets each spec field, for error messages.
FLAGS: dict[str, str] = {
    "name": "--name",
    "owner": "--owner",
    "consumer": "--consumer",
    "entity": "--entity",
    "fields": "--fields",
    "patterns": "--pattern",
    "broker": "--broker",
    "compatibility": "--compatibility",
    "bff": "--bff",
}
#: The flag named by each whole-model check's error (by its error type).
_MODEL_FLAGS = {
    "owner_is_consumer": "--owner/--consumer",
    "bff": "--bff",
    "bff_name": "--owner",
    "sdk_name": "--consumer",
}

# The defaults are the seed's example, the same as the template's cookiecutter.json.
DEFAULT_NAME = "Users and orders"
DEFAULT_OWNER = "user-service"
DEFAULT_CONSUMER = "order-service"
DEFAULT_ENTITY = "User"
DEFAULT_FIELDS = "name:str,email:str"

MAX_NAME = 80
MAX_SLUG = 40
MAX_FIELDS = 30
_SLUG = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*", re.ASCII)
_PASCAL = re.compile(r"[A-Z][A-Za-z0-9]*", re.ASCII)
_SNAKE = re.compile(r"[a-z][a-z0-9_]*", re.ASCII)
_JINJA = ("{{", "{%", "{#")
# Control characters, surrogates, private use and line/paragraph separators would break
# the one-line strings, comments and YAML scalars the name is written into. Format
# characters (bidi overrides: "Trojan Source") are refused too, except the joiners and
# tags that emoji sequences are made of.
_BAD_CATEGORIES = {"Cc", "Cs", "Co", "Zl", "Zp", "Cf"}


def _allowed_format_char(char: str) -> bool:
    return char in "\u200c\u200d" or "\U000e0020" <= char <= "\U000e007f"


def _bad_char(char: str) -> bool:
    category = unicodedata.category(char)
    return category in _BAD_CATEGORIES and not (category == "Cf" and _allowed_format_char(char))


def _reject_traversal(value: str) -> None:
    if "/" in value or "\\" in value or ".." in value:
        raise ValueError(f"must be a plain name, not a path (got {value!r})")


def _check_service(value: str) -> str:
    _reject_traversal(value)
    if not value:
        raise ValueError("must not be empty")
    if len(value) > MAX_SLUG:
        raise ValueError(f"must be at most {MAX_SLUG} characters (got {len(value)})")
    if not _SLUG.fullmatch(value):
        raise ValueError(
            "must be a lowercase ASCII slug like 'user-service' "
            f"(letters, digits, single dashes; starting with a letter) (got {value!r})"
        )
    package = value.replace("-", "_")
    # The service becomes a Python package: it must be importable and not hide a stdlib module.
    if keyword.iskeyword(package) or package in sys.stdlib_module_names:
        raise ValueError(f"{value!r} would make a package name that clashes with Python's own")
    why = reserved().services.get(package)
    if why is not None:
        raise ValueError(f"{value!r} is reserved: its package {package!r} would shadow {why}")
    return value


def _parse_fields(raw: object) -> tuple[tuple[str, FieldType], ...]:
    if isinstance(raw, str):
        items: list[object] = [part.strip() for part in raw.split(",")] if raw.strip() else []
    elif isinstance(raw, Iterable):
        items = list(raw)
    else:
        raise ValueError(f"must be a list like {DEFAULT_FIELDS!r}")
    parsed: list[tuple[str, FieldType]] = []
    for item in items:
        if isinstance(item, (tuple, list)) and len(item) == 2:
            name, kind = str(item[0]), str(item[1])
        elif isinstance(item, str):
            name, _, kind = item.partition(":")
            kind = kind or "str"
        else:
            raise ValueError(f"cannot read field {item!r}; write name[:type]")
        name, kind = name.strip(), kind.strip()
        _reject_traversal(name)
        if not _SNAKE.fullmatch(name):
            raise ValueError(f"field {name!r} is not a snake_case ASCII identifier")
        if keyword.iskeyword(name) or keyword.issoftkeyword(name):
            raise ValueError(f"field {name!r} is a Python keyword")
        why = reserved().field(name)
        if why is not None:
            raise ValueError(f"field {name!r} is reserved: {why}")
        if kind not in FIELD_TYPES:
            raise ValueError(
                f"field {name!r} has type {kind!r}; choose one of {', '.join(FIELD_TYPES)}"
            )
        parsed.append((name, kind))  # type: ignore[arg-type]  # checked just above
    if not parsed:
        raise ValueError("needs at least one field")
    if len(parsed) > MAX_FIELDS:
        raise ValueError(f"at most {MAX_FIELDS} fields (got {len(parsed)})")
    names = [name for name, _ in parsed]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"duplicate field {duplicates[0]!r}")
    return tuple(parsed)


def normalise_patterns(raw: object) -> tuple[tuple[Strategy, ...], list[str]]:
    """Parse a pattern list (``"api,replica"`` or a sequence) into canonical order.

    ``replica`` is fed by events, so it implies ``event``: the returned notes say when
    ``event`` was added for that reason.
    """
    if isinstance(raw, str):
        items = [part.strip().lower() for part in raw.split(",") if part.strip()]
    elif isinstance(raw, Iterable):
        items = [str(part).strip().lower() for part in raw]
    else:
        raise ValueError("must be a comma-separated list of patterns")
    unknown = [item for item in items if item not in STRATEGIES]
    if unknown:
        raise ValueError(f"unknown pattern {unknown[0]!r}; choose from {', '.join(STRATEGIES)}")
    if not items:
        raise ValueError(f"needs at least one of {', '.join(STRATEGIES)}")
    chosen = set(items)
    notes: list[str] = []
    if "replica" in chosen and "event" not in chosen:
        chosen.add("event")
        notes.append("pattern 'replica' is fed by events: added 'event'")
    return tuple(s for s in STRATEGIES if s in chosen), notes


class ProjectSpec(BaseModel):
    """Everything ``advisor new`` needs to render a project, validated."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = DEFAULT_NAME
    owner: str = DEFAULT_OWNER
    consumer: str = DEFAULT_CONSUMER
    entity: str = DEFAULT_ENTITY
    # DEFAULT_FIELDS, spelled out: parsing it here would read the template's reserved
    # names at import time.
    fields: tuple[tuple[str, FieldType], ...] = (("name", "str"), ("email", "str"))
    patterns: tuple[Strategy, ...]
    broker: RenderBroker = "kafka"
    compatibility: Compatibility = "FULL"
    #: Add a backend for frontend (``<consumer>-bff``); it needs the api or sdk pattern.
    bff: bool = False
    #: What normalisation changed (e.g. ``event`` added for ``replica``), for the user.
    notes: tuple[str, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _note_normalisation(cls, data: Any) -> Any:
        if isinstance(data, Mapping) and "patterns" in data:
            try:
                _, notes = normalise_patterns(data["patterns"])
            except ValueError:
                return data  # the field validator reports it, naming --pattern
            data = {**data, "notes": (*data.get("notes", ()), *notes)}
        return data

    @field_validator("patterns", mode="before")
    @classmethod
    def _check_patterns(cls, value: object) -> tuple[Strategy, ...]:
        return normalise_patterns(value)[0]

    @field_validator("name")
    @classmethod
    def _check_name(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("must not be empty")
        if len(value) > MAX_NAME:
            raise ValueError(f"must be at most {MAX_NAME} characters (got {len(value)})")
        for delimiter in _JINJA:
            if delimiter in value:
                # cookiecutter renders context values as templates: this would run as code.
                raise ValueError(f"must not contain the template delimiter {delimiter!r}")
        for char in value:
            if _bad_char(char):
                raise ValueError(f"must not contain control characters (got {char!r})")
        if not slugify(value):
            raise ValueError(f"needs at least one letter or digit (got {value!r})")
        return value

    @field_validator("owner", "consumer")
    @classmethod
    def _check_services(cls, value: str) -> str:
        return _check_service(value)

    @field_validator("entity")
    @classmethod
    def _check_entity(cls, value: str) -> str:
        _reject_traversal(value)
        if not _PASCAL.fullmatch(value):
            raise ValueError(f"must be a PascalCase ASCII identifier like 'User' (got {value!r})")
        if len(value) > MAX_SLUG:
            raise ValueError(f"must be at most {MAX_SLUG} characters (got {len(value)})")
        if keyword.iskeyword(value) or hasattr(builtins, value):
            raise ValueError(f"{value!r} clashes with a Python keyword or builtin")
        names = reserved()
        if value in names.entities:
            raise ValueError(f"{value!r} is reserved: {names.entities[value]}")
        # The lower-case form names the entity's variables, routes and tables.
        snake = value.lower()
        if keyword.iskeyword(snake) or hasattr(builtins, snake):
            raise ValueError(
                f"{value!r} is reserved: its lower-case form {snake!r} is a Python "
                "keyword or builtin, and names variables in the generated code"
            )
        why = names.entity_snake.get(snake)
        if why is not None:
            raise ValueError(f"{value!r} is reserved: its lower-case form {snake!r} is {why}")
        return value

    @field_validator("fields", mode="before")
    @classmethod
    def _check_fields(cls, value: object) -> tuple[tuple[str, FieldType], ...]:
        return _parse_fields(value)

    @model_validator(mode="after")
    def _check_together(self) -> ProjectSpec:
        if self.owner == self.consumer:
            raise PydanticCustomError(
                "owner_is_consumer", f"owner and consumer must differ (both {self.owner!r})"
            )
        if self.bff and not {"api", "sdk"} & set(self.patterns):
            raise PydanticCustomError(
                "bff",
                "needs the api or sdk pattern: the backend for frontend reads the owner over "
                f"HTTP (patterns: {','.join(self.patterns)})",
            )
        if self.bff and self.owner == self.bff_service:
            raise PydanticCustomError(
                "bff_name", f"{self.owner!r} is the name the backend for frontend gets with --bff"
            )
        if self.consumer.replace("-", "_") == self.sdk_package:
            raise PydanticCustomError(
                "sdk_name",
                f"{self.consumer!r} would make the package {self.sdk_package!r}, "
                f"the name of {self.owner}'s SDK",
            )
        ids = {"id", self.id_field}
        for name, _ in self.fields:
            if name in ids:
                raise PydanticCustomError(
                    "id_field", f"field {name!r} is the entity's id, which is always present"
                )
        return self

    @property
    def slug(self) -> str:
        """The project's slug: the template's ``project_slug`` and its top folder name."""
        return str(slugify(self.name))

    @property
    def bff_service(self) -> str:
        """The backend for frontend's name: the consumer's, ``-service`` dropped, plus ``-bff``."""
        return f"{self.consumer.removesuffix('-service')}-bff"

    @property
    def event_broker(self) -> RenderBroker | None:
        """The broker events flow through; None when the patterns carry no events."""
        return self.broker if "event" in self.patterns else None

    @property
    def sdk_package(self) -> str:
        """The SDK's package, as the template names it (``user_sdk`` for ``user-service``)."""
        return self.owner.replace("-service", "").replace("-", "_") + "_sdk"

    @property
    def id_field(self) -> str:
        """The entity's id field the template always generates (``user_id`` for ``User``)."""
        return f"{self.entity.lower()}_id"

    def fields_text(self) -> str:
        """The fields in the template's ``name:type,...`` form."""
        return ",".join(f"{name}:{kind}" for name, kind in self.fields)

    def to_cookiecutter_context(self) -> dict[str, str]:
        """The template's public context keys (``templates/microservices/cookiecutter.json``)."""
        return {
            "project_name": self.name,
            "project_slug": self.slug,
            "owner_service": self.owner,
            "consumer_service": self.consumer,
            "entity": self.entity,
            "fields": self.fields_text(),
            "patterns": ",".join(self.patterns),
            "broker": self.broker,
            "compatibility": self.compatibility,
            "bff": "yes" if self.bff else "no",
        }


def make_spec(values: Mapping[str, object]) -> ProjectSpec:
    """Build a spec from raw values (flags, prompts); ``None`` means "use the default".

    Raises a one-line :class:`RenderError` naming the flag of the first bad value.
    """
    given = {key: value for key, value in values.items() if value is not None}
    try:
        return ProjectSpec.model_validate(given)
    except ValidationError as exc:
        raise RenderError(_one_line(exc)) from None


def _one_line(exc: ValidationError) -> str:
    first = exc.errors()[0]
    loc = [str(part) for part in first["loc"]]
    flag = FLAGS.get(loc[0], loc[0]) if loc else ""
    message = str(first["msg"]).removeprefix("Value error, ")
    if first["type"] == "literal_error":
        message = f"{message} (got {first.get('input')!r})"
    if first["type"] == "missing":
        message = "is required"
    if not flag:  # a whole-model check: name the options it compares
        flag = _MODEL_FLAGS.get(first["type"], FLAGS["fields"])
    return f"{flag}: {message}"


def spec_from_recommendation(
    rec: Recommendation, overrides: Mapping[str, object] | None = None
) -> ProjectSpec:
    """The spec for what ``rec`` recommends (patterns, broker); non-None overrides win."""
    overrides = dict(overrides or {})
    values: dict[str, object] = {"patterns": list(rec.patterns)}
    if rec.broker is not None:
        if rec.broker not in RENDERABLE_BROKERS and overrides.get("broker") is None:
            raise RenderError(
                f"the recommended broker {rec.broker!r} has no template yet; "
                f"pass --broker {'|'.join(RENDERABLE_BROKERS)} to render with one of those"
            )
        values["broker"] = rec.broker
    values.update({key: value for key, value in overrides.items() if value is not None})
    return make_spec(values)


__all__ = [
    "FIELD_TYPES",
    "FLAGS",
    "Compatibility",
    "ProjectSpec",
    "make_spec",
    "normalise_patterns",
    "spec_from_recommendation",
]
