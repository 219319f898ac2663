"""Reserved names: refused by advisor and by the template's hook alike, and complete.

The completeness tests render the real template with distinctive names and read what the
generated code does with them, so a name the template starts using next to the entity or
its fields (or a module it starts importing) fails here until it is reserved.
"""

from __future__ import annotations

import ast
import builtins
import importlib.metadata
import json
import keyword
import re
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from cookiecutter.exceptions import FailedHookException
from cookiecutter.main import cookiecutter
from packaging.requirements import Requirement

from advisor.errors import RenderError
from advisor.render import reserved as reserved_module
from advisor.render.context import make_spec
from advisor.render.reserved import reserved
from advisor.render.scaffold import default_template_dir, render

TEMPLATE = default_template_dir()

#: (ProjectSpec key, value, the template's key, the reason's start) for every kind of clash.
REFUSED = [
    ("fields", "updated_at:str", "fields", "a column the owner's table"),
    ("fields", "version:int", "fields", "a column the owner's table"),
    ("fields", "deleted:bool", "fields", "a column the consumer's replica"),
    ("fields", "source_time:str", "fields", "a column the consumer's replica"),
    ("fields", "replicated_at:str", "fields", "a column the consumer's replica"),
    ("fields", "metadata:str", "fields", "an attribute SQLAlchemy"),
    ("fields", "registry:str", "fields", "an attribute SQLAlchemy"),
    ("fields", "self:str", "fields", "the first parameter"),
    ("fields", "name,str", "fields", "a name the generated models use"),
    ("fields", "mapped_column", "fields", "a name the generated models use"),
    ("fields", "parse_obj", "fields", "an attribute of pydantic"),
    ("fields", "model_owner", "fields", "an attribute of pydantic"),
    ("entity", "Base", "entity", "a class the generated code defines"),
    ("entity", "OutboxMessage", "entity", "a class the generated code defines"),
    ("entity", "Mapped", "entity", "a name the generated code imports"),
    ("entity", "Source", "entity", "its lower-case form 'source'"),
    ("entity", "Class", "entity", "its lower-case form 'class' is a Python keyword"),
    ("entity", "Str", "entity", "its lower-case form 'str' is a Python keyword or builtin"),
    *[
        (key, name, key, "its package")
        for key, name in [
            ("owner", "fastapi"),
            ("consumer", "sqlalchemy"),
            ("owner", "pydantic"),
            ("owner", "httpx"),
            ("consumer", "faststream"),
            ("owner", "tenacity"),
            ("consumer", "purgatory"),
            ("owner", "prometheus-client"),
            ("consumer", "jsonschema"),
            ("owner", "uvicorn"),
            ("consumer", "asyncpg"),
            ("owner", "aiosqlite"),
            ("consumer", "pytest"),
            ("owner", "starlette"),
            ("consumer", "tests"),
        ]
    ],
    ("consumer", "user-sdk", "consumer", "would make the package 'user_sdk'"),
]


@pytest.mark.parametrize(("key", "value", "_template_key", "why"), REFUSED)
def test_advisor_refuses_reserved_names_naming_flag_and_reason(
    key: str, value: str, _template_key: str, why: str
) -> None:
    with pytest.raises(RenderError) as caught:
        make_spec({"patterns": "api", key: value})
    message = str(caught.value)
    flag = {"owner": "--owner", "consumer": "--consumer"}.get(key, f"--{key}")
    assert message.startswith(f"{flag}: ")
    assert why in message
    assert "\n" not in message


@pytest.mark.parametrize(("_key", "value", "template_key", "why"), REFUSED)
def test_plain_cookiecutter_refuses_the_same_names(
    tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
    _key: str,
    value: str,
    template_key: str,
    why: str,
) -> None:
    config = tmp_path / "config.yml"
    config.write_text(f"replay_dir: {json.dumps(str(tmp_path / 'replay'))}\n", encoding="utf-8")
    with pytest.raises(FailedHookException):
        cookiecutter(
            str(TEMPLATE),
            no_input=True,
            extra_context={template_key: value},
            output_dir=str(tmp_path / "out"),
            config_file=str(config),
        )
    err = capfd.readouterr().err
    # The hook names the option by its one name (microservices_rules), as advisor does.
    assert f"error: {template_key}: " in err
    assert why in err
    assert not list((tmp_path / "out").glob("*/services"))


def test_a_dependency_added_to_the_template_is_reserved_without_listing_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = tmp_path / "templates"
    shutil.copytree(TEMPLATE.parent, copy)
    requirements = copy / "microservices" / "templates" / "requirements.txt.j2"
    requirements.write_text(
        requirements.read_text("utf-8") + "\nnew-dependency[extra]>=1,<2\n", encoding="utf-8"
    )
    monkeypatch.setattr(reserved_module, "templates_dir", lambda: copy)
    reserved.cache_clear()
    reserved_module.rules.cache_clear()
    try:
        assert "new_dependency" in reserved().services
        with pytest.raises(RenderError, match="a dependency of the generated project"):
            make_spec({"patterns": "api", "owner": "new-dependency"})
    finally:
        reserved.cache_clear()
        reserved_module.rules.cache_clear()


