"""Reading a checked project without importing or executing any of its code.

Python files are parsed with :mod:`ast` (cached per file version); YAML with
``yaml.safe_load``. Nothing here raises for a file the project got wrong: an
unparsable file is simply skipped, because other tools report syntax errors.
"""

from __future__ import annotations

import ast
import functools
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

from advisor import record, resources

#: Folders never walked: tooling, virtual environments, caches, build output.
_SKIPPED_DIRS = frozenset(
    {"node_modules", "__pycache__", "venv", "env", "build", "dist", "site-packages"}
)
ANSWERS_FILE = record.RECORD_FILE


def relative(project: Path, path: Path) -> str:
    """``path`` relative to the project, with POSIX separators."""
    return path.relative_to(project).as_posix()


def walk_files(project: Path, suffixes: tuple[str, ...] = (".py",)) -> list[Path]:
    """Files under ``project`` ending with one of ``suffixes``, sorted, tool folders skipped."""
    found: list[Path] = []
    for root, dirs, files in os.walk(project):
        dirs[:] = sorted(
            d
            for d in dirs
            if not d.startswith(".") and d not in _SKIPPED_DIRS and not d.endswith(".egg-info")
        )
        found.extend(Path(root) / name for name in files if name.endswith(suffixes))
    return sorted(found)


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


@functools.lru_cache(maxsize=4096)
def _parse_cached(path: str, mtime_ns: int, size: int) -> ast.Module | None:
    del mtime_ns, size  # part of the cache key only: a changed file is parsed again
    try:
        source = Path(path).read_text(encoding="utf-8")
        return ast.parse(source, filename=path)
    except (OSError, SyntaxError, ValueError, UnicodeDecodeError):
        return None


def parse(path: Path) -> ast.Module | None:
    """The module's syntax tree, or None when it cannot be read or parsed."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return _parse_cached(str(path), stat.st_mtime_ns, stat.st_size)


def python_modules(
    project: Path, *, include_tests: bool = True
) -> Iterator[tuple[Path, ast.Module]]:
    """Each parsable Python file of the project with its tree."""
    for path in walk_files(project):
        if not include_tests and is_test_file(project, path):
            continue
        tree = parse(path)
        if tree is not None:
            yield path, tree


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


@dataclass(frozen=True)
class Service:
    """A folder ``services/<name>/``: a service boundary."""

    name: str
    root: Path
    #: Top-level import names the service's code defines.
    packages: frozenset[str]


def services(project: Path) -> list[Service]:
    """The project's services with the import names each one owns.

    A service owns ``<name>`` spelled as a Python identifier and every package
    (folder with ``__init__.py``) directly in its folder or in its ``src/`` folder.
    """
    base = project / "services"
    if not base.is_dir():
        return []
    found: list[Service] = []
    for root in sorted(p for p in base.iterdir() if p.is_dir() and not p.name.startswith(".")):
        names = {root.name.replace("-", "_")}
        for parent in (root, root / "src"):
            if parent.is_dir():
                names.update(
                    child.name
                    for child in parent.iterdir()
                    if child.is_dir() and (child / "__init__.py").is_file()
                )
        names.discard("tests")
        found.append(Service(root.name, root, frozenset(names)))
    return found


def service_of(project: Path, path: Path) -> str | None:
    """The name of the service folder containing ``path``, if any."""
    parts = path.relative_to(project).parts
    if len(parts) >= 3 and parts[0] == "services":
        return parts[1]
    return None


@dataclass(frozen=True)
class ImportRef:
    """One imported module, as a dotted name, where it is imported."""

    module: str
    line: int


def imports(tree: ast.Module) -> list[ImportRef]:
    """Absolute modules a tree imports (``from a import b`` yields ``a`` and ``a.b``)."""
    refs: list[ImportRef] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            refs.extend(ImportRef(alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            refs.append(ImportRef(node.module, node.lineno))
            refs.extend(
                ImportRef(f"{node.module}.{alias.name}", node.lineno)
                for alias in node.names
                if alias.name != "*"
            )
    return refs


def strings(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """Each string literal in a tree, with its line."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, node.value


def call_name(node: ast.Call) -> str | None:
    """The last name of what a call calls: ``a.b.c(...)`` → ``c``, ``f(...)`` → ``f``."""
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def dotted(node: ast.expr) -> str | None:
    """``a.b.c`` as a string for a chain of names and attributes, else None."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        head = dotted(node.value)
        return f"{head}.{node.attr}" if head else None
    return None


def has_keyword(node: ast.Call, name: str) -> bool:
    """True if the call passes ``name=`` or ``**kwargs`` (which may carry it)."""
    return any(kw.arg == name or kw.arg is None for kw in node.keywords)


_INTERPOLATION = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*(?::?-([^}]*))?\}")


def expand_default(value: str) -> str:
    """Replace compose/shell ``${VAR:-default}`` by its default (or nothing)."""
    return _INTERPOLATION.sub(lambda m: m.group(1) or "", value)
