"""``non-idempotent-consumer``: a message handler that skips the idempotency guard."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

from advisor.checks import _project as p
from advisor.checks.model import Check, CheckOptions, Finding

#: A call or decorator whose name matches this is the idempotency guard.
GUARD = re.compile(r"idempotent|already_processed|mark_processed", re.IGNORECASE)
_CONSUMER_CLASSES = frozenset({"AIOKafkaConsumer", "KafkaConsumer"})
_MAX_DEPTH = 6

Function = ast.FunctionDef | ast.AsyncFunctionDef


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


def _functions(tree: ast.AST) -> list[Function]:
    return [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]


def _enclosing(tree: ast.Module, target: ast.AST) -> Function | None:
    """The innermost function containing ``target``."""
    best: Function | None = None
    for function in _functions(tree):
        contains = any(node is target for node in ast.walk(function))
        if contains and (best is None or function.lineno >= best.lineno):
            best = function
    return best


def subscribers(tree: ast.Module) -> list[Subscriber]:
    """Message handlers in a module: FastStream subscribers, consume callbacks and loops."""
    local = {f.name: f for f in _functions(tree)}
    consumers: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and _name(node.value) in _CONSUMER_CLASSES:
            consumers.update(t.id for t in node.targets if isinstance(t, ast.Name))
    found: list[Subscriber] = []
    for function in local.values():
        for decorator in function.decorator_list:
            if _name(decorator) == "subscriber":
                found.append(Subscriber(function, function.lineno, "subscriber"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _name(node) in {"basic_consume", "consume"}:
            callbacks = [
                kw.value for kw in node.keywords if kw.arg in {"on_message_callback", "callback"}
            ]
            callbacks += node.args[:2] if _name(node) == "basic_consume" else node.args[:1]
            for callback in callbacks:
                handler = local.get(_name(callback) or "")
                if handler is not None:
                    found.append(Subscriber(handler, handler.lineno, f"{_name(node)} callback"))
                    break
        elif isinstance(node, ast.AsyncFor | ast.For):
            source = node.iter
            looped = (isinstance(source, ast.Name) and source.id in consumers) or (
                isinstance(source, ast.Call) and _name(source) == "iterator"
            )
            if looped and (owner := _enclosing(tree, node)) is not None:
                found.append(Subscriber(owner, node.lineno, "consume loop"))
    unique = {(s.function.name, s.line): s for s in found}
    return [unique[key] for key in sorted(unique, key=lambda k: k[1])]


def _guarded_directly(function: Function) -> bool:
    if any(GUARD.search(_name(d) or "") for d in function.decorator_list):
        return True
    return any(
        isinstance(node, ast.Call) and GUARD.search(_name(node) or "")
        for node in ast.walk(function)
    )


def is_guarded(function: Function, index: dict[str, list[Function]]) -> bool:
    """True if ``function`` or a function it calls (by name, anywhere in the project) is guarded."""
    seen: set[int] = set()
    queue: list[tuple[Function, int]] = [(function, 0)]
    while queue:
        current, depth = queue.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if _guarded_directly(current):
            return True
        if depth >= _MAX_DEPTH:
            continue
        for node in ast.walk(current):
            if isinstance(node, ast.Call) and (name := _name(node)):
                queue.extend((callee, depth + 1) for callee in index.get(name, []))
    return False


def run(project: Path, options: CheckOptions) -> list[Finding]:
    """Report subscribers whose handling never reaches the idempotency guard."""
    del options
    modules = list(p.python_modules(project))
    index: dict[str, list[Function]] = {}
    for _path, tree in modules:
        for function in _functions(tree):
            index.setdefault(function.name, []).append(function)
    findings: list[Finding] = []
    for path, tree in modules:
        for sub in subscribers(tree):
            if not is_guarded(sub.function, index):
                findings.append(
                    CHECK.finding(
                        p.relative(project, path),
                        f"{sub.kind} '{sub.function.name}' does not go through the idempotency "
                        "guard; redelivered messages would be applied twice",
                        line=sub.line,
                    )
                )
    return findings


CHECK = Check(
    id="non-idempotent-consumer",
    level="error",
    title="Message consumer is not idempotent",
    anti_pattern="A consumer that applies every delivery: brokers deliver at least once, so "
    "redeliveries and replays apply the same change twice.",
    best_practice="Idempotent consumers: record each processed message id in the same "
    "transaction as its effect and skip ids already recorded.",
    convention=(
        "Subscribers are: functions decorated `@<anything>.subscriber(...)` (FastStream "
        "broker/router); functions passed to `basic_consume(...)` (pika) or `.consume(...)` "
        "(aio-pika); functions looping over `queue.iterator()` (aio-pika) or over a variable "
        "assigned `AIOKafkaConsumer(...)`/`KafkaConsumer(...)`. A subscriber is guarded when it "
        "is decorated with, or calls, something whose name contains `idempotent`, "
        "`already_processed` or `mark_processed` (case-insensitive), directly or through "
        "functions it calls by name anywhere in the project (up to 6 calls deep)."
    ),
    source="seed: Best Practices (idempotent consumers and retry logic)",
    run=run,
)
