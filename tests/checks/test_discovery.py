"""Finding the services of a project, in the documented order, and nothing to check."""

from __future__ import annotations

from pathlib import Path

import pytest

from advisor.checks import check
from advisor.checks._compose import import_roots
from advisor.checks._files import walk
from advisor.errors import CheckError


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def found(root: Path) -> list[tuple[str, str, str]]:
    return [(s.name, s.path, s.found_by) for s in check(root).services]


def test_declared_list_wins_over_everything(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pyproject.toml": '[tool.advisor]\nservices = ["apps/billing", "apps/ship"]\n',
            "apps/billing/main.py": "",
            "apps/ship/main.py": "",
            "other/Dockerfile": "FROM python\n",
            "other/app.py": "",
        },
    )
    by = "pyproject.toml [tool.advisor]"
    assert found(tmp_path) == [("billing", "apps/billing", by), ("ship", "apps/ship", by)]


def test_declared_table_in_advisor_toml(tmp_path: Path) -> None:
    write(
        tmp_path,
        {".advisor.toml": '[services]\norders = "src/o"\n', "src/o/main.py": ""},
    )
    assert found(tmp_path) == [("orders", "src/o", ".advisor.toml")]


@pytest.mark.parametrize(
    ("toml", "needle"),
    [
        ('[tool.advisor]\nservices = ["nowhere"]\n', "'nowhere' is not a folder of the project"),
        ("[tool.advisor]\nservices = 3\n", "expected a list of folders or a table"),
        ("[tool.advisor\n", "pyproject.toml: not readable TOML"),
    ],
)
def test_bad_declaration_is_one_line_error(tmp_path: Path, toml: str, needle: str) -> None:
    write(tmp_path, {"pyproject.toml": toml, "a/Dockerfile": "", "a/x.py": ""})
    with pytest.raises(CheckError, match=needle):
        check(tmp_path)


def test_compose_build_contexts_and_dockerfile_folders(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "docker-compose.yml": (
                "services:\n"
                "  web:\n    build: ./web\n"
                "  worker:\n    build: {context: ./web}\n"
                "  api:\n    build: {context: ., dockerfile: services/api/Dockerfile}\n"
                "  remote:\n    build: {context: ../elsewhere}\n"
                "  db:\n    image: postgres:16\n"
            ),
            "web/app.py": "",
            "services/api/app.py": "",
            "services/api/Dockerfile": "FROM python\n",
        },
    )
    assert found(tmp_path) == [
        ("api", "services/api", "docker-compose.yml"),
        ("web", "web", "docker-compose.yml"),
    ]


def test_marker_folders_outermost_with_code_only(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pyproject.toml": "[project]\nname = 'mono'\n",
            "accounts/pyproject.toml": "",
            "accounts/accounts/__init__.py": "",
            "accounts/accounts/sub/requirements.txt": "",
            "orders/requirements.txt": "",
            "orders/main.py": "",
            "frontend/Dockerfile": "FROM node\n",
            "frontend/index.js": "",
            "libs/user-sdk/pyproject.toml": "",
            "libs/user-sdk/user_sdk/__init__.py": "",
            "tests/requirements.txt": "",
            "tests/test_x.py": "",
            ".venv/lib/requirements.txt": "",
            ".venv/lib/x.py": "",
        },
    )
    assert found(tmp_path) == [
        ("accounts", "accounts", "accounts/pyproject.toml"),
        ("orders", "orders", "orders/requirements.txt"),
    ]


def test_root_dockerfile_is_one_service(tmp_path: Path) -> None:
    write(tmp_path / "shop", {"Dockerfile": "FROM python\n", "app.py": ""})
    assert found(tmp_path / "shop") == [("shop", ".", "Dockerfile")]


def test_services_folder_last(tmp_path: Path) -> None:
    write(tmp_path, {"services/a/x.py": "", "services/b/y.py": ""})
    assert found(tmp_path) == [("a", "services/a", "services/"), ("b", "services/b", "services/")]


