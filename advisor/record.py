"""The project record: what a project was rendered from, in its ``.advisor-answers.yml``.

One model, :class:`ProjectRecord`, and one file. Only rendering writes it (``advisor new``,
through :func:`dump`); ``advisor new --from`` renders a project again from it, ``advisor
check`` reads the compatibility mode and the shared-database declaration from it, and
``advisor recommend --answers`` reads its answers (the project part means nothing there).

The record holds the advisor version and a fingerprint of the template that rendered the
project, the answers (those the user gave apart from the catalogue's defaults), the date
of the decision, and the project options under the one name each option has everywhere
(the ``advisor new`` flags, :class:`~advisor.render.context.ProjectSpec`, the template).

Older files are read and upgraded with a one-line note: the template's flat record of
advisor 0.1 (``project_name``, ``owner_service``, ...), and the answers file ``advisor new
--from`` wrote then (answers plus a ``project:`` block). A file that is neither a record
nor an answers file is an error naming what is wrong.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from advisor import __version__
from advisor.errors import AnswersError, RenderError, clipped, quoted
from advisor.questions.answers_file import RECORD_KEY, read_mapping
from advisor.questions.model import questions, validate_answers
from advisor.render.context import ProjectSpec
from advisor.types import AnswerValue

#: The record's file name, at the project's root.
RECORD_FILE = ".advisor-answers.yml"
#: The record format this advisor writes (the value of its ``record:`` key).
FORMAT: Literal[1] = 1

_HEADER = (
    "# The project record: what advisor rendered this project from. Written by\n"
    "# `advisor new`; render it again with `advisor new DEST --from .advisor-answers.yml`,\n"
    "# replay the advice with `advisor recommend --answers .advisor-answers.yml`.\n"
)
# The keys of the two older shapes, and the record key each became.
_LEGACY_FLAT = {
    "project_name": "name",
    "owner_service": "owner",
    "consumer_service": "consumer",
    "entity": "entity",
    "fields": "fields",
    "patterns": "patterns",
    "broker": "broker",
    "compatibility": "compatibility",
    "bff": "bff",
}


class ProjectRecord(BaseModel):
    """The content of a project's ``.advisor-answers.yml``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    record: Literal[1] = FORMAT
    #: The advisor version that rendered the project.
    advisor: str
    #: The fingerprint of the template that rendered it (:func:`fingerprint`).
    template: str
    #: When the decision was made: the date of the ADR written with it.
    date: datetime.date | None = None
    #: The answers the user gave (flags, answers file, wizard).
    answers: dict[str, AnswerValue] = {}
    #: The other answers: the catalogue's defaults when the decision was made.
    defaults: dict[str, AnswerValue] = {}
    #: Why a shared database is tolerated (read by ``advisor check``'s shared-db).
    shared_database_reason: str | None = None
    project: ProjectSpec

    @field_validator("project", mode="before")
    @classmethod
    def _project_options(cls, value: Any) -> Any:
        # No broker is recorded when no events flow, no api without the api pattern: the
        # spec's defaults stand in.
        if isinstance(value, Mapping):
            return {
                key: item
                for key, item in value.items()
                if not (key in ("broker", "api") and item is None)
            }
        return value

    @model_validator(mode="after")
    def _answers_valid(self) -> ProjectRecord:
        if self.answers or self.defaults:
            validate_answers(self.all_answers())
        return self

    def all_answers(self) -> dict[str, AnswerValue]:
        """The complete answer set, in catalogue order: the given answers over the defaults."""
        return validate_answers({**self.defaults, **self.answers})


@dataclass(frozen=True)
class Loaded:
    """What an answers file given to ``--from`` holds."""

    #: The project record, when the file is one (or an older one, upgraded).
    record: ProjectRecord | None
    #: The answers to decide from (all of them, validated); empty for a record of a
    #: project rendered from flags alone.
    answers: dict[str, AnswerValue]
    #: The answers the user gave, as opposed to the catalogue's defaults.
    given: frozenset[str]
    #: Set when an older format was upgraded: one line for the user.
    note: str | None = None
    #: A plain answers file's ``shared_database_reason`` (a record keeps its own).
    shared_database_reason: str | None = None


def fingerprint(template_dir: Path) -> str:
    """A short digest of every file of a template: same template, same fingerprint."""
    digest = hashlib.sha256()
    for path in sorted(p for p in Path(template_dir).rglob("*") if p.is_file()):
        relative = path.relative_to(template_dir).as_posix()
        if "__pycache__" in relative.split("/"):
            continue
        digest.update(relative.encode("utf-8") + b"\0" + path.read_bytes() + b"\0")
    return f"sha256:{digest.hexdigest()[:16]}"


def make_record(
    spec: ProjectSpec,
    *,
    template_dir: Path,
    answers: Mapping[str, AnswerValue] | None = None,
    given: frozenset[str] = frozenset(),
    date: datetime.date | None = None,
    shared_database_reason: str | None = None,
) -> ProjectRecord:
    """The record of rendering ``spec`` with ``template_dir`` (and the answers decided from)."""
    complete = dict(answers or {})
    return ProjectRecord(
        advisor=__version__,
        template=fingerprint(template_dir),
        date=date,
        answers={key: value for key, value in complete.items() if key in given},
        defaults={key: value for key, value in complete.items() if key not in given},
        shared_database_reason=shared_database_reason,
        project=spec,
    )


