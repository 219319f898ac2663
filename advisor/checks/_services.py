"""Finding a project's services, in this order (the first source that names any wins):

1. an explicit list: ``services`` in ``.advisor.toml``, or ``[tool.advisor]`` of the
   root ``pyproject.toml`` (a list of folders, or a table of name = folder);
2. the services of compose files built from a folder inside the project;
3. folders holding a ``Dockerfile``, ``pyproject.toml``, ``requirements.txt`` or
   ``setup.py`` and Python code (the outermost such folder; not ``libs/``, SDKs, tests or
   docs), or else the project itself when its root holds a Dockerfile and Python code;
4. the folders ``services/<name>/``.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from advisor.checks import _compose, _files
from advisor.checks import _project as p
from advisor.errors import CheckError

#: Folders that are never services themselves, nor searched for services.
_NOT_SERVICES = frozenset({"tests", "test", "docs", "doc", "examples", "libs", "scripts"})

#: How services are found, as `advisor check --list` says it.
DISCOVERY = (
    "Services are found from the first of these that names any: (1) `services` in "
    "`.advisor.toml`, or under `[tool.advisor]` in the root `pyproject.toml` (a list of "
    'folders, `services = ["orders", "apps/billing"]`, or a table of name = folder); '
    "(2) the entries of compose files (`docker-compose*.yml`, `compose*.yaml`) built from a "
    "folder inside the project (its Dockerfile's folder when `dockerfile:` lies below the "
    "context); (3) the outermost folders holding a `Dockerfile`, `pyproject.toml`, "
    "`requirements.txt` or `setup.py` and Python code (not under `"
    + "`, `".join(sorted(_NOT_SERVICES))
    + "`, nor `*-sdk`), or else the project itself when its root holds a Dockerfile and "
    "Python code; (4) the folders `services/<name>/`. Hidden, virtualenv (`pyvenv.cfg`), "
    "vendored and build folders are never read. No service (and no `contracts/events/` or "
    "`libs/*-sdk`) is an error, never a pass."
)


@dataclass(frozen=True)
class Service:
    """A service boundary: a folder of the project and how it was found."""

    name: str
    root: Path
    #: How the service was found, for the report: ``"docker-compose.yml"``, ``"Dockerfile"``...
    found_by: str
    #: Folders its code is imported from besides its own: Dockerfile WORKDIR/PYTHONPATH.
    docker_roots: tuple[Path, ...] = ()
    #: Top-level import names its code defines (see :func:`packages`).
    packages: frozenset[str] = frozenset()


@dataclass
class Discovery:
    """The services found, and the compose entries read on the way."""

    services: list[Service]
    compose: list[_compose.ComposeService]
    _prefixes: list[tuple[str, Service]] | None = None

    def owner(self, path: Path) -> Service | None:
        """The service whose folder holds ``path`` (the innermost one)."""
        if self._prefixes is None:
            # Longest folder first: the innermost service wins. Strings: this runs per file.
            self._prefixes = sorted(
                ((f"{s.root}/", s) for s in self.services), key=lambda p: -len(p[0])
            )
        text = f"{path}/"
        return next((s for prefix, s in self._prefixes if text.startswith(prefix)), None)

    def compose_owner(self, entry: _compose.ComposeService) -> str | None:
        """The service a compose entry's configuration belongs to, if any.

        An entry built from a service's folder is that service (a worker and an API built
        from one folder are one service); an entry built elsewhere in the project goes by
        its own name; an image-only entry is a service only when it bears one's name
        (`orders: image: registry/orders`): other images are databases, brokers and
        tools, whose access to a database is no service sharing it.
        """
        root = _service_root(entry)
        name = p.normalise(entry.name)
        for service in self.services:
            if (root is not None and service.root == root) or service.name == name:
                return service.name
        return name if root is not None else None


class _Declared(BaseModel):
    model_config = ConfigDict(extra="ignore")

    services: list[str] | dict[str, str] | None = None


def _declared(project: Path, index: _files.FileIndex) -> list[Service]:
    for file, table in ((".advisor.toml", ()), ("pyproject.toml", ("tool", "advisor"))):
        path = project / file
        if not path.is_file():
            continue
        where = file + (" [tool.advisor]" if table else "")
        try:
            data: object = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise CheckError(f"{file}: not readable TOML: {exc}") from None
        for key in table:
            data = data.get(key, {}) if isinstance(data, dict) else {}
        try:
            declared = _Declared.model_validate(data).services
        except ValidationError:
            raise CheckError(
                f"{where} services: expected a list of folders or a table of name = folder"
            ) from None
        if declared is None:
            continue
        pairs = (
            declared.items()
            if isinstance(declared, dict)
            else (((project / f).resolve().name, f) for f in declared)
        )
        found = []
        for name, folder in pairs:
            root = (project / folder).resolve()
            if root not in index.dirs:
                raise CheckError(
                    f"{where} services: {folder!r} is not a folder of the project "
                    "(or lies in a skipped folder)"
                )
            found.append(Service(p.normalise(name), root, where))
        return found
    return []


def _service_root(entry: _compose.ComposeService) -> Path | None:
    """A built compose entry's folder: its Dockerfile's folder when that lies below the
    context (``context: .``, ``dockerfile: services/x/Dockerfile``), else the context."""
    if entry.context is None:
        return None
    if entry.dockerfile is not None and entry.context in entry.dockerfile.parent.parents:
        return entry.dockerfile.parent
    return entry.context


def _from_compose(project: Path, compose: list[_compose.ComposeService]) -> list[Service]:
    found: dict[Path, Service] = {}
    for entry in compose:
        root = _service_root(entry)
        if root is not None and root not in found:
            found[root] = Service(p.normalise(entry.name), root, p.relative(project, entry.file))
    return list(found.values())


def _from_folders(project: Path, index: _files.FileIndex) -> list[Service]:
    candidates = sorted(
        folder
        for folder in index.markers
        if folder != project and not _excluded(project, folder) and index.holds_code(folder)
    )
    outermost = [f for f in candidates if not any(c in f.parents for c in candidates)]
    names = [f.name for f in outermost]
    found = [
        Service(
            p.normalise(f.name if names.count(f.name) == 1 else p.relative(project, f)),
            f,
            p.relative(project, f / index.markers[f][0]),
        )
        for f in outermost
    ]
    if not found and "Dockerfile" in index.markers.get(project, ()) and index.code_dirs:
        found = [Service(p.normalise(project.name), project, "Dockerfile")]
    return found


def _excluded(project: Path, folder: Path) -> bool:
    parts = folder.relative_to(project).parts
    return any(part in _NOT_SERVICES for part in parts) or folder.name.endswith(("-sdk", "_sdk"))


def _from_services_folder(project: Path) -> list[Service]:
    base = project / "services"
    if not base.is_dir():
        return []
    return [
        Service(p.normalise(root.name), root, "services/")
        for root in sorted(base.iterdir())
        if root.is_dir() and not root.name.startswith(".") and root.name != "__pycache__"
    ]


def packages(service: Service, index: _files.FileIndex) -> frozenset[str]:
    """Import names a service owns: its name and folder name as identifiers, and every
    package (folder with ``__init__.py``) directly in its folder or its ``src/``."""
    names = {service.name.replace("-", "_"), service.root.name.replace("-", "_")}
    for parent in (service.root, service.root / "src"):
        names.update(
            folder.name
            for folder in index.dirs
            if folder.parent == parent and folder / "__init__.py" in index.python_set
        )
    return frozenset(names - {"tests", "test"})


def discover(project: Path, index: _files.FileIndex) -> Discovery:
    """The project's services (see the module's docstring for the order)."""
    compose = [entry for path in index.compose for entry in _compose.read_compose(project, path)]
    found = (
        _declared(project, index)
        or _from_compose(project, compose)
        or _from_folders(project, index)
        or _from_services_folder(project)
    )
    roots_of: dict[Path, tuple[Path, ...]] = {}
    for entry in compose:
        root = _service_root(entry)
        if root is not None and entry.context is not None and entry.dockerfile is not None:
            roots_of.setdefault(
                root, tuple(_compose.import_roots(entry.dockerfile, entry.context, index.dirs))
            )
    services = []
    for service in sorted(found, key=lambda s: s.name):
        docker = roots_of.get(service.root)
        if docker is None:
            docker = tuple(
                _compose.import_roots(service.root / "Dockerfile", service.root, index.dirs)
            )
        with_roots = Service(service.name, service.root, service.found_by, docker)
        services.append(
            Service(
                service.name,
                service.root,
                service.found_by,
                docker,
                packages(with_roots, index),
            )
        )
    return Discovery(services, compose)
