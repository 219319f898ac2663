"""One walk over a checked project: every file the checks read, sorted by kind.

The walk happens once per ``advisor check`` and every check shares it. Folders no check
needs are never entered: hidden folders, caches, build output, virtual environments (any
folder holding ``pyvenv.cfg``, whatever its name) and vendored code.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

#: Folders never walked: tooling, virtual environments, caches, build output, vendored code.
SKIPPED_DIRS = frozenset(
    {
        "node_modules",
        "__pycache__",
        "venv",
        "env",
        "virtualenv",
        "build",
        "dist",
        "site-packages",
        "vendor",
        "vendored",
        "_vendor",
        "third_party",
        "htmlcov",
    }
)
COMPOSE_NAME = re.compile(r"^(docker-)?compose(\.[\w-]+)?\.ya?ml$")
ENV_NAME = re.compile(r"^\.env(\.[\w-]+)?$")
#: Files whose presence marks a folder as something built and run on its own.
SERVICE_MARKERS = ("Dockerfile", "pyproject.toml", "requirements.txt", "setup.py")
#: Configuration files that may name a database in a URL.
CONFIG_SUFFIXES = (".ini", ".cfg", ".toml", ".yaml", ".yml", ".json", ".conf")


@dataclass
class FileIndex:
    """Every file of a project the checks may read, found in one walk."""

    root: Path
    python: list[Path] = field(default_factory=list)
    compose: list[Path] = field(default_factory=list)
    env: list[Path] = field(default_factory=list)
    config: list[Path] = field(default_factory=list)
    #: Every folder walked, and the Python files in each (for import resolution).
    dirs: set[Path] = field(default_factory=set)
    python_set: set[Path] = field(default_factory=set)
    #: Folder → the service markers it holds directly (``Dockerfile``, ``pyproject.toml``...).
    markers: dict[Path, tuple[str, ...]] = field(default_factory=dict)
    #: Folders holding at least one Python file directly.
    code_dirs: set[Path] = field(default_factory=set)

    def holds_code(self, folder: Path) -> bool:
        """True if ``folder`` or a folder below it holds a Python file."""
        return any(d == folder or folder in d.parents for d in self.code_dirs)


def _skipped(root: str, name: str) -> bool:
    return (
        name.startswith(".")
        or name in SKIPPED_DIRS
        or name.endswith(".egg-info")
        or os.path.exists(os.path.join(root, name, "pyvenv.cfg"))
    )


def walk(project: Path) -> FileIndex:
    """Walk ``project`` once; paths are absolute, lists sorted."""
    index = FileIndex(root=project)
    for root, dirs, files in os.walk(project):
        dirs[:] = sorted(d for d in dirs if not _skipped(root, d))
        folder = Path(root)
        index.dirs.add(folder)
        markers = tuple(m for m in SERVICE_MARKERS if m in files)
        if markers:
            index.markers[folder] = markers
        for name in files:
            path = folder / name
            if name.endswith(".py"):
                index.python.append(path)
                index.code_dirs.add(folder)
            elif ENV_NAME.match(name):
                index.env.append(path)
            elif COMPOSE_NAME.match(name):
                index.compose.append(path)
            elif name.endswith(CONFIG_SUFFIXES):
                index.config.append(path)
    index.python.sort()
    index.python_set = set(index.python)
    for kind in (index.compose, index.env, index.config):
        kind.sort()
    return index


def is_test_file(project: Path, path: Path) -> bool:
    """Test code: in a ``tests``/``test`` folder, ``test_*.py``, ``*_test.py``, conftest."""
    parts = path.relative_to(project).parts
    name = parts[-1]
    return (
        any(part in {"tests", "test"} for part in parts[:-1])
        or name.startswith("test_")
        or name.endswith("_test.py")
        or name == "conftest.py"
    )
