"""Answers files: read (YAML or JSON), merge with flags, validate, save for replay.

A project record (``advisor/record.py``, a project's ``.advisor-answers.yml``) is an
answers file too: its answers are under ``answers:`` (given) and ``defaults:``. Here only
those are read; the record module reads the rest.
"""

from __future__ import annotations

import json
import os
import stat
from collections import ChainMap
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from advisor.errors import AnswersError, clipped
from advisor.questions.model import questions, validate_answers
from advisor.types import AnswerValue

#: Keys an answers file may carry besides the answers: ``advisor new`` records the project
#: it rendered, ``advisor check`` reads the schema compatibility mode and the reason a
#: shared database is tolerated. ``recommend`` ignores them; any other unknown key is an error.
METADATA_KEYS = frozenset({"project", "compatibility", "shared_database_reason"})
#: The key that marks a project record, whose value is the record's format.
RECORD_KEY = "record"


#: Answers files are a dozen short lines; anything near this is not one (and is not read).
MAX_BYTES = 1024 * 1024
#: Values in a YAML document once its aliases are expanded: bounds an alias bomb, whose
#: few kilobytes expand to billions of values when validated or quoted in a message.
MAX_VALUES = 10_000


def read_answers_file(path: Path) -> dict[str, object]:
    """The raw answers in an answers file or a project record; {} when empty."""
    data = read_mapping(path)
    if RECORD_KEY in data:
        answers: dict[str, object] = {}
        for part in ("defaults", "answers"):
            block = data.get(part) or {}
            if not isinstance(block, dict):
                raise AnswersError(f"project record {path}: '{part}' must be a mapping")
            answers.update({str(key): value for key, value in block.items()})
        return answers
    return {key: value for key, value in data.items() if key not in METADATA_KEYS}


def read_mapping(path: Path) -> dict[str, object]:
    """The whole mapping in an answers file (YAML, of which JSON is a subset); {} when empty."""
    path = Path(path)
    text = _read_text(path)
    try:
        if path.suffix == ".json":
            data = json.loads(text, object_pairs_hook=_unique_keys)
        else:
            data = _load_yaml(path, text)
    except _DuplicateKey as exc:
        line = f" (line {exc.line})" if exc.line is not None else ""
        raise AnswersError(
            f"answers file {path}: key '{clipped(str(exc.key))}' appears twice{line}"
        ) from None
    except json.JSONDecodeError as exc:
        raise AnswersError(f"answers file {path}: malformed JSON at line {exc.lineno}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise AnswersError(f"answers file {path}: malformed YAML{where}") from None
    except RecursionError:
        # Both parsers recurse per level of nesting; thousands of "[" exhaust the stack.
        raise AnswersError(f"answers file {path}: nested too deeply") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise AnswersError(f"answers file {path}: must be a mapping of answer keys to values")
    return {str(key): value for key, value in data.items()}


def _read_text(path: Path) -> str:
    try:
        mode = path.stat().st_mode
        if stat.S_ISDIR(mode):
            raise AnswersError(f"answers file {path}: is a directory")
        if not stat.S_ISREG(mode):
            # Opening a FIFO blocks until a writer comes, and a device may never end.
            raise AnswersError(f"answers file {path}: not a regular file")
        # Non-blocking, so a FIFO put in the file's place since the check cannot block.
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(descriptor, "rb") as stream:
            # One byte past the limit tells a file that is too large, whatever size it reports.
            raw = stream.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise AnswersError(f"answers file {path}: no such file") from None
    except OSError as exc:
        raise AnswersError(f"answers file {path}: cannot read ({exc.strerror})") from None
    if len(raw) > MAX_BYTES:
        raise AnswersError(f"answers file {path}: larger than {MAX_BYTES // 2**20} MiB")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise AnswersError(f"answers file {path}: not UTF-8 text") from None


class _DuplicateKey(Exception):
    """A mapping gives the same key twice: which value was meant is anyone's guess."""

    def __init__(self, key: object, line: int | None) -> None:
        super().__init__(key)
        self.key = key
        self.line = line


def _unique_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    """``json.loads``'s object hook: a dict, unless a key repeats (json keeps the last)."""
    data: dict[str, object] = {}
    for key, value in pairs:
        if key in data:
            raise _DuplicateKey(key, None)
        data[key] = value
    return data


class _Loader(yaml.SafeLoader):
    """``yaml.safe_load``'s loader, refusing a key given twice in one mapping.

    PyYAML keeps the last value silently. Merge keys (``<<: *base``) are not duplicates:
    overriding a merged key is what they are for.
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[object] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=deep)
            try:
                repeated = key in seen
            except TypeError:
                continue  # an unhashable key: the base class reports it
            if repeated:
                raise _DuplicateKey(key, key_node.start_mark.line + 1)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _load_yaml(path: Path, text: str) -> object:
    """``yaml.safe_load``, refusing documents that expand past :data:`MAX_VALUES` values."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if _expanded_size(node) > MAX_VALUES:
            raise AnswersError(
                f"answers file {path}: more than {MAX_VALUES} values once YAML aliases are expanded"
            )
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _expanded_size(root: yaml.Node) -> int:
    """How many nodes the document has with every alias expanded; past the limit if cyclic.

    Iterative, and each node is counted once (memoised by identity), so a bomb of nested
    aliases costs time in its size on disk, not in its expansion.
    """
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()  # the path from the root to the node being visited
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        children = _children(node)
        if children_done:
            open_nodes.discard(id(node))
            sizes[id(node)] = 1 + sum(sizes[id(child)] for child in children)
            if sizes[id(node)] > MAX_VALUES:
                return sizes[id(node)]
        elif id(node) in open_nodes:
            return MAX_VALUES + 1  # an alias inside its own anchor: infinite expansion
        elif id(node) not in sizes:
            open_nodes.add(id(node))
            stack.append((node, True))
            stack.extend((child, False) for child in children)
    return sizes[id(root)]


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


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
