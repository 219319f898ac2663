"""``missing-timeout``: an HTTP client call or client without a timeout."""

from __future__ import annotations

import ast
from pathlib import Path

from advisor.checks._module import Module, dotted, head
from advisor.checks._services import Service
from advisor.checks.model import Check, Visitor

_VERBS = frozenset(
    {"get", "post", "put", "patch", "delete", "head", "options", "request", "stream"}
)
#: Fully qualified callables that need ``timeout=``; the value is how many positional
#: arguments carry the timeout (``urlopen(url, data, timeout)``), or None if only by keyword.
_TARGETS: dict[str, int | None] = {
    **{f"httpx.{verb}": None for verb in _VERBS},
    "httpx.Client": None,
    "httpx.AsyncClient": None,
    **{f"requests.{verb}": None for verb in _VERBS - {"stream"}},
    **{f"requests.api.{verb}": None for verb in _VERBS - {"stream"}},
    "urllib.request.urlopen": 3,
    # aiohttp's default total timeout is five minutes: a session needs its own.
    "aiohttp.ClientSession": None,
    "aiohttp.client.ClientSession": None,
    "aiohttp.request": None,
}
_LIBRARIES = frozenset({"httpx", "requests", "urllib", "aiohttp"})
_SESSIONS = frozenset({"requests.Session", "requests.session", "requests.sessions.Session"})


def _timeout_missing(call: ast.Call, positional: int | None) -> str | None:
    for keyword in call.keywords:
        if keyword.arg == "timeout":
            if isinstance(keyword.value, ast.Constant) and keyword.value.value is None:
                return "timeout=None disables the timeout"
            return None
        if keyword.arg is None:
            return None  # **kwargs may carry it
    if positional is not None and len(call.args) >= positional:
        return None
    return "no timeout"


def _session_names(module: Module, local: set[str]) -> set[str]:
    """Names (``s``, ``self.session``) bound to a ``requests.Session()``."""
    names: set[str] = set()
    pairs: list[tuple[ast.expr, ast.expr | None]] = []
    for node, _scope in module.assigns:
        if isinstance(node, ast.Assign):
            pairs += [(t, node.value) for t in node.targets]
        elif isinstance(node, ast.AnnAssign):
            pairs.append((node.target, node.value))
    for block in module.withs:
        pairs += [(i.optional_vars, i.context_expr) for i in block.items if i.optional_vars]
    for target, value in pairs:
        if (
            isinstance(value, ast.Call)
            and head(value.func) in local
            and module.qualified(value.func) in _SESSIONS
            and (name := dotted(target))
        ):
            names.add(name)
    return names


def calls_without_timeout(module: Module) -> list[tuple[int, str]]:
    """Lines and descriptions of HTTP calls lacking a timeout in one module."""
    local = {name for name, full in module.aliases.items() if full.split(".")[0] in _LIBRARIES}
    if not local:
        return []
    sessions = _session_names(module, local)
    heads = local | {name.split(".")[0] for name in sessions}
    found: list[tuple[int, str]] = []
    for node, _scope in module.calls:
        if head(node.func) not in heads:
            continue
        target = module.qualified(node.func)
        if target in _TARGETS:
            problem = _timeout_missing(node, _TARGETS[target])
            if problem:
                found.append((node.lineno, f"{target}(...): {problem}"))
        elif (
            sessions
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in _VERBS
            and dotted(node.func.value) in sessions
        ):
            problem = _timeout_missing(node, None)
            if problem:
                found.append((node.lineno, f"requests session .{node.func.attr}(...): {problem}"))
    return sorted(found)


class _Visitor(Visitor):
    def wants(self, path: Path, service: Service | None, is_test: bool) -> bool:
        return True

    def visit(self, module: Module) -> None:
        for line, what in calls_without_timeout(module):
            self.report(
                module.rel,
                f"{what}; pass an explicit timeout= so a slow service cannot hang this one",
                line=line,
            )


CHECK = Check(
    id="missing-timeout",
    level="error",
    title="HTTP call without a timeout",
    anti_pattern="A synchronous call to another service without a timeout: one slow service "
    "holds the caller's workers and failures cascade.",
    best_practice="Every cross-service call has a timeout, retries with backoff on idempotent "
    "calls and a circuit breaker.",
    convention=(
        "Every Python file of the project, resolving import aliases. httpx: "
        "`httpx.get/post/put/patch/delete/head/options/request/stream(...)`, `httpx.Client(...)` "
        "and `httpx.AsyncClient(...)` without `timeout=` (or with `timeout=None`); calls on an "
        "httpx client use the client's timeout. requests: `requests.<verb>(...)`, and verbs on "
        "a `requests.Session()` bound to a name or attribute (`s = ...`, `self.session = ...`, "
        "`with ... as s`), without `timeout=`. aiohttp: `aiohttp.ClientSession(...)` and "
        "`aiohttp.request(...)` without `timeout=` (its default is five minutes); calls on a "
        "session use the session's timeout. urllib: `urllib.request.urlopen(...)` without "
        "`timeout=` or a third positional argument. A call passing `**kwargs` is assumed to "
        "carry it."
    ),
    source="docs/data-sharing-guide.md: "
    "Synchronous Data Sharing (tips: retries, timeouts, circuit breakers)",
    visitor=_Visitor,
)
