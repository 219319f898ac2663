"""``replica-write``: code other than the projector writes the read replica."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

from advisor.checks import _project as p
from advisor.checks._module import Module, Scope
from advisor.checks._scan import Project
from advisor.checks._services import Service
from advisor.checks.model import Check, Visitor

REPLICA_PREFIX = "replica_"
REPLICA_SUFFIX = "Replica"
#: Methods that write the objects or tables given as their first argument.
_WRITE_CALLS = frozenset(
    {
        "add",
        "add_all",
        "merge",
        "delete",
        "insert",
        "update",
        "upsert",
        "bulk_save_objects",
        "bulk_insert_mappings",
        "bulk_update_mappings",
        "bulk_insert",
    }
)
#: Methods of a Table (or ``Model.__table__``) that build a write statement.
_TABLE_WRITES = frozenset({"insert", "update", "delete"})
_SQL_WRITE = re.compile(
    r"\b(insert\s+(or\s+\w+\s+)?into|update|delete\s+from|replace\s+into|merge\s+into)\s+"
    r"[\"`\[]?(replica_\w+)",
    re.IGNORECASE,
)
_SKIPPED_FOLDERS = frozenset({"migrations", "alembic"})


def is_projector(parts: tuple[str, ...]) -> bool:
    """True for ``projector.py`` or any module inside a ``projector`` package."""
    return parts[-1] == "projector.py" or "projector" in parts[:-1]


def replica_names(module: Module) -> set[str]:
    """Names a module binds to replica models and tables.

    A replica model is a class whose name ends with ``Replica`` or whose
    ``__tablename__`` starts with ``replica_``; a replica table is a name assigned
    ``Table("replica_...", ...)``.
    """
    names: set[str] = set()
    for node in module.classes:
        if node.name.endswith(REPLICA_SUFFIX) or _tablename(node).startswith(REPLICA_PREFIX):
            names.add(node.name)
    for assign, _scope in module.assigns:
        if isinstance(assign, ast.Assign) and isinstance(assign.value, ast.Call):
            call = assign.value
            if (
                p.call_name(call) == "Table"
                and call.args
                and isinstance(call.args[0], ast.Constant)
                and str(call.args[0].value).startswith(REPLICA_PREFIX)
            ):
                names.update(t.id for t in assign.targets if isinstance(t, ast.Name))
    return names


def _tablename(node: ast.ClassDef) -> str:
    for stmt in node.body:
        target = None
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            target, value = stmt.targets[0], stmt.value
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            target, value = stmt.target, stmt.value
        if (
            isinstance(target, ast.Name)
            and target.id == "__tablename__"
            and isinstance(value, ast.Constant)
        ):
            return str(value.value)
    return ""


def _mentions(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


@dataclass(frozen=True)
class Candidate:
    """A statement that writes the replica if any name in ``trigger`` is a replica name.

    The replica names are known only once every file was read, so each possible write is
    kept with the names that would make it one (names it mentions, and the names mentioned
    where the variables it uses were assigned) instead of its syntax tree.
    """

    line: int
    what: str
    trigger: frozenset[str]
    #: A variable whose attribute is assigned: not a write when it is a replica class itself.
    variable: str | None = None

    def writes(self, replicas: set[str]) -> bool:
        return bool(self.trigger & replicas) and self.variable not in replicas


class _Scope:
    """Assignments of one scope (module or function), to find what a variable holds."""

    def __init__(self) -> None:
        self.values: dict[str, list[ast.expr]] = {}
        self._held: dict[str, frozenset[str]] = {}

    def held(self, variable: str) -> frozenset[str]:
        """Names mentioned by the values assigned to ``variable`` in this scope."""
        if variable not in self._held:
            found: set[str] = set()
            for value in self.values.get(variable, []):
                found |= _mentions(value)
            self._held[variable] = frozenset(found)
        return self._held[variable]


def candidates(module: Module) -> list[Candidate]:
    """Every statement of a module that would write the replica, given the replica names."""
    scopes: dict[Scope, _Scope] = {}
    attribute_sets: list[tuple[Scope, int, ast.Attribute]] = []
    for node, scope in module.assigns:
        data = scopes.setdefault(scope, _Scope())
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        if not isinstance(node, ast.AugAssign) and node.value is not None:
            for target in targets:
                if isinstance(target, ast.Name):
                    data.values.setdefault(target.id, []).append(node.value)
        if not isinstance(node, ast.AnnAssign):
            attribute_sets += [
                (scope, node.lineno, t)
                for t in targets
                if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name)
            ]
    found: list[Candidate] = []
    for (call, scope), name in zip(module.calls, module.call_names, strict=True):
        if name not in _WRITE_CALLS:
            continue
        data = scopes.get(scope) or _Scope()
        if call.args:
            mentioned = _mentions(call.args[0])
            trigger = set(mentioned)
            for variable in mentioned:
                trigger |= data.held(variable)
            found.append(
                Candidate(call.lineno, f"{name}() of a replica row or table", frozenset(trigger))
            )
        if name in _TABLE_WRITES and isinstance(call.func, ast.Attribute):
            found.append(
                Candidate(
                    call.lineno,
                    f"{name}() on a replica table",
                    frozenset(_mentions(call.func.value)),
                )
            )
    for scope, line, target in attribute_sets:
        assert isinstance(target.value, ast.Name)
        variable = target.value.id
        held = (scopes.get(scope) or _Scope()).held(variable)
        if held:
            found.append(
                Candidate(line, f"assignment to a replica row's '{target.attr}'", held, variable)
            )
    return found


def sql_writes(module: Module) -> list[tuple[int, str]]:
    """SQL strings writing a ``replica_*`` table."""
    found = []
    for line, text in module.strings:
        if "replica_" in text.lower() and (match := _SQL_WRITE.search(text)):
            found.append((line, f"SQL writing {match.group(3)}"))
    return found


class _Visitor(Visitor):
    def __init__(self, check: Check, project: Project) -> None:
        super().__init__(check, project)
        self.replicas: set[str] = set()
        self.pending: list[tuple[str, Candidate]] = []

    def wants(self, path: Path, service: Service | None, is_test: bool) -> bool:
        return True

    def visit(self, module: Module) -> None:
        self.replicas |= replica_names(module)
        parts = tuple(module.rel.split("/"))
        if module.is_test or is_projector(parts) or set(parts[:-1]) & _SKIPPED_FOLDERS:
            return
        self.pending += [(module.rel, c) for c in candidates(module)]
        for line, what in sql_writes(module):
            self._report(module.rel, line, what)

    def finish(self) -> None:
        reported: set[tuple[str, int]] = set()
        for rel, candidate in self.pending:
            if (rel, candidate.line) not in reported and candidate.writes(self.replicas):
                reported.add((rel, candidate.line))
                self._report(rel, candidate.line, candidate.what)

    def _report(self, rel: str, line: int, what: str) -> None:
        self.report(
            rel,
            f"{what} outside the projector; the replica is read-only and only "
            "projector.py applies events to it",
            line=line,
        )


CHECK = Check(
    id="replica-write",
    level="error",
    title="The read replica is written outside the projector",
    anti_pattern="Code other than the event projector writes the local copy of another "
    "service's data, so the copy drifts from its owner.",
    best_practice="Make the replica read-only: only the projector, applying the owner's events "
    "in order, writes it; everything else reads.",
    convention=(
        "Replica models are classes named `*Replica` or with `__tablename__ = 'replica_*'`; "
        "replica tables are names assigned `Table('replica_*', ...)`. The projector is any "
        "`projector.py` module or module inside a `projector/` package. Outside it (and outside "
        "tests, `migrations/` and `alembic/`), these are writes: "
        "`add/add_all/merge/delete/bulk_*` of a replica instance or a variable holding one "
        "(assigned, in the same function, something naming a replica model), "
        "`insert/update/delete/upsert(...)` of a replica model or table, "
        "`<replica table>.insert()/update()/delete()`, assigning an attribute of a variable "
        "holding a replica row, and SQL strings `INSERT INTO/UPDATE/DELETE FROM replica_*`."
    ),
    source="docs/data-sharing-guide.md: Data Replication (best practices: make it read-only)",
    visitor=_Visitor,
)
