"""``non-idempotent-consumer``: a message handler that skips the idempotency guard."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

from advisor.checks._module import Function, Module
from advisor.checks._scan import Project
from advisor.checks._services import Service
from advisor.checks.model import Check, Visitor

#: A call or decorator whose name matches this is the idempotency guard.
GUARD = re.compile(r"idempotent|already_processed|mark_processed", re.IGNORECASE)
_CONSUMER_CLASSES = frozenset({"AIOKafkaConsumer", "KafkaConsumer"})
#: nameko entrypoints that deliver messages or calls at least once.
_NAMEKO = {
    "event_handler": "nameko @event_handler",
    "rpc": "nameko @rpc",
    "consume": "nameko @consume",
}
_MAX_DEPTH = 6
_CONSUME = frozenset({"basic_consume", "consume"})
#: Calls that change state: a nameko ``@rpc`` making none of them is a read, safe to repeat.
_WRITES = re.compile(
    r"^(commit|save|add|add_all|merge|insert|update|delete|upsert|dispatch|publish|create)"
)


@dataclass(frozen=True, slots=True)
class FunctionInfo:
    """What the guard search needs of a function: kept instead of its syntax tree."""

    name: str
    guarded: bool
    callees: tuple[str, ...]


class CallGraph:
    """Functions by name across the project: which are guarded, and what the others call.

    Functions of one name are one node (calls are followed by name), and the names a
    function calls are kept as one tuple of the parser's interned strings, so the graph
    costs a few dozen bytes per function rather than its syntax tree.
    """

    def __init__(self) -> None:
        self.guarded: set[str] = set()
        self.calls: dict[str, tuple[str, ...]] = {}

    def add(self, info: FunctionInfo) -> None:
        if info.guarded:
            self.guarded.add(info.name)
        elif (known := self.calls.get(info.name)) is None:
            self.calls[info.name] = info.callees
        elif not set(info.callees) <= set(known):
            self.calls[info.name] = tuple(sorted({*known, *info.callees}))


@dataclass(frozen=True)
class Subscriber:
    """A message handler found in a module."""

    function: Function
    line: int
    kind: str


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _decorator_kind(module: Module, decorator: ast.expr) -> str | None:
    """The framework a decorator registers a handler with, if it is one we know."""
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    name = _name(target)
    qualified = module.qualified(target) or ""
    if name == "subscriber":
        return "subscriber"
    if qualified.startswith("nameko.") and name in _NAMEKO:
        return _NAMEKO[name]
    if name == "shared_task" or (isinstance(target, ast.Attribute) and name == "task"):
        return "Celery task"
    if qualified.startswith("celery.") and name == "task":
        return "Celery task"
    return None


def subscribers(module: Module) -> list[Subscriber]:
    """Message handlers in a module: subscribers, tasks, consume callbacks and loops."""
    local = {f.name: f for f in module.functions}
    found: list[Subscriber] = []
    for function in module.functions:
        for decorator in function.decorator_list:
            kind = _decorator_kind(module, decorator)
            if kind == _NAMEKO["rpc"] and not _writes(module, function):
                continue
            if kind:
                found.append(Subscriber(function, function.lineno, kind))
                break
    consumers: set[str] = set()
    for node, _scope in module.assigns:
        if isinstance(node, ast.Assign) and _name(node.value) in _CONSUMER_CLASSES:
            consumers.update(t.id for t in node.targets if isinstance(t, ast.Name))
    for (call, _scope), name in zip(module.calls, module.call_names, strict=True):
        if name not in _CONSUME:
            continue
        callbacks = [
            kw.value for kw in call.keywords if kw.arg in {"on_message_callback", "callback"}
        ]
        callbacks += call.args[:2] if name == "basic_consume" else call.args[:1]
        for callback in callbacks:
            handler = local.get(_name(callback) or "")
            if handler is not None:
                found.append(Subscriber(handler, handler.lineno, f"{name} callback"))
                break
    for loop, scope in module.loops:
        source = loop.iter
        looped = (isinstance(source, ast.Name) and source.id in consumers) or (
            isinstance(source, ast.Call) and _name(source) == "iterator"
        )
        if looped and scope is not None:
            found.append(Subscriber(scope, loop.lineno, "consume loop"))
    unique = {(s.function.name, s.line): s for s in found}
    return [unique[key] for key in sorted(unique, key=lambda k: k[1])]


def _writes(module: Module, function: Function) -> bool:
    return any(_WRITES.match(name) for name in module.calls_in[function])


def summarise(module: Module, function: Function) -> FunctionInfo:
    """A function's name, whether it is guarded itself, and the names it calls."""
    callees = tuple(sorted(set(module.calls_in[function])))
    decorators = (_name(d) or "" for d in function.decorator_list)
    # One search over all the names: a regular expression per name would cost more.
    guarded = bool(GUARD.search(" ".join((*decorators, *callees))))
    return FunctionInfo(function.name, guarded, callees)


