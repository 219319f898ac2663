"""Compose files and Dockerfiles, read as far as the checks need them.

Compose: each service's build context and Dockerfile, its ``environment`` (list or map)
and its ``env_file``\\ s (https://docs.docker.com/reference/compose-file/services/).
Dockerfile: ``WORKDIR``, simple ``COPY``/``ADD`` and ``ENV PYTHONPATH``, to find the
folders a service's code is imported from. Anything more dynamic is left alone.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from advisor.checks import _project as p


@dataclass(frozen=True)
class ComposeService:
    """One entry of a compose file's ``services``."""

    name: str
    file: Path
    line: int | None
    #: The build context and Dockerfile, when built from a folder inside the project.
    context: Path | None = None
    dockerfile: Path | None = None
    environment: dict[str, str] = field(default_factory=dict)
    env_files: tuple[Path, ...] = ()


def _inside(project: Path, path: Path) -> bool:
    return path == project or project in path.parents


def _environment(raw: object) -> dict[str, str]:
    if isinstance(raw, dict):
        return {str(k): "" if v is None else str(v) for k, v in raw.items()}
    if isinstance(raw, list):
        return dict(str(item).split("=", 1) for item in raw if "=" in str(item))
    return {}


def _env_files(raw: object, base: Path) -> tuple[Path, ...]:
    items = raw if isinstance(raw, list) else [raw] if raw else []
    paths = []
    for item in items:
        name = item.get("path") if isinstance(item, dict) else item
        if isinstance(name, str) and name:
            paths.append((base / name).resolve())
    return tuple(paths)


def _line_of(lines: list[str], key: str) -> int | None:
    pattern = re.compile(rf"^\s+['\"]?{re.escape(key)}['\"]?\s*:")
    return next((n for n, line in enumerate(lines, start=1) if pattern.match(line)), None)


def read_compose(project: Path, path: Path) -> list[ComposeService]:
    """The services of one compose file (empty when it is not a readable compose file)."""
    data = p.load_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("services"), dict):
        return []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return []
    base = path.parent
    found = []
    for name, spec in data["services"].items():
        if not isinstance(spec, dict):
            continue
        context = dockerfile = None
        build = spec.get("build")
        if isinstance(build, str):
            build = {"context": build}
        given_context = build.get("context", ".") if isinstance(build, dict) else None
        # A remote context (a git or HTTP URL) is no folder of the project.
        if isinstance(given_context, str) and not re.match(r"^(\w+://|git@)", given_context):
            folder = (base / given_context).resolve()
            if _inside(project, folder):
                context = folder
                given = build.get("dockerfile") if isinstance(build, dict) else None
                dockerfile = (
                    folder / (given if isinstance(given, str) else "Dockerfile")
                ).resolve()
        found.append(
            ComposeService(
                name=str(name),
                file=path,
                line=_line_of(lines, str(name)),
                context=context,
                dockerfile=dockerfile,
                environment=_environment(spec.get("environment")),
                env_files=_env_files(spec.get("env_file"), base),
            )
        )
    return found


def read_env_file(path: Path) -> dict[str, str]:
    """``KEY=value`` lines of a ``.env`` file (quotes and ``export`` removed); {} if unreadable."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return {}
    env: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip().removeprefix("export ").strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]
            env[key.strip()] = value
    return env


@dataclass(frozen=True)
class _Copy:
    source: PurePosixPath
    dest: PurePosixPath


def _instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    joined: list[tuple[str, str]] = []
    buffer = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not buffer and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            buffer += line[:-1] + " "
            continue
        buffer += line
        word, _, rest = buffer.partition(" ")
        joined.append((word.upper(), rest.strip()))
        buffer = ""
    return joined


def _arguments(rest: str) -> list[str]:
    if rest.startswith("["):
        try:
            value = json.loads(rest)
        except json.JSONDecodeError:
            return []
        return [str(v) for v in value] if isinstance(value, list) else []
    try:
        return shlex.split(rest)
    except ValueError:
        return []


def import_roots(dockerfile: Path, context: Path, folders: set[Path]) -> list[Path]:
    """Project folders a Dockerfile puts on the import path: its WORKDIR and PYTHONPATH.

    Container paths are mapped back through the ``COPY``/``ADD`` of whole folders (one
    source each); only folders of the project (``folders``) are returned.
    """
    try:
        text = dockerfile.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    workdir = PurePosixPath("/")
    copies: list[_Copy] = []
    wanted: list[PurePosixPath] = []
    for word, rest in _instructions(text):
        if word == "WORKDIR":
            workdir = workdir / rest.strip().strip("'\"")
        elif word in {"COPY", "ADD"}:
            args = [a for a in _arguments(rest) if not a.startswith("--")]
            if len(args) == 2 and "--from" not in rest:
                copies.append(_Copy(PurePosixPath(args[0]), workdir / args[1]))
        elif word == "ENV":
            match = re.search(r"PYTHONPATH[= ]\s*['\"]?([^'\"\s]+)", rest)
            if match:
                wanted += [workdir / part for part in match.group(1).split(":") if part]
    wanted.append(workdir)
    roots: list[Path] = []
    for target in wanted:
        for copy in copies:
            source = (context / copy.source).resolve()
            if source not in folders:
                continue
            mapped: Path | None = None
            if target == copy.dest or copy.dest in target.parents:
                mapped = source.joinpath(*target.relative_to(copy.dest).parts)
            elif target in copy.dest.parents:
                tail = copy.dest.relative_to(target).parts
                if source.parts[-len(tail) :] == tail:
                    mapped = Path(*source.parts[: -len(tail)])
            if mapped is not None and mapped in folders and mapped not in roots:
                roots.append(mapped)
    return roots
