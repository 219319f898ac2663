"""The question catalogue and the answers model built from it.

Questions are data (``questions.yaml``); the pydantic ``Answers`` model, the answers
file's JSON Schema and the wizard's prompts are all derived from that one catalogue.
Which questions the wizard skips is derived from the rules (``relevance.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    create_model,
)

from advisor import resources
from advisor.errors import AnswersError, MissingAnswersError, clipped, value_why
from advisor.types import COMPATIBILITIES, AnswerValue

CATALOGUE = Path(__file__).with_name("questions.yaml")


class Question(BaseModel):
    """One question: an answers-file key, its type and how the wizard asks it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str
    type: Literal["choice", "int", "bool"]
    prompt: str
    help: str
    required: bool = False
    default: AnswerValue | None = None
    choices: tuple[str, ...] = ()
    min: int | None = None

    @property
    def flag(self) -> str:
        """The command-line flag that sets this answer."""
        return "--" + self.key.replace("_", "-")

    def example(self) -> AnswerValue:
        """A value of the question's type, for checking conditions that mention it."""
        if self.type == "choice":
            return self.choices[0]
        return 0 if self.type == "int" else False


@cache
def questions() -> tuple[Question, ...]:
    """The catalogue, in the order the wizard asks it."""
    raw = resources.safe_load(CATALOGUE.read_text(encoding="utf-8"))
    return tuple(Question.model_validate(item) for item in raw)


def question(key: str) -> Question:
    """The question for ``key``."""
    for q in questions():
        if q.key == key:
            return q
    raise AnswersError(f"answer '{key}': no such question (see `advisor questions`)")


def example_facts() -> dict[str, AnswerValue]:
    """One example value per answer key: the fact types conditions are checked against."""
    return {q.key: q.example() for q in questions()}


def _whole_number(value: object) -> object:
    """5.0 is the integer 5, as JSON Schema's ``integer`` says; 5.5 stays a float (refused).

    JSON has one number type, and a JavaScript reader cannot tell 5.0 from 5, so the
    answers file's schema cannot refuse 5.0; validation must not either.
    """
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _field(q: Question) -> tuple[Any, Any]:
    annotation: Any
    if q.type == "choice":
        annotation = Literal[q.choices]
    elif q.type == "int":
        annotation = Annotated[int, BeforeValidator(_whole_number)]
    else:
        annotation = bool
    default = ... if q.required else q.default
    # Strict: "yes" is not a bool and "12" is not an int in an answers file (nor is 5.5).
    strict = None if q.type == "choice" else True
    return annotation, Field(default, description=q.help, ge=q.min, strict=strict)


class _AnswersBase(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


@cache
def answers_model() -> type[BaseModel]:
    """The pydantic model of a complete answer set, built from the catalogue."""
    fields: dict[str, Any] = {q.key: _field(q) for q in questions()}
    model: type[BaseModel] = create_model("Answers", __base__=_AnswersBase, **fields)
    return model


def answers_schema() -> dict[str, Any]:
    """The JSON Schema of an answers file."""
    schema = answers_model().model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "advisor answers file"
    # Metadata that `advisor new` records and `advisor check` reads (see answers_file.py).
    schema["properties"]["project"] = {
        "type": "object",
        "description": "The project advisor new rendered: names, patterns, broker. "
        "advisor recommend names its ADR after its owner, consumer and entity (in an "
        "older answers file, owner_service and consumer_service).",
        "properties": {
            "owner": {"type": "string", "description": "The service owning the data."},
            "consumer": {"type": "string", "description": "The service reading it."},
            "entity": {"type": "string", "description": "The shared entity (PascalCase)."},
        },
    }
    schema["properties"]["compatibility"] = {
        "enum": sorted(COMPATIBILITIES),
        "description": "Event schema compatibility mode advisor check enforces.",
    }
    schema["properties"]["shared_database_reason"] = {
        "type": "string",
        "description": "Why a shared database is tolerated (legacy or single team).",
    }
    return schema


def validate_answers(raw: Mapping[str, object]) -> dict[str, AnswerValue]:
    """Validate a merged answer set and fill defaults, or raise a one-line AnswersError."""
    try:
        model = answers_model().model_validate(dict(raw))
    except ValidationError as exc:
        missing = [str(e["loc"][0]) for e in exc.errors() if e["type"] == "missing"]
        if missing:
            raise MissingAnswersError(missing) from None
        first = exc.errors()[0]
        key = ".".join(str(part) for part in first["loc"]) or "answers"
        if first["type"] == "extra_forbidden":
            raise AnswersError(
                f"answer '{clipped(key)}': no such question (see `advisor questions`)"
            ) from None
        raise AnswersError(f"answer '{key}': {value_why(first)}") from None
    return dict(model.model_dump())
