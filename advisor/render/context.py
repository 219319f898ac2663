"""The project to render: names and choices validated at the edge, then the template context.

Every value ends up inside generated Python, YAML, TOML, Dockerfiles and paths, and
cookiecutter renders context values as Jinja templates before using them. The rules for
each option live once, in the template's ``microservices_rules.py`` (see
:mod:`advisor.render.reserved`), which the template's pre-generation hook calls too; this
module wraps them in a pydantic model whose errors name the ``advisor new`` flag.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError
from slugify import slugify

from advisor.errors import RenderError
from advisor.recommendation import Recommendation
from advisor.render.reserved import reserved, rules
from advisor.types import APIS, BROKERS, Api, Broker, Compatibility, Strategy

FieldType = Literal["str", "int", "float", "bool"]

FIELD_TYPES: tuple[str, ...] = get_args(FieldType)

#: The command-line flag that sets each option, for error messages.
FLAGS: dict[str, str] = {
    "name": "--name",
    "owner": "--owner",
    "consumer": "--consumer",
    "entity": "--entity",
    "fields": "--fields",
    "patterns": "--patterns",
    "broker": "--broker",
    "compatibility": "--compatibility",
    "bff": "--bff",
    "api": "--api",
}

# The defaults are the example of docs/data-sharing-guide.md, as in the template's
# cookiecutter.json.
DEFAULT_NAME = "Users and orders"
DEFAULT_OWNER = "user-service"
DEFAULT_CONSUMER = "order-service"
DEFAULT_ENTITY = "User"
DEFAULT_FIELDS = "name:str,email:str"


def renderable_brokers() -> tuple[Broker, ...]:
    """The brokers the bundled template renders (its ``broker`` choices), in its order."""
    names = rules().brokers()
    return tuple(broker for broker in BROKERS if broker in names)


def renderable_apis() -> tuple[Api, ...]:
    """How the bundled template serves the api pattern (its ``api`` choices); the first is
    the default."""
    names = rules().apis()
    return tuple(api for api in APIS if api in names)


def _kinds() -> dict[str, dict[str, str]]:
    """The reserved names in the shape the rules module takes."""
    names = reserved()
    return {
        "services": dict(names.services),
        "entities": dict(names.entities),
        "entity_snake": dict(names.entity_snake),
        "fields": dict(names.fields),
        "field_prefixes": dict(names.field_prefixes),
    }


def _refuse(problem: str | None, value: str) -> str:
    if problem:
        raise ValueError(problem)
    return value


def normalise_patterns(raw: object) -> tuple[tuple[Strategy, ...], list[str]]:
    """Parse a pattern list (``"api,replica"`` or a sequence) into canonical order.

    ``replica`` is fed by events, so it implies ``event``: the returned notes say when
    ``event`` was added for that reason.
    """
    if not isinstance(raw, str) and isinstance(raw, (set, frozenset, list, tuple)):
        raw = list(raw)
    patterns, notes = rules().parse_patterns(raw)
    return tuple(patterns), list(notes)


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
    broker: Broker = "kafka"
    compatibility: Compatibility = "FULL"
    #: Add a backend for frontend (``<consumer>-bff``); it needs the api or sdk pattern.
    bff: bool = False
    #: How the consumer calls the owner with the api pattern: HTTP, or gRPC (the owner
    #: keeps its HTTP API for writes, the SDK and the backend for frontend).
    api: Api = "http"
    #: What normalisation changed (e.g. ``event`` added for ``replica``), for the user.
    notes: tuple[str, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _note_normalisation(cls, data: Any) -> Any:
        if isinstance(data, Mapping) and "patterns" in data:
            try:
                _, notes = normalise_patterns(data["patterns"])
            except ValueError:
                return data  # the field validator reports it, naming --patterns
            data = {**data, "notes": (*data.get("notes", ()), *notes)}
        return data

    @field_validator("patterns", mode="before")
    @classmethod
    def _check_patterns(cls, value: object) -> tuple[Strategy, ...]:
        return normalise_patterns(value)[0]

    @field_validator("name")
    @classmethod
    def _check_name(cls, value: str) -> str:
        return _refuse(rules().name_problem(value), value.strip())

    @field_validator("owner", "consumer")
    @classmethod
    def _check_services(cls, value: str) -> str:
        return _refuse(rules().service_problem(value, _kinds()), value)

    @field_validator("entity")
    @classmethod
    def _check_entity(cls, value: str) -> str:
        return _refuse(rules().entity_problem(value, _kinds()), value)

    @field_validator("fields", mode="before")
    @classmethod
    def _check_fields(cls, value: object) -> tuple[tuple[str, FieldType], ...]:
        if not isinstance(value, (str, list, tuple)):
            raise ValueError(f"must be a list like {DEFAULT_FIELDS!r}")
        return tuple(rules().parse_fields(value, _kinds()))

    # Before the type check: a name that is no broker at all gets this message too.
    @field_validator("broker", mode="before")
    @classmethod
    def _check_broker(cls, value: object) -> object:
        if value not in renderable_brokers():
            raise ValueError(
                f"must be one of {', '.join(renderable_brokers())} (got {value!r}): "
                "the template renders no other broker"
            )
        return value

    @field_validator("api")
    @classmethod
    def _check_api(cls, value: Api) -> Api:
        if value not in renderable_apis():
            raise ValueError(
                f"must be one of {', '.join(renderable_apis())} (got {value!r}): "
                "the template renders no other"
            )
        return value

    @model_validator(mode="after")
    def _check_together(self) -> ProjectSpec:
        problem = rules().together_problem(
            {
                "owner": self.owner,
                "consumer": self.consumer,
                "entity": self.entity,
                "fields": self.fields,
                "patterns": self.patterns,
                "bff": self.bff,
                "api": self.api,
                "broker": self.broker,
            }
        )
        if problem is not None:
            option, message = problem
            raise PydanticCustomError(
                "together", "{message}", {"option": option, "message": message}
            )
        return self

    @property
    def slug(self) -> str:
        """The project's slug: the template's ``project_slug`` and its top folder name."""
        return str(slugify(self.name))

    @property
    def bff_service(self) -> str:
        """The backend for frontend's name: the consumer's, ``-service`` dropped, plus ``-bff``."""
        return str(rules().bff_service(self.consumer))

    @property
    def event_broker(self) -> Broker | None:
        """The broker events flow through; None when the patterns carry no events."""
        return self.broker if "event" in self.patterns else None

    @property
    def api_transport(self) -> Api | None:
        """How the api pattern is served; None when the patterns have no api."""
        return self.api if "api" in self.patterns else None

    @property
    def sdk_package(self) -> str:
        """The SDK's package, as the template names it (``user_sdk`` for ``user-service``)."""
        return str(rules().sdk_package(self.owner))

    @property
    def id_field(self) -> str:
        """The entity's id field the template always generates (``user_id`` for ``User``)."""
        return str(rules().id_field(self.entity))

    def fields_text(self) -> str:
        """The fields in the template's ``name:type,...`` form."""
        return ",".join(f"{name}:{kind}" for name, kind in self.fields)

    def options(self) -> dict[str, object]:
        """The project options by their one name (flags, record, template context)."""
        return {
            "name": self.name,
            "owner": self.owner,
            "consumer": self.consumer,
            "entity": self.entity,
            "fields": self.fields_text(),
            "patterns": list(self.patterns),
            "broker": self.event_broker,
            "compatibility": self.compatibility,
            "bff": self.bff,
            "api": self.api_transport,
        }

    def to_cookiecutter_context(self) -> dict[str, str]:
        """The template's public context keys (``templates/microservices/cookiecutter.json``)."""
        return {
            "name": self.name,
            "project_slug": self.slug,
            "owner": self.owner,
            "consumer": self.consumer,
            "entity": self.entity,
            "fields": self.fields_text(),
            "patterns": ",".join(self.patterns),
            "broker": self.broker,
            "compatibility": self.compatibility,
            "bff": "yes" if self.bff else "no",
            "api": self.api,
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
    if first["type"] == "together":
        option = str((first.get("ctx") or {}).get("option", "fields"))
        flags = "/".join(FLAGS.get(part, part) for part in option.split("/"))
        return f"{flags}: {first['msg']}"
    flag = FLAGS.get(loc[0], loc[0]) if loc else FLAGS["fields"]
    message = str(first["msg"]).removeprefix("Value error, ")
    if first["type"] == "literal_error":
        message = f"{message} (got {first.get('input')!r})"
    if first["type"] == "missing":
        message = "is required"
    return f"{flag}: {message}"


def spec_from_recommendation(
    rec: Recommendation, overrides: Mapping[str, object] | None = None
) -> ProjectSpec:
    """The spec for what ``rec`` recommends (patterns, broker); non-None overrides win."""
    overrides = dict(overrides or {})
    values: dict[str, object] = {"patterns": list(rec.patterns)}
    if rec.broker is not None:
        brokers = renderable_brokers()
        if rec.broker not in brokers and overrides.get("broker") is None:
            raise RenderError(
                f"the recommended broker {rec.broker!r} has no template yet; "
                f"pass --broker {'|'.join(brokers)} to render with one of those"
            )
        values["broker"] = rec.broker
    if rec.api is not None:
        values["api"] = rec.api
    values.update({key: value for key, value in overrides.items() if value is not None})
    return make_spec(values)


__all__ = [
    "FIELD_TYPES",
    "FLAGS",
    "Compatibility",
    "ProjectSpec",
    "make_spec",
    "normalise_patterns",
    "renderable_apis",
    "renderable_brokers",
    "spec_from_recommendation",
]
