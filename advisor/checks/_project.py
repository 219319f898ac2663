"""Reading a checked project without importing or executing any of its code.

YAML is read with ``yaml.safe_load``; Python files are parsed in :mod:`._module`.
Nothing here raises for a file the project got wrong: an unreadable file is simply
skipped, because other tools report syntax errors.
"""

from __future__ import annotations

import ast
from pathlib import Path

import yaml

from advisor import record, resources

ANSWERS_FILE = record.RECORD_FILE


def relative(project: Path, path: Path) -> str:
    """``path`` relative to the project, with POSIX separators."""
    return path.relative_to(project).as_posix()


def load_yaml(path: Path) -> object:
    """A YAML file's content, or None when it is missing or malformed."""
    try:
        return resources.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        return None


def answers(project: Path) -> dict[str, object]:
    """The project record's answers, compatibility and shared-database reason, as flat keys.

    Empty when the project has no ``.advisor-answers.yml``; an invalid one is an error
    (``advisor/record.py``), not silently read as no answers.
    """
    return record.read_project(project)


def normalise(name: str) -> str:
    """A service or package name in one spelling: lower case, dashes for underscores."""
    return name.lower().replace("_", "-")


def call_name(node: ast.Call) -> str | None:
    """The last name of what a call calls: ``a.b.c(...)`` → ``c``, ``f(...)`` → ``f``."""
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None
