"""``shared-db``: two services configured with the same database.

A database is named in many places; each one found is a *use* by a service. Values the
check cannot resolve (an environment variable without a default, an attribute of a
settings object) are never guessed: they become notes, shown with ``--verbose``.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from advisor.checks import _compose
from advisor.checks import _project as p
from advisor.checks._module import Module
from advisor.checks._scan import Project
from advisor.checks._services import Service
from advisor.checks.model import Check, Visitor

_SCHEMES = re.compile(r"^(postgres|postgresql|mysql|mariadb|mongodb|sqlite|cockroachdb)(\+\w+)?://")
_URL_IN_TEXT = re.compile(
    r"(?:postgres|postgresql|mysql|mariadb|mongodb|cockroachdb)(?:\+\w+)?://[^\s'\"<>]+"
)
_DEFAULT_PORTS = {"postgresql": 5432, "cockroachdb": 26257, "mysql": 3306}
_DEFAULT_PORTS |= {"mariadb": 3306, "mongodb": 27017}
_LOCAL = {"localhost", "127.0.0.1", "::1", ""}
#: Stands for a part of a value that cannot be resolved.
UNKNOWN = "\x00"

#: Environment variables naming a database, by role; a prefix before them names its user
#: (``ORDERS_DATABASE_URL``, ``ORDERS_DB_HOST``).
_ROLES = {
    "url": ("SQLALCHEMY_DATABASE_URI", "DATABASE_URL", "DATABASE_URI", "DB_URL", "DB_URI", "DSN"),
    "host": ("DATABASE_HOST", "POSTGRES_HOST", "MYSQL_HOST", "DB_HOST", "PGHOST"),
    "port": ("DATABASE_PORT", "POSTGRES_PORT", "MYSQL_PORT", "DB_PORT", "PGPORT"),
    "name": (
        "DATABASE_NAME",
        "POSTGRES_DB",
        "MYSQL_DATABASE",
        "DB_DATABASE",
        "PGDATABASE",
        "DB_NAME",
    ),
}


#: Variable prefixes that name an environment or a connection's role, not a service.
NOT_USERS = frozenset(
    {"TEST", "TESTING", "DEV", "DEVELOPMENT", "LOCAL", "PROD", "PRODUCTION", "STAGING", "CI"}
    | {"ASYNC", "SYNC", "READ", "WRITE", "READONLY", "REPLICA", "PRIMARY", "MIGRATION", "ADMIN"}
)


def _family(scheme: str) -> str:
    return "postgresql" if scheme in {"postgres", "postgresql"} else scheme


def database_key(url: str, base: Path | None = None) -> str | None:
    """A database's identity from its URL: ``scheme://host:port/name`` without credentials.

    SQLite files are identified by their path, resolved against ``base`` when relative;
    a relative SQLite path without ``base`` (a container's own disk) identifies nothing.
    """
    url = url.strip().strip("'\"")
    match = _SCHEMES.match(url)
    if not match:
        return None
    scheme = match.group(1)
    if scheme == "sqlite":
        file = url.split(":///", 1)[-1] if ":///" in url else ""
        if not file or file == ":memory:":
            return None
        if not file.startswith("/"):
            if base is None:
                return None
            file = (base / file).resolve().as_posix()
        return f"sqlite:///{file}"
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    try:
        port = parts.port or _DEFAULT_PORTS.get(_family(scheme))
    except ValueError:
        port = _DEFAULT_PORTS.get(_family(scheme))
    name = parts.path.lstrip("/").split("/")[0].split("?")[0]
    return _key(_family(scheme), host, port, name)


def _key(family: str, host: str, port: object, name: str) -> str | None:
    if not name or UNKNOWN in f"{host}{port}{name}":
        return None
    host = "localhost" if host.lower() in _LOCAL else host.lower()
    return f"{family}://{host}:{port}/{name}"


def _conninfo_key(text: str, family: str) -> str | None:
    """A libpq ``host=db dbname=x port=5432`` string's identity."""
    pairs = dict(re.findall(r"(\w+)\s*=\s*'?([^\s']*)'?", text))
    name = pairs.get("dbname") or pairs.get("database") or ""
    port = pairs.get("port") or _DEFAULT_PORTS[family]
    return _key(family, pairs.get("host", ""), port, name)


# --- Environment variables: compose, .env files -----------------------------------------


def _split(var: str) -> tuple[str, str] | None:
    """(prefix, role) of a database variable, or None; a prefix naming an environment or
    a role (``TEST_``, ``ASYNC_``...) is no user of its own."""
    upper = var.upper()
    for role, suffixes in _ROLES.items():
        for suffix in suffixes:
            if upper == suffix or upper.endswith("_" + suffix):
                prefix = upper[: -len(suffix)].rstrip("_")
                if suffix == "SQLALCHEMY_DATABASE_URI" or prefix in NOT_USERS:
                    prefix = ""
                return prefix, role
    return None


@dataclass(frozen=True)
class EnvDatabase:
    """A database named by environment variables: its key (or why it is unknown)."""

    prefix: str
    var: str
    key: str | None
    unknown: str | None = None


def env_databases(env: dict[str, str], base: Path | None) -> list[EnvDatabase]:
    """The databases a set of environment variables names, grouped by variable prefix."""
    groups: dict[str, dict[str, tuple[str, str]]] = {}
    for var, value in env.items():
        if split := _split(var):
            prefix, role = split
            groups.setdefault(prefix, {})[role] = (var, value)
    found: list[EnvDatabase] = []
    for prefix, roles in sorted(groups.items()):
        if "url" in roles:
            var, value = roles["url"]
            if UNKNOWN in value:
                found.append(EnvDatabase(prefix, var, None, f"{var} is not set"))
            elif key := database_key(value, base):
                found.append(EnvDatabase(prefix, var, key))
        if "host" in roles and "name" in roles:
            (host_var, host), (name_var, name) = roles["host"], roles["name"]
            family = "mysql" if "MYSQL" in host_var.upper() else "postgresql"
            port = roles.get("port", ("", str(_DEFAULT_PORTS[family])))[1]
            if UNKNOWN in host + name + port:
                found.append(EnvDatabase(prefix, host_var, None, f"{host_var}/{name_var} not set"))
            elif key := _key(family, host, port, name):
                found.append(EnvDatabase(prefix, host_var, key))
    return found


_INTERPOLATION = re.compile(
    r"\$(?:\{(?P<braced>[A-Za-z_]\w*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\}|(?P<bare>[A-Za-z_]\w*))"
)


def interpolate(value: str, variables: dict[str, str]) -> str:
    """Compose's ``${VAR}``, ``${VAR:-default}``, ``$VAR`` from ``variables``; unset → UNKNOWN."""

    def one(match: re.Match[str]) -> str:
        name = match.group("braced") or match.group("bare")
        op, arg = match.group("op") or "", match.group("arg") or ""
        current = variables.get(name)
        if op in {":-", "-"}:
            empty = current is None or (op == ":-" and current == "")
            return arg if empty else str(current)
        if op in {":+", "+"}:
            return arg if current else ""
        return UNKNOWN if current is None else current

    return _INTERPOLATION.sub(one, value.replace("$$", "\x01")).replace("\x01", "$")


def _line_in(path: Path, needle: str, start: int = 1) -> int | None:
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    for number, line in enumerate(lines[start - 1 :], start=start):
        if needle in line:
            return number
    return None


# --- Python code ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Connect:
    family: str
    #: Keyword and position of a URL / DSN argument.
    url: tuple[tuple[str, ...], int | None]
    host: tuple[str, ...] = ("host",)
    port: tuple[str, ...] = ("port",)
    name: tuple[str, ...] = ("dbname", "database")
    #: Positions of host, port and name, when the call takes them positionally.
    positions: tuple[int, int, int] | None = None


_PSYCOPG = _Connect("postgresql", (("dsn", "conninfo"), 0))
_PSYCOPG_POOL = _Connect("postgresql", (("dsn",), 2))
_ASYNCPG = _Connect("postgresql", (("dsn",), 0), name=("database",))
_MYSQL = _Connect("mysql", ((), None), name=("db", "database"))
_ENGINE = _Connect("", (("url",), 0))
_URL_CREATE = _Connect("", ((), None), name=("database",), positions=(3, 4, 5))
#: The usual connect calls, by the qualified name they are imported as.
CONNECTS: dict[str, _Connect] = {
    "psycopg2.connect": _PSYCOPG,
    "psycopg.connect": _PSYCOPG,
    "psycopg.Connection.connect": _PSYCOPG,
    "psycopg.AsyncConnection.connect": _PSYCOPG,
    "psycopg_pool.ConnectionPool": _PSYCOPG,
    "psycopg_pool.AsyncConnectionPool": _PSYCOPG,
    "psycopg2.pool.SimpleConnectionPool": _PSYCOPG_POOL,
    "psycopg2.pool.ThreadedConnectionPool": _PSYCOPG_POOL,
    "asyncpg.connect": _ASYNCPG,
    "asyncpg.create_pool": _ASYNCPG,
    "pymysql.connect": _MYSQL,
    "MySQLdb.connect": _MYSQL,
    "mysql.connector.connect": _MYSQL,
    "aiomysql.connect": _MYSQL,
    "aiomysql.create_pool": _MYSQL,
    "sqlalchemy.create_engine": _ENGINE,
    "sqlalchemy.ext.asyncio.create_async_engine": _ENGINE,
    "sqlmodel.create_engine": _ENGINE,
    "sqlalchemy.URL.create": _URL_CREATE,
    "sqlalchemy.engine.URL.create": _URL_CREATE,
    "sqlalchemy.engine.url.URL.create": _URL_CREATE,
}
_DRIVERS = frozenset(name.split(".")[0] for name in CONNECTS)
_ENVIRON_GETS = frozenset({"os.environ.get", "os.getenv", "os.environ.setdefault"})


def _is_url_part(part: ast.expr) -> bool:
    return isinstance(part, ast.Constant) and "://" in str(part.value)


class Unknown(Exception):
    """A value the check cannot resolve, and why."""


class _Values:
    """Resolves simple expressions of one module: constants, names bound to them,
    ``os.environ.get(..., default)``, concatenation and f-strings."""

    def __init__(self, module: Module) -> None:
        self.module = module
        self.bound: dict[tuple[object, str], list[ast.expr]] = {}
        for node, scope in module.assigns:
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target, value = node.targets[0], node.value
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                target, value = node.target, node.value
            else:
                continue
            if isinstance(target, ast.Name):
                self.bound.setdefault((scope, target.id), []).append(value)

    def value(self, node: ast.expr, scope: object = None, depth: int = 0) -> str:
        if depth > 8:
            raise Unknown("too many indirections")
        if isinstance(node, ast.Constant) and isinstance(node.value, str | int):
            return str(node.value)
        if isinstance(node, ast.Name):
            for where in (scope, None):
                values = self.bound.get((where, node.id))
                if values is not None:
                    if len(values) > 1:
                        raise Unknown(f"'{node.id}' is assigned more than once")
                    return self.value(values[0], where, depth + 1)
            raise Unknown(f"'{node.id}' is not a constant of this module")
        if isinstance(node, ast.JoinedStr):
            # A part that cannot be resolved (often a password) stands as UNKNOWN: the URL
            # still identifies its database unless that part is its host, port or name.
            parts = []
            for part in node.values:
                if isinstance(part, ast.FormattedValue):
                    try:
                        parts.append(self.value(part.value, scope, depth + 1))
                    except Unknown:
                        parts.append(UNKNOWN)
                elif isinstance(part, ast.Constant):
                    parts.append(str(part.value))
            return "".join(parts)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return self.value(node.left, scope, depth + 1) + self.value(
                node.right, scope, depth + 1
            )
        if isinstance(node, ast.Call):
            called = self.module.qualified(node.func)
            if called in _ENVIRON_GETS and node.args:
                default = (
                    node.args[1]
                    if len(node.args) > 1
                    else next((kw.value for kw in node.keywords if kw.arg == "default"), None)
                )
                if default is None:
                    raise Unknown(
                        f"{ast.unparse(node.args[0])} from the environment has no default"
                    )
                return self.value(default, scope, depth + 1)
            if isinstance(node.func, ast.Name) and node.func.id in {"str", "int"} and node.args:
                return self.value(node.args[0], scope, depth + 1)
        if isinstance(node, ast.Subscript) and self.module.qualified(node.value) == "os.environ":
            raise Unknown(f"{ast.unparse(node)} from the environment has no default")
        raise Unknown(f"'{ast.unparse(node)[:60]}' is not a constant")


def _argument(call: ast.Call, names: tuple[str, ...], position: int | None) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg in names:
            return keyword.value
    if position is not None and len(call.args) > position:
        return call.args[position]
    return None


def connect_key(call: ast.Call, spec: _Connect, values: _Values, scope: object) -> str | None:
    """The database a connect call names; raises :class:`Unknown` when it cannot tell."""
    url = _argument(call, spec.url[0], spec.url[1])
    if url is not None:
        text = values.value(url, scope)
        family = spec.family or "postgresql"
        key = database_key(text) if "://" in text else _conninfo_key(text, family)
        if key is None and UNKNOWN in text:
            raise Unknown("its URL's host, port or name is not a constant")
        return key
    positions = spec.positions or (None, None, None)
    host = _argument(call, spec.host, positions[0])
    port = _argument(call, spec.port, positions[1])
    name = _argument(call, spec.name, positions[2])
    family = spec.family
    if not family:  # URL.create(drivername, ...)
        driver = _argument(call, ("drivername",), 0)
        scheme = values.value(driver, scope).split("+")[0] if driver is not None else ""
        family = _family(scheme)
    if name is None:
        if any(kw.arg is None for kw in call.keywords):
            raise Unknown("its arguments come from **kwargs")
        return None
    port_text = values.value(port, scope) if port is not None else _DEFAULT_PORTS.get(family, "")
    host_text = values.value(host, scope) if host is not None else "localhost"
    name_text = values.value(name, scope)
    if UNKNOWN in f"{host_text}{port_text}{name_text}":
        raise Unknown("its host, port or database is built from values that are not constants")
    return _key(family, host_text, port_text, name_text)


def _django(node: ast.Dict, values: _Values) -> list[str]:
    """Keys of a Django ``DATABASES`` dict's server databases (SQLite files are skipped)."""
    keys = []
    for entry in node.values:
        if not isinstance(entry, ast.Dict):
            continue
        fields = {
            k.value: v
            for k, v in zip(entry.keys, entry.values, strict=True)
            if isinstance(k, ast.Constant) and isinstance(k.value, str)
        }
        engine = values.value(fields["ENGINE"]) if "ENGINE" in fields else ""
        family = next((f for f in ("postgresql", "mysql") if f in engine), None)
        if family is None or "NAME" not in fields:
            continue
        host = values.value(fields["HOST"]) if "HOST" in fields else ""
        port = values.value(fields["PORT"]) if "PORT" in fields else ""
        key = _key(family, host, port or _DEFAULT_PORTS[family], values.value(fields["NAME"]))
        if key:
            keys.append(key)
    return keys


# --- Collecting uses and deciding -------------------------------------------------------


@dataclass(frozen=True)
class _Use:
    #: The service (or, for a root ``.env`` variable matching none, the variable's prefix).
    user: str
    #: False for a root ``.env`` prefix that matches no service.
    service: bool
    database: str
    path: str
    line: int | None


class _Visitor(Visitor):
    def __init__(self, check: Check, project: Project) -> None:
        super().__init__(check, project)
        self.uses: list[_Use] = []

    def wants(self, path: Path, service: Service | None, is_test: bool) -> bool:
        return service is not None and not is_test

    def visit(self, module: Module) -> None:
        assert module.service is not None
        name, base = module.service.name, module.service.root
        for line, text in module.strings:
            if "://" in text and (key := database_key(text, base)):
                self._use(name, key, module.rel, line)
        # Resolving values is only worth it where a URL, a connect call or Django settings
        # can be: most modules have none.
        fstrings = [f for f in module.fstrings if any(_is_url_part(v) for v in f.values)]
        connects = [
            (call, scope, called)
            for call, scope in module.calls_into(_DRIVERS)
            if (called := module.qualified(call.func)) in CONNECTS
        ]
        django = [
            assign.value
            for assign, scope in module.assigns
            if scope is None
            and isinstance(assign, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "DATABASES" for t in assign.targets)
            and isinstance(assign.value, ast.Dict)
        ]
        if not (fstrings or connects or django):
            return
        values = _Values(module)
        for fstring in fstrings:
            if key := database_key(values.value(fstring), base):
                self._use(name, key, module.rel, fstring.lineno)
        for call, scope, called in connects:
            try:
                key = connect_key(call, CONNECTS[called], values, scope)
            except Unknown as why:
                self.note(module.rel, f"database of {called}(...) unknown: {why}", line=call.lineno)
                continue
            if key:
                self._use(name, key, module.rel, call.lineno)
        for settings in django:
            assert isinstance(settings, ast.Dict)
            try:
                keys = _django(settings, values)
            except Unknown as why:
                self.note(module.rel, f"Django DATABASES unknown: {why}", line=settings.lineno)
                continue
            for key in keys:
                self._use(name, key, module.rel, settings.lineno)

    def _use(
        self, user: str, key: str, path: str, line: int | None, *, service: bool = True
    ) -> None:
        self.uses.append(_Use(user, service, key, path, line))

    def finish(self) -> None:
        self._compose()
        self._env_files()
        self._config_files()
        self._decide()

    def _compose(self) -> None:
        project = self.project
        for entry in project.discovery.compose:
            variables = _compose.read_env_file(entry.file.parent / ".env")
            user = project.discovery.compose_owner(entry)
            if user is None:
                continue
            sources: list[tuple[Path, dict[str, str]]] = [
                (path, _compose.read_env_file(path)) for path in entry.env_files
            ]
            sources.append((entry.file, entry.environment))
            for path, env in sources:
                if not (path == project.root or project.root in path.parents):
                    continue
                resolved = {k: interpolate(v, variables) for k, v in env.items()}
                start = (entry.line or 1) if path == entry.file else 1
                for found in env_databases(resolved, None):
                    line = _line_in(path, found.var, start)
                    if found.key is None:
                        self.note(
                            project.rel(path),
                            f"database of '{entry.name}' unknown: {found.unknown}",
                            line=line,
                        )
                    else:
                        self._use(user, found.key, project.rel(path), line)

    def _env_files(self) -> None:
        project = self.project
        for path in project.files.env:
            owner = project.discovery.owner(path)
            env = _compose.read_env_file(path)
            if owner is not None and owner.root != project.root:
                for found in env_databases(env, owner.root):
                    if found.key:
                        self._use(
                            owner.name, found.key, project.rel(path), _line_in(path, found.var)
                        )
            elif path.parent == project.root:
                # The root .env: each prefixed variable is one user (make dev reads it).
                for found in env_databases(env, project.root):
                    if found.key and found.prefix:
                        service = self._service_for(found.prefix)
                        user = service.name if service else f"{found.var} ({project.rel(path)})"
                        self._use(
                            user,
                            found.key,
                            project.rel(path),
                            _line_in(path, found.var),
                            service=service is not None,
                        )

    def _service_for(self, prefix: str) -> Service | None:
        wanted = p.normalise(prefix)
        for service in self.project.services:
            if wanted in {service.name, service.name.removesuffix("-service")}:
                return service
        return None

    def _config_files(self) -> None:
        project = self.project
        for path in project.files.config:
            owner = project.discovery.owner(path)
            if owner is None or path in {e.file for e in project.discovery.compose}:
                continue
            if any(part in {"tests", "test"} for part in path.relative_to(owner.root).parts[:-1]):
                continue
            try:
                text = path.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            for number, line in enumerate(text.splitlines(), start=1):
                for url in _URL_IN_TEXT.findall(line):
                    if key := database_key(url):
                        self._use(owner.name, key, project.rel(path), number)

    def _decide(self) -> None:
        by_database: dict[str, list[_Use]] = {}
        for use in self.uses:
            by_database.setdefault(use.database, []).append(use)
        accepted, why = _declared_transitional(self.project.root)
        for database, found in sorted(by_database.items()):
            services = sorted({u.user for u in found if u.service})
            settings = sorted({u.user for u in found if not u.service})
            # A root .env variable matching no service may be any service's: it counts
            # only against another such variable, never against a service.
            if len(services) >= 2:
                who, names = f"services {', '.join(services)}", services
            elif len(settings) >= 2:
                who, names = f"the settings {', '.join(settings)}", settings
            else:
                continue
            second = min(
                (u for u in found if u.user == names[1]), key=lambda u: (u.path, u.line or 0)
            )
            message = f"{who} share the database {database}"
            if accepted:
                message += f" (declared acceptable: {why}); migrate: outbox + events + replica"
            else:
                message += (
                    "; give each service its own database and share data through an API, "
                    "events or a replica" + (f" ({p.ANSWERS_FILE}: {why})" if why else "")
                )
            self.report(
                second.path, message, line=second.line, level="warn" if accepted else "error"
            )


def _declared_transitional(project: Path) -> tuple[bool, str]:
    """Whether ``.advisor-answers.yml`` declares the sharing acceptable, and why not if not."""
    answers = p.answers(project)
    if answers.get("shared_database") is not True:
        return False, ""
    if answers.get("legacy_or_transitional") is not True and answers.get("single_team") is not True:
        return False, "declares shared_database but neither legacy_or_transitional nor single_team"
    reason = answers.get("shared_database_reason")
    if not isinstance(reason, str) or not reason.strip():
        return False, "declares shared_database without a shared_database_reason"
    return True, reason.strip()


def _names(names: Iterable[str]) -> str:
    return ", ".join(f"`{name}`" for name in names)


CHECK = Check(
    id="shared-db",
    level="error",
    title="Services share a database",
    anti_pattern="Several services read and write one database: their schemas and deployments "
    "are coupled and no service owns its data.",
    best_practice="Database per service; share data through an API, events or a read replica.",
    convention=(
        "A database is identified by scheme, host, port and name (credentials ignored; "
        "localhost = 127.0.0.1; default ports filled in). It is found in: compose files, each "
        "service's `environment` (list or map) and `env_file`s, with `${VAR:-default}` "
        "interpolated from the `.env` beside the compose file (an entry built from a "
        "service's folder is that service; an image-only entry counts only when named like a "
        "service); `.env` / `.env.*` files in a service's folder; the "
        "root `.env` / `.env.*`, where each variable's prefix names its user "
        "(`ORDERS_DATABASE_URL` is the service `orders`, or `orders-service`; not the "
        "prefixes " + _names(sorted(NOT_USERS)) + ", which name an environment or a role); "
        "database URLs "
        "in the service's configuration files (`.ini .cfg .toml .yaml .yml .json .conf`) and in "
        "the strings and f-strings of its non-test Python files; and the arguments (URL or "
        "DSN, host, port, database) of " + _names(f"{n}(...)" for n in CONNECTS) + ", and "
        "Django `DATABASES`. Variables are a URL ("
        + _names(f"*{v}" for v in _ROLES["url"])
        + "), or a host ("
        + _names(f"*{v}" for v in _ROLES["host"])
        + ") with a name ("
        + _names(f"*{v}" for v in _ROLES["name"])
        + ") and optional port ("
        + _names(f"*{v}" for v in _ROLES["port"])
        + "). In code, literals, names bound to "
        "them in the module, `os.environ.get(..., default)` / `os.getenv` defaults, `+` and "
        "f-strings are resolved; anything else is not guessed but noted as unknown "
        "(`--verbose`). Two services naming one database is an error (root `.env` variables "
        "matching no service count only against each other). The sharing is accepted as a "
        "warning when `.advisor-answers.yml` declares `shared_database: true`, "
        "`legacy_or_transitional: true` or `single_team: true`, and a non-empty "
        "`shared_database_reason: <why>` (the only acceptable cases in docs/data-sharing-guide.md)."
    ),
    source="docs/data-sharing-guide.md: Anti-Pattern: Shared Database; Database per Service",
    visitor=_Visitor,
)
