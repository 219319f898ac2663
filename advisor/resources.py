"""Where the bundled data lives (rules and templates), and how its YAML is read.

In a wheel they are packaged under ``advisor/_data``; in a source checkout (editable
install, tests) they sit at the repository's top level (docs/architecture.md).
"""

from pathlib import Path
from typing import Any

import yaml

#: The safe loader, in libyaml's C version where PyYAML has it: reading the rules and the
#: questions with the pure-Python parser took a quarter of `advisor recommend`'s time.
SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(text: str) -> Any:
    """``yaml.safe_load``, with the fastest safe loader available."""
    return yaml.load(text, Loader=SafeLoader)


_PACKAGE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """Return the bundled data folder ``name`` (``rules`` or ``templates``)."""
    packaged = _PACKAGE / "_data" / name
    if packaged.is_dir():
        return packaged
    return _PACKAGE.parent / name


def rules_dir() -> Path:
    """The shipped rules folder."""
    return data_dir("rules")


def templates_dir() -> Path:
    """The shipped cookiecutter templates folder."""
    return data_dir("templates")