def test_a_broken_reserved_list_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = tmp_path / "templates"
    shutil.copytree(TEMPLATE.parent, copy)
    (copy / "microservices" / "reserved.json").write_text("{", encoding="utf-8")
    monkeypatch.setattr(reserved_module, "templates_dir", lambda: copy)
    reserved.cache_clear()
    reserved_module.rules.cache_clear()
    try:
        with pytest.raises(
            RenderError, match=r"cannot read the template's reserved names"
        ) as caught:
            make_spec({"patterns": "api", "entity": "Order"})
        assert "\n" not in str(caught.value)
    finally:
        reserved.cache_clear()
        reserved_module.rules.cache_clear()


def test_pydantic_and_sqlalchemy_model_attributes_are_reserved_fields() -> None:
    from pydantic import BaseModel
    from sqlalchemy.orm import DeclarativeBase

    class Base(DeclarativeBase):
        pass

    snake = re.compile(r"[a-z][a-z0-9_]*")
    inherited = {n for n in [*dir(BaseModel), *dir(Base)] if snake.fullmatch(n)}
    assert inherited
    assert sorted(n for n in inherited if reserved().field(n) is None) == []


# --- what the generated code does with the names --------------------------------------

ENTITY = "Zqent"
FIELDS = ("zqfa", "zqfb", "zqfc", "zqfd")
#: Each name token, with the shape a user's value in its place has.
TOKENS = {
    ENTITY: ("entity", r"[A-Z][A-Za-z0-9]*"),
    ENTITY.lower(): ("entity_snake", r"[a-z][a-z0-9]*"),
    **{field: ("field", r"[a-z][a-z0-9_]*") for field in FIELDS},
}
#: Enough combinations to render every template file and every branch naming the entity.
RENDERS = [
    ("api,event,replica,sdk", "kafka", True),
    ("api,event,replica,sdk", "rabbitmq", False),
    ("event", "kafka", False),
    ("api", "rabbitmq", True),
    ("sdk", "kafka", False),
]


