"""``replica-write``: code other than the projector writes the read replica."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from advisor.checks import _project as p
from advisor.checks.model import Check, CheckOptions, Finding

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


def is_projector(project: Path, path: Path) -> bool:
    """True for ``projector.py`` or any module inside a ``projector`` package."""
    parts = path.relative_to(project).parts
    return path.name == "projector.py" or "projector" in parts[:-1]


def replica_names(project: Path) -> set[str]:
    """Names bound to replica models and tables anywhere in the project.

    A replica model is a class whose name ends with ``Replica`` or whose
    ``__tablename__`` starts with ``replica_``; a replica table is a name assigned
    ``Table("replica_...", ...)``.
    """
    names: set[str] = set()
    for _path, tree in p.python_modules(project):
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                if node.name.endswith(REPLICA_SUFFIX) or _tablename(node).startswith(
                    REPLICA_PREFIX
                ):
                    names.add(node.name)
            elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
                call = node.value
                if (
                    p.call_name(call) == "Table"
                    and call.args
                    and isinstance(call.args[0], ast.Constant)
                    and str(call.args[0].value).startswith(REPLICA_PREFIX)
                ):
                    names.update(t.id for t in node.targets if isinstance(t, ast.Name))
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


def _mentions(node: ast.AST, names: set[str]) -> bool:
    return any(isinstance(n, ast.Name) and n.id in names for n in ast.walk(node))


def _scopes(tree: ast.Module) -> list[ast.AST]:
    """The module and each function: the scopes in which variables are tracked."""
    return [
        tree,
        *(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)),
    ]


def _own_nodes(scope: ast.AST) -> list[ast.AST]:
    """Nodes of a scope, not descending into nested functions (they are scopes of their own)."""
    found: list[ast.AST] = []
    stack = list(ast.iter_child_nodes(scope))
    while stack:
        node = stack.pop()
        found.append(node)
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            stack.extend(ast.iter_child_nodes(node))
    return found


def writes(tree: ast.Module, replicas: set[str]) -> list[tuple[int, str]]:
    """Lines and descriptions of the replica writes in a module."""
    found: list[tuple[int, str]] = []
    for scope in _scopes(tree):
        nodes = _own_nodes(scope)
        # Variables holding replica rows: `row = UserReplica(...)`, `session.get(UserReplica, 1)`.
        tracked = set(replicas)
        for node in nodes:
            if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if _mentions(node.value, replicas):
                    tracked.update(t.id for t in targets if isinstance(t, ast.Name))
        for node in nodes:
            if isinstance(node, ast.Call):
                name = p.call_name(node)
                if name in _WRITE_CALLS and node.args and _mentions(node.args[0], tracked):
                    found.append((node.lineno, f"{name}() of a replica row or table"))
                elif (
                    name in _TABLE_WRITES
                    and isinstance(node.func, ast.Attribute)
                    and _mentions(node.func.value, replicas)
                ):
                    found.append((node.lineno, f"{name}() on a replica table"))
            elif isinstance(node, ast.Assign | ast.AugAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    if (
                        isinstance(target, ast.Attribute)
                        and isinstance(target.value, ast.Name)
                        and target.value.id in tracked - replicas
                    ):
                        found.append(
                            (node.lineno, f"assignment to a replica row's '{target.attr}'")
                        )
    for line, text in p.strings(tree):
        if match := _SQL_WRITE.search(text):
            found.append((line, f"SQL writing {match.group(3)}"))
    return sorted(set(found))


def run(project: Path, options: CheckOptions) -> list[Finding]:
    """Report writes to replica models/tables outside the projector."""
    del options
    replicas = replica_names(project)
    findings: list[Finding] = []
    for path, tree in p.python_modules(project, include_tests=False):
        parts = set(path.relative_to(project).parts[:-1])
        if is_projector(project, path) or parts & _SKIPPED_FOLDERS:
            continue
        for line, what in writes(tree, replicas):
            findings.append(
                CHECK.finding(
                    p.relative(project, path),
                    f"{what} outside the projector; the replica is read-only and only "
                    "projector.py applies events to it",
                    line=line,
                )
            )
    return findings


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
        "`add/add_all/merge/delete/bulk_*` of a replica instance or a variable holding one, "
        "`insert/update/delete/upsert(...)` of a replica model or table, "
        "`<replica table>.insert()/update()/delete()`, assigning an attribute of a variable "
        "holding a replica row, and SQL strings `INSERT INTO/UPDATE/DELETE FROM replica_*`."
    ),
    source="seed: Data Replication (best practices: make it read-only)",
    run=run,
)