def is_guarded(function: FunctionInfo, graph: CallGraph) -> bool:
    """True if ``function`` or a function it calls (by name, anywhere in the project) is guarded."""
    if function.guarded:
        return True
    seen: set[str] = set()
    frontier = set(function.callees)
    for _depth in range(_MAX_DEPTH):
        if frontier & graph.guarded:
            return True
        seen |= frontier
        frontier = {c for name in frontier for c in graph.calls.get(name, ())} - seen
    return False


class _Visitor(Visitor):
    def __init__(self, check: Check, project: Project) -> None:
        super().__init__(check, project)
        self.graph = CallGraph()
        # (path, line, kind, summary): the syntax tree goes when the scan moves on.
        self.pending: list[tuple[str, int, str, FunctionInfo]] = []

    def wants(self, path: Path, service: Service | None, is_test: bool) -> bool:
        return True

    def visit(self, module: Module) -> None:
        infos = {}
        for function in module.functions:
            info = infos[function] = summarise(module, function)
            self.graph.add(info)
        for sub in subscribers(module):
            self.pending.append((module.rel, sub.line, sub.kind, infos[sub.function]))

    def finish(self) -> None:
        for rel, line, kind, info in self.pending:
            if not is_guarded(info, self.graph):
                self.report(
                    rel,
                    f"{kind} '{info.name}' does not go through the idempotency guard; "
                    "redelivered messages would be applied twice",
                    line=line,
                )


CHECK = Check(
    id="non-idempotent-consumer",
    level="error",
    title="Message consumer is not idempotent",
    anti_pattern="A consumer that applies every delivery: brokers deliver at least once, so "
    "redeliveries and replays apply the same change twice.",
    best_practice="Idempotent consumers: record each processed message id in the same "
    "transaction as its effect and skip ids already recorded.",
    convention=(
        "Every Python file of the project. Handlers are, per framework: FastStream, functions "
        "decorated `@<broker or router>.subscriber(...)`; pika, functions passed to "
        "`basic_consume(...)`; aio-pika, functions passed to `.consume(...)` and functions "
        "looping over `queue.iterator()`; aiokafka/kafka-python, functions looping over a "
        "variable assigned `AIOKafkaConsumer(...)`/`KafkaConsumer(...)`; Celery, functions "
        "decorated `@<app>.task` or `@shared_task` (tasks are retried and redelivered); nameko, "
        "functions decorated `@event_handler` or `@consume` imported from `nameko`, and "
        "`@rpc` ones that write (call something named `commit`, `save`, `add`, `merge`, `insert`, "
        "`update`, `delete`, `upsert`, `dispatch`, `publish` or `create`, or starting so). A "
        "handler is guarded when it is decorated with, or calls, something whose name contains "
        "`idempotent`, `already_processed` or `mark_processed` (case-insensitive), directly or "
        "through functions it calls by name anywhere in the project (up to 6 calls deep)."
    ),
    source="docs/data-sharing-guide.md: Best Practices (idempotent consumers and retry logic)",
    visitor=_Visitor,
)
