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
from typing import Any

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
    #: The simple name of each call in ``calls`` (``a.b.c()`` → ``c``), None for others.
    call_names: list[str | None] = field(default_factory=list)
    #: Simple names of the calls made anywhere inside each function, nested ones included.
    calls_in: dict[Function, list[str]] = field(default_factory=dict)
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

    def calls_into(self, libraries: frozenset[str]) -> list[tuple[ast.Call, Scope]]:
        """The calls of names imported from ``libraries`` (by top-level package name)."""
        local = {n for n, full in self.aliases.items() if full.split(".")[0] in libraries}
        if not local:
            return []
        return [(call, scope) for call, scope in self.calls if head(call.func) in local]

    def qualified(self, node: ast.expr) -> str | None:
        """The imported name an expression refers to (``hx.get`` → ``httpx.get``), or None."""
        name = dotted(node)
        if name is None:
            return None
        head, _, rest = name.partition(".")
        if head not in self.aliases:
            return None
        return f"{self.aliases[head]}.{rest}" if rest else self.aliases[head]


def head(node: ast.expr) -> str | None:
    """The name a chain of attributes starts from: ``a.b.c`` → ``a``."""
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


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


#: What the walk does with each kind of node (any other kind is only walked through).
_NAME, _CONSTANT, _CALL, _FUNCTION, _ASSIGN, _IMPORT, _CLASS, _FSTRING, _LOOP, _WITH = range(10)
_KINDS: dict[type[ast.AST], int] = {
    ast.Name: _NAME,
    ast.MatchSingleton: _NAME,  # its value is True, False or None: nothing to walk
    ast.Constant: _CONSTANT,
    ast.Call: _CALL,
    ast.FunctionDef: _FUNCTION,
    ast.AsyncFunctionDef: _FUNCTION,
    ast.Assign: _ASSIGN,
    ast.AnnAssign: _ASSIGN,
    ast.AugAssign: _ASSIGN,
    ast.Import: _IMPORT,
    ast.ImportFrom: _IMPORT,
    ast.ClassDef: _CLASS,
    ast.JoinedStr: _FSTRING,
    ast.For: _LOOP,
    ast.AsyncFor: _LOOP,
    ast.With: _WITH,
    ast.AsyncWith: _WITH,
}
#: Fields that never hold a node worth visiting: names, flags, contexts and operators,
#: and type annotations (no check looks for calls or strings in them).
_LEAF_FIELDS = frozenset(
    {
        "ctx",
        "op",
        "ops",
        "name",
        "id",
        "arg",
        "attr",
        "module",
        "level",
        "type_comment",
        "kind",
        "conversion",
        "is_async",
        "simple",
        "names",
        "asname",
        "kwd_attrs",
        "annotation",
        "returns",
        "type_params",
        "type_ignores",
    }
)
#: List fields that may hold None besides nodes (``{**a}`` keys, keyword-only defaults).
_SPARSE_LISTS = frozenset({"keys", "kw_defaults"})
_CHILD_FIELDS: dict[type[ast.AST], tuple[str, ...]] = {}
#: Marks, on the walk's stack, the end of a function's body.
_END = ast.AST()


def _child_fields(kind: type[ast.AST]) -> tuple[str, ...]:
    """A node type's fields that may hold nodes, last first (the walk pops them in order)."""
    fields = _CHILD_FIELDS.get(kind)
    if fields is None:
        fields = _CHILD_FIELDS[kind] = tuple(
            f for f in reversed(kind._fields) if f not in _LEAF_FIELDS
        )
    return fields


def index(module: Module) -> None:
    """Sort the module's nodes by kind in one depth-first walk, in source order.

    This walk is most of what checking costs after parsing, so it is written for speed:
    one dictionary lookup per node, no tuple per node, leaf fields never read.
    """
    calls, call_names, strings, assigns, calls_in = (
        module.calls,
        module.call_names,
        module.strings,
        module.assigns,
        module.calls_in,
    )
    scopes: list[Function] = []
    stack: list[ast.AST] = [module.tree]
    pop, push, extend, kinds = stack.pop, stack.append, stack.extend, _KINDS
    while stack:
        # Typed Any: the kind lookup below decides the type, and isinstance asserts on
        # every node would cost a tenth of the walk.
        node: Any = pop()
        if node is _END:
            scopes.pop()
            continue
        kind = kinds.get(node.__class__)
        if kind is not None:
            if kind == _NAME:
                continue
            if kind == _CONSTANT:
                if isinstance(node.value, str):
                    strings.append((node.lineno, node.value))
                continue
            if kind == _CALL:
                calls.append((node, scopes[-1] if scopes else None))
                func = node.func
                called = (
                    func.attr
                    if func.__class__ is ast.Attribute
                    else func.id
                    if func.__class__ is ast.Name
                    else None
                )
                call_names.append(called)
                if called is not None:
                    for function in scopes:
                        calls_in[function].append(called)
            elif kind == _FUNCTION:
                module.functions.append(node)
                calls_in[node] = []
                push(_END)
                scopes.append(node)
            elif kind == _ASSIGN:
                assigns.append((node, scopes[-1] if scopes else None))
            elif kind == _IMPORT:
                module.imports.append(node)
                continue
            elif kind == _CLASS:
                module.classes.append(node)
            elif kind == _FSTRING:
                module.fstrings.append(node)
            elif kind == _LOOP:
                module.loops.append((node, scopes[-1] if scopes else None))
            else:
                module.withs.append(node)
        for name in _CHILD_FIELDS.get(node.__class__) or _child_fields(node.__class__):
            value = getattr(node, name, None)
            if value.__class__ is list:
                if name in _SPARSE_LISTS:
                    extend(child for child in reversed(value) if child is not None)
                else:
                    extend(reversed(value))
            elif value is not None and value.__class__ is not str:
                push(value)


def load(path: Path, rel: str, service: Service | None, *, is_test: bool) -> Module | None:
    """The file parsed and indexed, or None when it cannot be parsed."""
    tree = parse(path)
    if tree is None:
        return None
    module = Module(path=path, rel=rel, service=service, is_test=is_test, tree=tree)
    index(module)
    return module