@pytest.fixture(scope="module")
def projects(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    base = tmp_path_factory.mktemp("reserved")
    rendered = []
    for patterns, broker, bff in RENDERS:
        spec = make_spec(
            {
                "patterns": patterns,
                "broker": broker,
                "bff": bff,
                "owner": "zqowner-service",
                "consumer": "zqcons",
                "entity": ENTITY,
                "fields": ",".join(
                    f"{f}:{k}" for f, k in zip(FIELDS, ("str", "int", "float", "bool"), strict=True)
                ),
            }
        )
        dest = base / f"{patterns.replace(',', '-')}-{broker}"
        render(spec, dest)
        rendered.append(dest)
    return rendered


def _names(node: ast.AST) -> set[str]:
    """Names a scope binds or reads: its own, not those of the functions or classes inside."""
    found: set[str] = set()

    def visit(child: ast.AST) -> None:
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found.add(child.name)
            for decorator in child.decorator_list:
                visit(decorator)
            return
        if isinstance(child, ast.Lambda):
            return
        if isinstance(child, ast.Name):
            found.add(child.id)
        elif isinstance(child, ast.arg):
            found.add(child.arg)
        elif isinstance(child, ast.alias):
            found.add((child.asname or child.name).split(".")[0])
        for grandchild in ast.iter_child_nodes(child):
            visit(grandchild)

    for child in ast.iter_child_nodes(node):
        visit(child)
    return found


def _scopes(path: Path) -> Iterator[tuple[str, set[str]]]:
    """Each namespace of a file, labelled: Python scopes, dict keys, call keywords, JSON objects."""
    if path.suffix == ".json":
        stack = [json.loads(path.read_text("utf-8"))]
        while stack:
            value = stack.pop()
            if isinstance(value, dict):
                yield "a JSON object", set(value)
                stack.extend(value.values())
            elif isinstance(value, list):
                stack.extend(value)
        return
    tree = ast.parse(path.read_text("utf-8"))
    yield "the module", _names(tree)
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            yield node.name, _names(node)
        elif isinstance(node, ast.Dict):
            keys = {k.value for k in node.keys if isinstance(k, ast.Constant)}
            yield "a dict", {k for k in keys if isinstance(k, str)}
        elif isinstance(node, ast.Call):
            yield "a call", {k.arg for k in node.keywords if k.arg}


def _clashes(scope: set[str]) -> Iterator[tuple[str, str, str]]:
    """(kind, value, name) for each value of a token that would make a name already there."""
    for derived in scope:
        for token, (kind, shape) in TOKENS.items():
            start = derived.find(token)
            if start < 0:
                continue
            prefix, suffix = derived[:start], derived[start + len(token) :]
            for other in scope:
                if any(t in other for t in TOKENS) or len(other) <= len(prefix + suffix):
                    continue
                if other.startswith(prefix) and other.endswith(suffix):
                    value = other[len(prefix) : len(other) - len(suffix)]
                    if re.fullmatch(shape, value):
                        yield kind, value, derived


def _refused(kind: str, value: str) -> bool:
    names = reserved()
    python = keyword.iskeyword(value) or hasattr(builtins, value)
    if kind == "entity":
        return python or value in names.entities
    if kind == "entity_snake":
        return python or value in names.entity_snake
    return keyword.iskeyword(value) or names.field(value) is not None


def test_every_name_beside_the_entity_and_its_fields_is_reserved(projects: list[Path]) -> None:
    found: set[tuple[str, str]] = set()
    missing: set[str] = set()
    for project in projects:
        for path in sorted([*project.rglob("*.py"), *project.rglob("*.json")]):
            for where, scope in _scopes(path):
                for kind, value, derived in _clashes(scope):
                    found.add((kind, value))
                    if not _refused(kind, value):
                        rel = path.relative_to(project)
                        missing.add(f"{kind} {value!r}: beside {derived!r} in {where} ({rel})")
    assert sorted(missing) == []
    # And the other way round: an entity name reserved for a clash the code no longer has
    # would refuse a good name for nothing.
    stale = {("entity", n) for n in reserved().entities}
    stale |= {("entity_snake", n) for n in reserved().entity_snake}
    assert sorted(stale - found) == []


def _top_level_imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def test_every_module_the_generated_code_imports_is_a_reserved_service(
    projects: list[Path],
) -> None:
    imported: set[str] = set()
    own: set[str] = set()
    for project in projects:
        own |= {p.name for p in (project / "services").iterdir()}
        own |= {p.parent.name for p in project.glob("libs/*/*/__init__.py")}
        for path in project.rglob("*.py"):
            imported |= _top_level_imports(path)
    assert {"zqcons", "zqowner_service", "zqowner_sdk", "zqcons_bff"} <= own
    foreign = imported - own - set(sys.stdlib_module_names) - {"__future__"}
    assert {"fastapi", "sqlalchemy", "faststream"} <= foreign
    assert sorted(foreign - set(reserved().services)) == []


# Requirement lines of the template's files, extras kept; Jinja in the extras is read for
# the words it may produce (faststream[{{ 'kafka' if ... else 'rabbit' }}]).
_REQUIREMENT = re.compile(
    r'^\s*"?([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[([^\]\n]*)\])?\s*(?:===|==|~=|!=|>=|<=|<|>)',
    re.MULTILINE,
)


def _declared() -> set[tuple[str, str]]:
    data = json.loads((TEMPLATE / "reserved.json").read_text("utf-8"))
    declared: set[tuple[str, str]] = set()
    for relative in data["dependency_files"]:
        for name, extras in _REQUIREMENT.findall((TEMPLATE / relative).read_text("utf-8")):
            words = re.findall(r"[A-Za-z][A-Za-z0-9_-]*", extras.replace("cookiecutter", ""))
            declared |= {(name, extra) for extra in ["", *words]}
    return declared


def _top_level_modules(dist: importlib.metadata.Distribution) -> set[str]:
    listed = dist.read_text("top_level.txt")
    if listed:
        return {line.strip() for line in listed.splitlines() if line.strip()}
    names = set()
    for file in dist.files or []:
        first = file.parts[0]
        if not first.endswith((".dist-info", ".data", ".pth")) and first not in (
            "..",
            "__pycache__",
        ):
            names.add(first.removesuffix(".py"))
    return names


def test_modules_the_dependencies_install_are_reserved_services() -> None:
    """Every importable module the template's dependencies pull in (as installed here)."""
    queue = sorted(_declared())
    seen: set[tuple[str, str]] = set()
    modules: set[str] = set()
    while queue:
        name, extra = queue.pop()
        if (name.lower(), extra) in seen:
            continue
        seen.add((name.lower(), extra))
        try:
            dist = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            continue  # not installed here (an extra of another broker, say)
        modules |= _top_level_modules(dist)
        for line in dist.requires or []:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": extra}):
                queue.extend((requirement.name, e) for e in ["", *requirement.extras])
    assert {"starlette", "pydantic_core"} <= modules
    package = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
    # Only a module a service slug can turn into is at risk ("_pytest" or "CHANGELOG" are not).
    at_risk = {m for m in modules if package.fullmatch(m)} - set(sys.stdlib_module_names)
    assert sorted(at_risk - set(reserved().services)) == []
