"""``missing-timeout``: an HTTP client call or client without a timeout."""

from __future__ import annotations

import ast
from pathlib import Path

from advisor.checks import _project as p
from advisor.checks.model import Check, CheckOptions, Finding

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
}
_SESSIONS = frozenset({"requests.Session", "requests.session", "requests.sessions.Session"})


def _aliases(tree: ast.Module) -> dict[str, str]:
    """Local names → the fully qualified names they were imported as."""
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    names[alias.asname] = alias.name
                else:
                    head = alias.name.split(".")[0]
                    names[head] = head
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def qualified(node: ast.expr, aliases: dict[str, str]) -> str | None:
    """The imported, fully qualified name an expression refers to (``hx.get`` → ``httpx.get``)."""
    name = p.dotted(node)
    if name is None:
        return None
    head, _, rest = name.partition(".")
    if head not in aliases:
        return None
    return f"{aliases[head]}.{rest}" if rest else aliases[head]


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


def _session_names(tree: ast.Module, aliases: dict[str, str]) -> set[str]:
    """Names bound to a ``requests.Session()`` (assignment or ``with ... as``)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        pairs: list[tuple[ast.expr, ast.expr | None]] = []
        if isinstance(node, ast.Assign):
            pairs = [(t, node.value) for t in node.targets]
        elif isinstance(node, ast.With | ast.AsyncWith):
            pairs = [(i.optional_vars, i.context_expr) for i in node.items if i.optional_vars]
        for target, value in pairs:
            if (
                isinstance(target, ast.Name)
                and isinstance(value, ast.Call)
                and qualified(value.func, aliases) in _SESSIONS
            ):
                names.add(target.id)
    return names


def calls_without_timeout(tree: ast.Module) -> list[tuple[int, str]]:
    """Lines and descriptions of HTTP calls lacking a timeout in one module."""
    aliases = _aliases(tree)
    sessions = _session_names(tree, aliases)
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        target = qualified(node.func, aliases)
        if target in _TARGETS:
            problem = _timeout_missing(node, _TARGETS[target])
            if problem:
                found.append((node.lineno, f"{target}(...): {problem}"))
        elif (
            isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id in sessions
            and node.func.attr in _VERBS
        ):
            problem = _timeout_missing(node, None)
            if problem:
                found.append((node.lineno, f"requests session .{node.func.attr}(...): {problem}"))
    return sorted(found)


def run(project: Path, options: CheckOptions) -> list[Finding]:
    """Report HTTP client calls and clients created without a timeout."""
    del options
    findings: list[Finding] = []
    for path, tree in p.python_modules(project):
        for line, what in calls_without_timeout(tree):
            findings.append(
                CHECK.finding(
                    p.relative(project, path),
                    f"{what}; pass an explicit timeout= so a slow service cannot hang this one",
                    line=line,
                )
            )
    return findings


CHECK = Check(
    id="missing-timeout",
    level="error",
    title="HTTP call without a timeout",
    anti_pattern="A synchronous call to another service without a timeout: one slow service "
    "holds the caller's workers and failures cascade.",
    best_practice="Every cross-service call has a timeout, retries with backoff on idempotent "
    "calls and a circuit breaker.",
    convention=(
        "Reported, resolving import aliases: `httpx.get/post/put/patch/delete/head/options/"
        "request/stream(...)`, `httpx.Client(...)` and `httpx.AsyncClient(...)` without "
        "`timeout=` (or with `timeout=None`); `requests.<verb>(...)` and verbs on a "
        "`requests.Session()` bound by assignment or `with` without `timeout=`; "
        "`urllib.request.urlopen(...)` without `timeout=` or a third positional argument. A call "
        "passing `**kwargs` is assumed to carry it. Calls on an httpx client use the client's "
        "timeout."
    ),
    source="seed: Synchronous Data Sharing (tips: retries, timeouts, circuit breakers)",
    run=run,
)