@pytest.mark.parametrize(
    "files",
    [
        {},
        {"README.md": "# nothing\n"},
        {"script.py": "print(1)\n", "pyproject.toml": "[project]\nname = 'x'\n"},
        {"web/index.html": "", "web/Dockerfile": "FROM nginx\n"},
    ],
)
def test_nothing_to_check_is_an_error_not_a_pass(tmp_path: Path, files: dict[str, str]) -> None:
    write(tmp_path, files)
    with pytest.raises(CheckError, match=r"nothing to check in .*: no services found"):
        check(tmp_path)


def test_virtualenvs_and_vendored_code_are_never_read(tmp_path: Path) -> None:
    bad = "import requests\nrequests.get('http://x')\n"
    write(
        tmp_path,
        {
            "services/a/ok.py": "",
            "services/a/myenv/pyvenv.cfg": "home = /usr/bin\n",
            "services/a/myenv/lib/bad.py": bad,
            "services/a/vendor/bad.py": bad,
            "services/a/node_modules/bad.py": bad,
            "services/a/third_party/bad.py": bad,
        },
    )
    assert check(tmp_path).findings == []
    assert not any("bad" in p.name for p in walk(tmp_path).python)


def test_dockerfile_import_roots(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "services/orders/Dockerfile": (
                "FROM python:3.12\nENV PYTHONPATH=/app/services \\\n    OTHER=1\nWORKDIR /app\n"
                "COPY services/orders/requirements.txt /app/requirements.txt\n"
                "COPY services/orders /app/services/orders\n"
                "COPY --from=build /x /app/x\n"
            ),
            "services/orders/requirements.txt": "",
            "services/orders/app.py": "",
        },
    )
    folders = walk(tmp_path).dirs
    roots = import_roots(tmp_path / "services/orders/Dockerfile", tmp_path, folders)
    assert roots == [tmp_path / "services", tmp_path]


def test_import_through_dockerfile_pythonpath_resolves_to_the_other_service(
    tmp_path: Path,
) -> None:
    dockerfile = (
        "FROM python\nENV PYTHONPATH=/app/services\nWORKDIR /app\nCOPY services /app/services\n"
    )
    write(
        tmp_path,
        {
            "docker-compose.yml": (
                "services:\n"
                "  orders:\n    build: {context: ., dockerfile: services/orders/Dockerfile}\n"
                "  users:\n    build: {context: ., dockerfile: services/users/Dockerfile}\n"
            ),
            "services/orders/Dockerfile": dockerfile,
            "services/users/Dockerfile": dockerfile,
            "services/orders/app.py": "import users.models\nimport orders.helpers\nimport common\n",
            "services/orders/helpers.py": "",
            "services/users/models.py": "",
            "common/__init__.py": "",
        },
    )
    findings = check(tmp_path, select=["cross-service-import"]).findings
    assert [(f.path, f.line) for f in findings] == [("services/orders/app.py", 1)]
    assert "from service 'users'" in findings[0].message


def test_remote_build_context_is_not_a_service(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "docker-compose.yml": (
                "services:\n  remote:\n    build: https://github.com/example/app.git\n"
                "  web:\n    build: ./web\n"
            ),
            "web/app.py": "",
        },
    )
    assert found(tmp_path) == [("web", "web", "docker-compose.yml")]


def test_nested_services_files_belong_to_the_innermost(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            ".advisor.toml": 'services = [".", "plugins/billing"]\n',
            "app.py": "import requests\nrequests.get('u', timeout=1)\n",
            "plugins/billing/db.py": "U = 'postgresql://db/shop'\n",
            "plugins/other.py": "U = 'postgresql://db/shop'\n",
        },
    )
    findings = check(tmp_path, select=["shared-db"]).findings
    name = tmp_path.name.lower().replace("_", "-")
    assert [(f.path, f.message.split(";")[0]) for f in findings] == [
        (
            "plugins/other.py",
            f"services billing, {name} share the database postgresql://db:5432/shop",
        )
    ]
