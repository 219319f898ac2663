"""``cross-service-import``: one service's code imports another service's code."""

from __future__ import annotations

import ast
from pathlib import Path

from advisor.checks._module import Module
from advisor.checks._scan import Project
from advisor.checks._services import Service
from advisor.checks.model import Check, Visitor


def imported_modules(module: Module) -> list[tuple[str, int]]:
    """Absolute modules a module imports (``from a import b`` yields ``a`` and ``a.b``)."""
    found: list[tuple[str, int]] = []
    for node in module.imports:
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif node.level == 0 and node.module:
            found.append((node.module, node.lineno))
            found += [
                (f"{node.module}.{alias.name}", node.lineno)
                for alias in node.names
                if alias.name != "*"
            ]
    return found


class Resolver:
    """Where an import leads, as Python would find it: the importer's own folders first.

    Paths are handled as strings and every answer is cached: a project imports the same
    few hundred modules from thousands of files.
    """

    def __init__(self, project: Project) -> None:
        self.project = project
        self._dirs = {str(d) for d in project.files.dirs}
        self._modules = {str(f) for f in project.files.python_set}
        self._found: dict[tuple[str, str], str | None] = {}
        self._owners: dict[str, Service | None] = {}

    def _find(self, root: str, module: str) -> str | None:
        """The deepest folder or file ``module`` names below ``root`` (None: not there)."""
        key = (root, module)
        if key in self._found:
            return self._found[key]
        found: str | None = None
        current = root
        for part in module.split("."):
            folder = f"{current}/{part}"
            if folder in self._dirs:
                found = current = folder
                continue
            if f"{folder}.py" in self._modules:
                found = f"{folder}.py"
            break
        self._found[key] = found
        return found

    def _owner(self, hit: str) -> Service | None:
        if hit not in self._owners:
            self._owners[hit] = self.project.discovery.owner(Path(hit))
        return self._owners[hit]

    def owner(
        self, importer: Service | None, path: Path, own: list[Path], module: str
    ) -> Service | None:
        """The other service whose code ``module`` resolves to, or None.

        Tried in order: ``own`` folders (the importing file's folder, its service's folder
        and ``src/``, its Dockerfile's import roots), then the project root; the first hit
        decides. Failing both, a top-level name one other service owns (its package) counts.
        """
        for root in (str(path.parent), *map(str, own), str(self.project.root)):
            hit = self._find(root, module)
            if hit is not None:
                other = self._owner(hit)
                return other if other is not None and other != importer else None
        head = module.split(".")[0]
        if importer is not None and head in importer.packages:
            return None
        owners = [s for s in self.project.services if s != importer and head in s.packages]
        return owners[0] if owners else None


def own_roots(service: Service) -> list[Path]:
    """The folders a service's code is imported from: its folder, ``src/``, Dockerfile roots."""
    return [service.root, service.root / "src", *service.docker_roots]


class _Visitor(Visitor):
    def __init__(self, check: Check, project: Project) -> None:
        super().__init__(check, project)
        self.resolver = Resolver(project)

    def wants(self, path: Path, service: Service | None, is_test: bool) -> bool:
        return service is not None

    def visit(self, module: Module) -> None:
        service = module.service
        assert service is not None
        roots = own_roots(service)
        seen: set[tuple[int, str]] = set()
        for name, line in imported_modules(module):
            other = self.resolver.owner(service, module.path, roots, name)
            if other is None or (line, other.name) in seen:
                continue
            seen.add((line, other.name))
            self.report(
                module.rel,
                f"service '{service.name}' imports '{name}' from service '{other.name}'; "
                "call its API, consume its events or use its SDK instead",
                line=line,
            )


CHECK = Check(
    id="cross-service-import",
    level="error",
    title="A service imports another service's code",
    anti_pattern="Importing another service's modules couples the two services' code, "
    "releases and data model, and crosses a bounded context.",
    best_practice="Respect bounded contexts: talk to another service only through its API, its "
    "events or its published SDK (`libs/<owner>-sdk`).",
    convention=(
        "Every absolute import (`import x`, `from x import y`) in the Python files of each "
        "service is resolved as Python would, against the importing service's own files "
        "first: the importing file's folder, the service's folder and its `src/`, and the "
        "folders its Dockerfile puts on the import path (`WORKDIR`, `ENV PYTHONPATH`, mapped "
        "back through simple `COPY` of folders); then the project root (`services.<b>.x`, "
        "`<b>.x`). The first folder or module found decides: inside another service's folder "
        "is reported, inside the importer's own folder or outside every service is not. A "
        "name found nowhere is reported when it is a package of another service (its name "
        "with dashes as underscores, or a folder with `__init__.py` directly in its folder or "
        "`src/`). Relative imports are the service's own code."
    ),
    source="docs/data-sharing-guide.md: Best Practices (bounded contexts); Database per Service",
    visitor=_Visitor,
)
