"""``cross-service-import``: one service's code imports another service's package."""

from __future__ import annotations

from pathlib import Path

from advisor.checks import _project as p
from advisor.checks.model import Check, CheckOptions, Finding


def owner_of(module: str, services: list[p.Service]) -> set[str]:
    """Names of the services a dotted module belongs to (``services.<svc>...`` or a package)."""
    parts = module.split(".")
    owners: set[str] = set()
    if parts[0] == "services" and len(parts) > 1:
        wanted = p.normalise(parts[1])
        owners.update(s.name for s in services if p.normalise(s.name) == wanted)
    owners.update(s.name for s in services if parts[0] in s.packages)
    return owners


def run(project: Path, options: CheckOptions) -> list[Finding]:
    """Report imports under ``services/<a>/`` of modules owned only by another service."""
    del options
    known = p.services(project)
    findings: list[Finding] = []
    for service in known:
        for path, tree in p.python_modules(service.root):
            seen: set[tuple[int, str]] = set()
            for ref in p.imports(tree):
                owners = owner_of(ref.module, known)
                if not owners or service.name in owners:
                    continue
                other = sorted(owners)[0]
                if (ref.line, other) in seen:
                    continue
                seen.add((ref.line, other))
                findings.append(
                    CHECK.finding(
                        p.relative(project, path),
                        f"service '{service.name}' imports '{ref.module}' from service "
                        f"'{other}'; call its API, consume its events or use its SDK instead",
                        line=ref.line,
                    )
                )
    return findings


CHECK = Check(
    id="cross-service-import",
    level="error",
    title="A service imports another service's code",
    anti_pattern="Importing another service's modules couples the two services' code, "
    "releases and data model, and crosses a bounded context.",
    best_practice="Respect bounded contexts: talk to another service only through its API, its "
    "events or its published SDK (`libs/<owner>-sdk`).",
    convention=(
        "Services are the folders `services/<name>/`. A service owns the import name `<name>` "
        "(dashes as underscores) and every package (folder with `__init__.py`) directly in its "
        "folder or its `src/`. Any import (`import x`, `from x import y`, `from services.<b> "
        "import y`) in a service's Python files of a name owned by another service, and not by "
        "itself, is reported."
    ),
    source="seed: Best Practices (bounded contexts); Database per Service",
    run=run,
)
