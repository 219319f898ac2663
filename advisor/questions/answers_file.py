"""Answers files: read (YAML or JSON), merge with flags, validate, save for replay."""

from __future__ import annotations

import json
from collections import ChainMap
from collections.abc import Mapping
from pathlib import Path

import yaml

from advisor.errors import AnswersError
from advisor.questions.model import questions, validate_answers
from advisor.types import AnswerValue

#: Keys an answers file may carry besides the answers: ``advisor new`` records the project
#: it rendered, ``advisor check`` reads the schema compatibility mode and the reason a
#: shared database is tolerated. ``recommend`` ignores them; any other unknown key is an error.
METADATA_KEYS = frozenset({"project", "compatibility", "shared_database_reason"})


def read_answers_file(path: Path) -> dict[str, object]:
    """The raw mapping in an answers file (YAML, of which JSON is a subset); {} when empty."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise AnswersError(f"answers file {path}: no such file") from None
    except IsADirectoryError:
        raise AnswersError(f"answers file {path}: is a directory") from None
    except UnicodeDecodeError:
        raise AnswersError(f"answers file {path}: not UTF-8 text") from None
    except OSError as exc:
        raise AnswersError(f"answers file {path}: cannot read ({exc.strerror})") from None
    try:
        data = json.loads(text) if Path(path).suffix == ".json" else yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise AnswersError(f"answers file {path}: malformed JSON at line {exc.lineno}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise AnswersError(f"answers file {path}: malformed YAML{where}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise AnswersError(f"answers file {path}: must be a mapping of answer keys to values")
    return {str(key): value for key, value in data.items() if key not in METADATA_KEYS}


def merge(flags: Mapping[str, object], file_values: Mapping[str, object]) -> dict[str, object]:
    """Layer the answers: flags win over the file; unset flags (None) don't count."""
    given = {key: value for key, value in flags.items() if value is not None}
    return dict(ChainMap(given, dict(file_values)))


def load_answers(path: Path) -> dict[str, AnswerValue]:
    """Read and validate an answers file into a complete answer set."""
    return validate_answers(read_answers_file(path))


def dump_answers(answers: Mapping[str, AnswerValue]) -> str:
    """The replayable YAML text of an answer set, in catalogue order."""
    ordered = {q.key: answers[q.key] for q in questions() if q.key in answers}
    return yaml.safe_dump(ordered, sort_keys=False, allow_unicode=True)


def save_answers(path: Path, answers: Mapping[str, AnswerValue]) -> None:
    """Write the answers for replay with ``--answers``."""
    try:
        Path(path).write_text(dump_answers(answers), encoding="utf-8")
    except OSError as exc:
        raise AnswersError(f"cannot save answers to {path}: {exc.strerror}") from None
