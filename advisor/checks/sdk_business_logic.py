"""``sdk-business-logic``: a shared SDK reaching into persistence or service code."""

from __future__ import annotations

from pathlib import Path

from advisor.checks import _project as p
from advisor.checks.cross_service_import import owner_of
from advisor.checks.model import Check, CheckOptions, Finding

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
    }
)


def sdk_roots(project: Path) -> list[Path]:
    """The SDK folders: ``libs/*-sdk`` (or ``*_sdk``)."""
    base = project / "libs"
    if not base.is_dir():
        return []
    return sorted(d for d in base.iterdir() if d.is_dir() and d.name.endswith(("-sdk", "_sdk")))


def run(project: Path, options: CheckOptions) -> list[Finding]:
    """Report SDK imports of persistence libraries or of services' code."""
    del options
    known = p.services(project)
    findings: list[Finding] = []
    for root in sdk_roots(project):
        for path, tree in p.python_modules(root, include_tests=False):
            reported: set[tuple[int, str]] = set()
            for ref in p.imports(tree):
                head = ref.module.split(".")[0]
                if head in PERSISTENCE:
                    what = f"the persistence library '{head}'"
                elif head == "services" or owner_of(ref.module, known):
                    what = f"service code '{ref.module}'"
                else:
                    continue
                if (ref.line, head) in reported:
                    continue
                reported.add((ref.line, head))
                findings.append(
                    CHECK.finding(
                        p.relative(project, path),
                        f"SDK '{root.name}' imports {what}; an SDK is a thin typed client over "
                        "the owner's API and holds no persistence or business logic",
                        line=ref.line,
                    )
                )
    return findings


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
        "package, or any import name owned by a service under `services/` is reported."
    ),
    source="seed: Shared Libraries or SDKs (should not contain business logic)",
    run=run,
)
