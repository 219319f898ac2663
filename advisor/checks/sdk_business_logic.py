"""``sdk-business-logic``: a shared SDK reaching into persistence or service code."""

from __future__ import annotations

from pathlib import Path

from advisor.checks._module import Module
from advisor.checks._scan import Project
from advisor.checks._services import Service
from advisor.checks.cross_service_import import Resolver, imported_modules
from advisor.checks.model import Check, Visitor

PERSISTENCE = frozenset(
    {
        "sqlalchemy",
        "sqlmodel",
        "asyncpg",
        "psycopg",
        "psycopg2",
        "sqlite3",
        "aiosqlite",
        "redis",
        "pymongo",
        "motor",
        "peewee",
        "tortoise",
        "databases",
        "pymysql",
        "MySQLdb",
        "django",
    }
)


def sdk_root(project: Path, path: Path) -> Path | None:
    """The SDK folder ``libs/*-sdk`` (or ``*_sdk``) holding ``path``, if any."""
    parts = path.relative_to(project).parts
    if len(parts) > 2 and parts[0] == "libs" and parts[1].endswith(("-sdk", "_sdk")):
        return project / parts[0] / parts[1]
    return None


class _Visitor(Visitor):
    def __init__(self, check: Check, project: Project) -> None:
        super().__init__(check, project)
        self.resolver = Resolver(project)

    def wants(self, path: Path, service: Service | None, is_test: bool) -> bool:
        return not is_test and sdk_root(self.project.root, path) is not None

    def visit(self, module: Module) -> None:
        root = sdk_root(self.project.root, module.path)
        assert root is not None
        reported: set[tuple[int, str]] = set()
        for name, line in imported_modules(module):
            head = name.split(".")[0]
            if head in PERSISTENCE:
                what = f"the persistence library '{head}'"
            elif head == "services" or self.resolver.owner(
                None, module.path, [root, root / "src"], name
            ):
                what = f"service code '{name}'"
            else:
                continue
            if (line, head) in reported:
                continue
            reported.add((line, head))
            self.report(
                module.rel,
                f"SDK '{root.name}' imports {what}; an SDK is a thin typed client over "
                "the owner's API and holds no persistence or business logic",
                line=line,
            )


CHECK = Check(
    id="sdk-business-logic",
    level="error",
    title="Shared SDK contains business logic",
    anti_pattern="A shared SDK that talks to databases or embeds a service's code: consumers "
    "inherit its logic, schema and release cycle.",
    best_practice="A shared SDK only wraps the owner's API (typed client, timeouts, retries), "
    "is semantically versioned and holds no business logic.",
    convention=(
        "In the non-test Python files of `libs/*-sdk/` (or `libs/*_sdk/`), importing a "
        "persistence library (" + ", ".join(sorted(PERSISTENCE)) + "), the `services` "
        "package, or a module that resolves to a service's code (as `cross-service-import` "
        "resolves it) is reported."
    ),
    source="docs/data-sharing-guide.md: "
    "Shared Libraries or SDKs (should not contain business logic)",
    visitor=_Visitor,
)
