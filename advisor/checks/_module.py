"""One Python file, parsed once and walked once for every check.

:func:`load` parses a file and sorts its nodes into the few kinds the checks look at
(calls, functions, imports, strings, assignments, loops, ``with`` blocks), each with the
function it sits in. Checks read these lists instead of walking the tree again, and the
scanner drops the module once every check has seen it, so memory does not grow with the
number of files.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

from advisor.checks._services import Service

Function = ast.FunctionDef | ast.AsyncFunctionDef
Scope = Function | None


@dataclass
class Module:
    """A parsed Python file of the checked project and its nodes by kind."""

    path: Path
    #: The path relative to the project, POSIX separators.
    rel: str
    service: Service | None
    is_test: bool
    tree: ast.Module
    functions: list[Function] = field(default_factory=list)
    classes: list[ast.ClassDef] = field(default_factory=list)
    imports: list[ast.Import | ast.ImportFrom] = field(default_factory=list)
    #: Each string literal's line and text.
    strings: list[tuple[int, str]] = field(default_factory=list)
    fstrings: list[ast.JoinedStr] = field(default_factory=list)
    #: Each call with the innermost function it is in (None: module level).
    calls: list[tuple[ast.Call, Scope]] = field(default_factory=list)
    #: Calls made anywhere inside each function, nested functions included.
    calls_in: dict[Function, list[ast.Call]] = field(default_factory=dict)
    assigns: list[tuple[ast.Assign | ast.AnnAssign | ast.AugAssign, Scope]] = field(
        default_factory=list
    )
    loops: list[tuple[ast.For | ast.AsyncFor, Scope]] = field(default_factory=list)
    withs: list[ast.With | ast.AsyncWith] = field(default_factory=list)
    _aliases: dict[str, str] | None = None

    @property
    def aliases(self) -> dict[str, str]:
        """Local names → the fully qualified names they were imported as."""
        if self._aliases is None:
            names: dict[str, str] = {}
            for node in self.imports:
                if isinstance(node, ast.Import):
                    for alias in node.names:
                        if alias.asname:
                            names[alias.asname] = alias.name
                        else:
                            head = alias.name.split(".")[0]
                            names[head] = head
                elif node.level == 0 and node.module:
                    for alias in node.names:
                        names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
            self._aliases = names
        return self._aliases

    def qualified(self, node: ast.expr) -> str | None:
        """The imported name an expression refers to (``hx.get`` → ``httpx.get``), or None."""
        name = dotted(node)
        if name is None:
            return None
        head, _, rest = name.partition(".")
        if head not in self.aliases:
            return None
        return f"{self.aliases[head]}.{rest}" if rest else self.aliases[head]


def dotted(node: ast.expr) -> str | None:
    """``a.b.c`` as a string for a chain of names and attributes, else None."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def parse(path: Path) -> ast.Module | None:
    """The file's syntax tree, or None when it cannot be read or parsed (others report that)."""
    try:
        return ast.parse(path.read_bytes(), filename=str(path))
    except (OSError, SyntaxError, ValueError, UnicodeDecodeError):
        return None


def index(module: Module) -> None:
    """Sort the module's nodes by kind in one depth-first walk, in source order."""
    calls, strings, assigns, calls_in = (
        module.calls,
        module.strings,
        module.assigns,
        module.calls_in,
    )
    stack: list[tuple[ast.AST, tuple[Function, ...]]] = [(module.tree, ())]
    pop, push = stack.pop, stack.append
    while stack:
        node, scopes = pop()
        if isinstance(node, ast.Name):
            continue
        if isinstance(node, ast.Constant):
            if isinstance(node.value, str):
                strings.append((node.lineno, node.value))
            continue
        if isinstance(node, ast.Call):
            calls.append((node, scopes[-1] if scopes else None))
            for function in scopes:
                calls_in[function].append(node)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            module.functions.append(node)
            calls_in[node] = []
            scopes = (*scopes, node)
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            assigns.append((node, scopes[-1] if scopes else None))
        elif isinstance(node, ast.Import | ast.ImportFrom):
            module.imports.append(node)
            continue
        elif isinstance(node, ast.ClassDef):
            module.classes.append(node)
        elif isinstance(node, ast.JoinedStr):
            module.fstrings.append(node)
        elif isinstance(node, ast.For | ast.AsyncFor):
            module.loops.append((node, scopes[-1] if scopes else None))
        elif isinstance(node, ast.With | ast.AsyncWith):
            module.withs.append(node)
        # Children pushed last first, so they come off the stack in source order.
        for name in reversed(node._fields):
            value = getattr(node, name, None)
            if isinstance(value, list):
                for child in reversed(value):
                    if isinstance(child, ast.AST):
                        push((child, scopes))
            elif isinstance(value, ast.AST):
                push((value, scopes))


def load(path: Path, rel: str, service: Service | None, *, is_test: bool) -> Module | None:
    """The file parsed and indexed, or None when it cannot be parsed."""
    tree = parse(path)
    if tree is None:
        return None
    module = Module(path=path, rel=rel, service=service, is_test=is_test, tree=tree)
    index(module)
    return module