def dump(record: ProjectRecord) -> str:
    """The record's file text: a header, then the keys in a fixed order (same record, same text)."""
    order = [q.key for q in questions()]

    def ordered(answers: Mapping[str, AnswerValue]) -> dict[str, AnswerValue]:
        return {key: answers[key] for key in order if key in answers}

    data: dict[str, Any] = {
        "record": record.record,
        "advisor": record.advisor,
        "template": record.template,
    }
    if record.date is not None:
        data["date"] = record.date.isoformat()
    data["answers"] = ordered(record.answers)
    data["defaults"] = ordered(record.defaults)
    if record.shared_database_reason is not None:
        data["shared_database_reason"] = record.shared_database_reason
    data["project"] = record.project.options()
    return _HEADER + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def load(path: Path) -> Loaded:
    """Read ``path``: a project record (any format, upgraded) or a plain answers file."""
    return from_mapping(path, read_mapping(path))


def from_mapping(path: Path, data: Mapping[str, object]) -> Loaded:
    """What the mapping read from ``path`` holds (``path`` names it in errors and notes)."""
    if RECORD_KEY in data:
        record = _validate(path, data)
        answers = record.all_answers() if record.answers or record.defaults else {}
        return Loaded(record, answers, frozenset(record.answers))
    if not isinstance(data.get("project"), Mapping) and _is_legacy(data):
        record = _validate(path, _upgrade_flat(data))
        return Loaded(record, {}, frozenset(), _note(path))
    if _is_legacy(data):
        record, answers = _upgrade_nested(path, data)
        return Loaded(record, answers, frozenset(record.answers), _note(path))
    given = {key: value for key, value in data.items() if key not in _PLAIN_METADATA}
    reason = data.get("shared_database_reason")
    return Loaded(
        None,
        validate_answers(given),
        frozenset(given),
        shared_database_reason=reason if isinstance(reason, str) else None,
    )


def read_project(project: Path) -> dict[str, object]:
    """For ``advisor check``: the record of the project at ``project`` as flat keys.

    The answers (given over defaults), ``compatibility`` and ``shared_database_reason``;
    empty when the project has no record. An invalid record is an error. A plain answers
    file in the record's place (a team declaring its shared database by hand, say) is
    read as it is: it need not hold a complete answer set.
    """
    path = Path(project) / RECORD_FILE
    if not path.exists():
        return {}
    data = read_mapping(path)
    if not is_record(data):
        return data
    loaded = from_mapping(path, data)
    assert loaded.record is not None  # a record, or an older one upgraded
    flat: dict[str, object] = dict(loaded.answers)
    flat["compatibility"] = loaded.record.project.compatibility
    if loaded.record.shared_database_reason is not None:
        flat["shared_database_reason"] = loaded.record.shared_database_reason
    return flat


def is_record(data: Mapping[str, object]) -> bool:
    """Whether a file's mapping is a project record (of any format) rather than answers."""
    return RECORD_KEY in data or _is_legacy(data)


def _is_legacy(data: Mapping[str, object]) -> bool:
    return (
        "owner_service" in data
        or "project_name" in data
        or isinstance(data.get("project"), Mapping)
    )


# A plain answers file may carry these beside the answers (see README: answers files).
_PLAIN_METADATA = frozenset({"compatibility", "shared_database_reason", "project"})


def _validate(path: Path, data: Mapping[str, object]) -> ProjectRecord:
    if data.get(RECORD_KEY) != FORMAT:
        raise AnswersError(
            f"project record {path}: format {quoted(data.get(RECORD_KEY))} is not one this "
            f"advisor reads (it reads {FORMAT}); a newer advisor wrote it"
        )
    try:
        return ProjectRecord.model_validate(dict(data))
    except RenderError as exc:
        raise AnswersError(f"project record {path}: project: {exc}") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "record"
        message = str(first["msg"]).removeprefix("Value error, ")
        if first["type"] == "extra_forbidden":
            message = "unknown key"
        raise AnswersError(
            f"project record {path}: {clipped(where)}: {message} (got {quoted(first.get('input'))})"
        ) from None


def _upgrade_flat(data: Mapping[str, object]) -> dict[str, object]:
    """advisor 0.1's template record: flat project keys, no answers."""
    project: dict[str, object] = {}
    for old, new in _LEGACY_FLAT.items():
        if old in data and data[old] is not None:
            project[new] = data[old]
    return {
        RECORD_KEY: FORMAT,
        "advisor": "0.1",
        "template": "unknown",
        "project": project,
    }


def _upgrade_nested(
    path: Path, data: Mapping[str, object]
) -> tuple[ProjectRecord, dict[str, AnswerValue]]:
    """advisor 0.1's ``new --from`` file: the answers, plus ``project:`` and ``compatibility``."""
    old = data["project"]
    assert isinstance(old, Mapping)  # checked by the caller
    project = {_LEGACY_FLAT.get(str(key), str(key)): value for key, value in old.items()}
    if "compatibility" in data:
        project["compatibility"] = data["compatibility"]
    given = {key: value for key, value in data.items() if key not in _PLAIN_METADATA}
    answers = validate_answers(given)
    record = _validate(
        path,
        {
            RECORD_KEY: FORMAT,
            "advisor": "0.1",
            "template": "unknown",
            "answers": given,
            "defaults": {k: v for k, v in answers.items() if k not in given},
            "shared_database_reason": data.get("shared_database_reason"),
            "project": project,
        },
    )
    return record, answers


def _note(path: Path) -> str:
    return (
        f"{path}: an advisor 0.1 project record, read as record format {FORMAT}; "
        "render the project again to write it in the new form"
    )


__all__ = [
    "FORMAT",
    "RECORD_FILE",
    "Loaded",
    "ProjectRecord",
    "dump",
    "fingerprint",
    "from_mapping",
    "is_record",
    "load",
    "make_record",
    "read_project",
]
