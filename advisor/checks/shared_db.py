"""``shared-db``: two services configured with the same database."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from advisor.checks import _project as p
from advisor.checks.model import Check, CheckOptions, Finding

_URL_VARS = re.compile(r"(DATABASE_URL|DATABASE_URI|DB_URL|DB_URI|DSN)$", re.IGNORECASE)
_HOST_VARS = ("DB_HOST", "DATABASE_HOST", "POSTGRES_HOST", "PGHOST", "MYSQL_HOST")
_NAME_VARS = ("DB_NAME", "DATABASE_NAME", "POSTGRES_DB", "PGDATABASE", "MYSQL_DATABASE")
_SCHEMES = re.compile(r"^(postgres|postgresql|mysql|mariadb|mongodb|sqlite|cockroachdb)(\+\w+)?://")
_DEFAULT_PORTS = {"postgres": 5432, "postgresql": 5432, "cockroachdb": 26257, "mysql": 3306}
_DEFAULT_PORTS |= {"mariadb": 3306, "mongodb": 27017}
_LOCAL = {"localhost", "127.0.0.1", "::1", ""}
_COMPOSE_NAMES = re.compile(r"^(docker-)?compose(\.[\w-]+)?\.ya?ml$")
_ENV_NAMES = re.compile(r"^\.env(\.[\w-]+)?$")


@dataclass(frozen=True)
class _Use:
    service: str
    database: str
    path: str
    line: int | None


def database_key(url: str, base: Path | None = None) -> str | None:
    """A database's identity from its URL: ``scheme://host:port/name`` without credentials.

    SQLite files are identified by their path, resolved against ``base`` when relative;
    a relative SQLite path without ``base`` (a container's own disk) identifies nothing.
    """
    url = p.expand_default(url.strip().strip("'\""))
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
    host = "localhost" if host in _LOCAL else host
    try:
        port = parts.port or _DEFAULT_PORTS.get(scheme)
    except ValueError:
        port = _DEFAULT_PORTS.get(scheme)
    name = parts.path.lstrip("/").split("/")[0]
    if not name:
        return None
    family = "postgresql" if scheme in {"postgres", "postgresql"} else scheme
    return f"{family}://{host}:{port}/{name}"


def _from_env(env: dict[str, str], base: Path | None) -> set[str]:
    keys: set[str] = set()
    for var, value in env.items():
        if _URL_VARS.search(var) and (key := database_key(value, base)):
            keys.add(key)
    host = next((env[v] for v in _HOST_VARS if env.get(v)), None)
    name = next((env[v] for v in _NAME_VARS if env.get(v)), None)
    if host and name:
        server = p.expand_default(host).lower()
        server = "localhost" if server in _LOCAL else server
        keys.add(f"postgresql://{server}:5432/{p.expand_default(name)}")
    return keys


def _line_of(text: str, needle: str) -> int | None:
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    return None


def _compose_uses(project: Path, path: Path) -> list[_Use]:
    data = p.load_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("services"), dict):
        return []
    text = path.read_text(encoding="utf-8")
    uses: list[_Use] = []
    for service, spec in data["services"].items():
        if not isinstance(spec, dict):
            continue
        raw = spec.get("environment") or {}
        env: dict[str, str] = {}
        if isinstance(raw, dict):
            env = {str(k): str(v) for k, v in raw.items() if v is not None}
        elif isinstance(raw, list):
            env = dict(str(item).split("=", 1) for item in raw if "=" in str(item))
        for key in sorted(_from_env(env, None)):
            line = next(
                (_line_of(text, v) for v in env.values() if database_key(v) == key), None
            ) or _line_of(text, f"{service}:")
            uses.append(_Use(p.normalise(str(service)), key, p.relative(project, path), line))
    return uses


def _parse_env_file(text: str) -> dict[str, str]:
    env: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip().removeprefix("export ").strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            env[key.strip()] = value.strip()
    return env


def _service_file_uses(project: Path) -> list[_Use]:
    uses: list[_Use] = []
    for service in p.services(project):
        name = p.normalise(service.name)
        for path in p.walk_files(service.root, suffixes=("",)):
            if _ENV_NAMES.match(path.name):
                text = path.read_text(encoding="utf-8", errors="replace")
                for key in sorted(_from_env(_parse_env_file(text), service.root)):
                    uses.append(_Use(name, key, p.relative(project, path), None))
        for path, tree in p.python_modules(service.root, include_tests=False):
            for line, text in p.strings(tree):
                if database := database_key(text, service.root):
                    uses.append(_Use(name, database, p.relative(project, path), line))
    return uses


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


def run(project: Path, options: CheckOptions) -> list[Finding]:
    """Report each database that two or more services are configured to use."""
    del options
    uses: list[_Use] = []
    for path in p.walk_files(project, suffixes=(".yml", ".yaml")):
        if _COMPOSE_NAMES.match(path.name):
            uses.extend(_compose_uses(project, path))
    uses.extend(_service_file_uses(project))
    by_database: dict[str, list[_Use]] = {}
    for use in uses:
        by_database.setdefault(use.database, []).append(use)
    accepted, why = _declared_transitional(project)
    findings: list[Finding] = []
    for database, found in sorted(by_database.items()):
        names = sorted({use.service for use in found})
        if len(names) < 2:
            continue
        second = sorted(
            (u for u in found if u.service == names[1]), key=lambda u: (u.path, u.line or 0)
        )[0]
        message = f"services {', '.join(names)} share the database {database}"
        if accepted:
            message += f" (declared acceptable: {why}); migrate: outbox + events + replica"
        else:
            message += (
                "; give each service its own database and share data through an API, events "
                "or a replica" + (f" ({p.ANSWERS_FILE}: {why})" if why else "")
            )
        findings.append(
            CHECK.finding(
                second.path, message, line=second.line, level="warn" if accepted else "error"
            )
        )
    return findings


CHECK = Check(
    id="shared-db",
    level="error",
    title="Services share a database",
    anti_pattern="Several services read and write one database: their schemas and deployments "
    "are coupled and no service owns its data.",
    best_practice="Database per service; share data through an API, events or a read replica.",
    convention=(
        "A database is identified by scheme, host, port and name (credentials ignored; "
        "localhost = 127.0.0.1) from: the `environment` of each service in docker-compose/compose "
        "files (`*DATABASE_URL`, `*DB_URL`, `*DSN`, or a DB_HOST/POSTGRES_HOST + "
        "DB_NAME/POSTGRES_DB pair); `.env` / `.env.*` files under `services/<name>/`; and "
        "database URL strings in the non-test Python files of `services/<name>/`. Two services "
        "naming one database is an error. The sharing is accepted as a warning when "
        "`.advisor-answers.yml` declares `shared_database: true`, "
        "`legacy_or_transitional: true` or `single_team: true`, and a non-empty "
        "`shared_database_reason: <why>` (the seed's only acceptable cases)."
    ),
    source="seed: Anti-Pattern: Shared Database; Database per Service",
    run=run,
)
