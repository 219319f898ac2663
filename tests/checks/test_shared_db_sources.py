"""shared-db finds a database wherever a service names it, and guesses nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from advisor.checks import check

COMPOSE = (
    "services:\n"
    "  orders:\n    build: ./orders\n{orders}"
    "  users:\n    build: ./users\n{users}"
    "  db:\n    image: postgres:16\n"
)


def project(root: Path, files: dict[str, str]) -> Path:
    """Two services, orders and users, plus ``files``."""
    base = {
        "orders/Dockerfile": "FROM python\n",
        "orders/app.py": "",
        "users/Dockerfile": "FROM python\n",
        "users/app.py": "",
    }
    for name, text in {**base, **files}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def shared(root: Path) -> list[tuple[str, int | None, str]]:
    report = check(root, select=["shared-db"])
    return [(f.path, f.line, f.message.split(";")[0]) for f in report.findings]


def test_root_env_prefixed_variables_sharing_one_database(tmp_path: Path) -> None:
    # The generated project's layout: make dev reads .env, one variable per service.
    env = "OWNER_DATABASE_URL=postgresql://u:p@localhost/shop\nCONSUMER_DATABASE_URL='postgresql://u:q@127.0.0.1:5432/shop'\n"
    project(tmp_path, {".env": env})
    assert shared(tmp_path) == [
        (
            ".env",
            1,
            "the settings CONSUMER_DATABASE_URL (.env), OWNER_DATABASE_URL (.env) share the "
            "database postgresql://localhost:5432/shop",
        )
    ]


def test_root_env_prefix_matching_a_service_counts_as_that_service(tmp_path: Path) -> None:
    project(
        tmp_path,
        {
            ".env": "ORDERS_DB_HOST=pg\nORDERS_DB_NAME=shop\n",
            "users/.env": "DATABASE_URL=postgresql://pg/shop\n",
        },
    )
    assert shared(tmp_path) == [
        ("users/.env", 1, "services orders, users share the database postgresql://pg:5432/shop")
    ]


def test_root_env_distinct_databases_and_unprefixed_variables_pass(tmp_path: Path) -> None:
    project(
        tmp_path,
        {
            ".env": "OWNER_DATABASE_URL=postgresql://localhost/users\n"
            "CONSUMER_DATABASE_URL=postgresql://localhost/orders\n"
            "DATABASE_URL=postgresql://localhost/orders\n",
            ".env.example": "OWNER_DATABASE_URL=sqlite:///./users.db\n"
            "CONSUMER_DATABASE_URL=sqlite:///./orders.db\n",
        },
    )
    assert shared(tmp_path) == []


def test_compose_env_file_shared_by_two_services(tmp_path: Path) -> None:
    project(
        tmp_path,
        {
            "docker-compose.yml": COMPOSE.format(
                orders="    env_file: .env\n", users="    env_file: [{path: .env}]\n"
            ),
            ".env": "DATABASE_URL=postgresql://app@db/shop\n",
        },
    )
    [(path, line, message)] = shared(tmp_path)
    assert (path, line) == (".env", 1)
    assert message == "services orders, users share the database postgresql://db:5432/shop"


def test_compose_environment_interpolated_from_the_root_env(tmp_path: Path) -> None:
    project(
        tmp_path,
        {
            "docker-compose.yml": COMPOSE.format(
                orders="    environment:\n      - DATABASE_URL=postgresql://db/${DB_NAME}\n",
                users="    environment:\n      DB_HOST: db\n      DB_NAME: ${DB_NAME:-other}\n",
            ),
            ".env": "DB_NAME=shop\n",
        },
    )
    assert [line for _, line, _ in shared(tmp_path)] == [9]


def test_compose_unset_variable_is_a_note(tmp_path: Path) -> None:
    project(
        tmp_path,
        {
            "docker-compose.yml": COMPOSE.format(
                orders="    environment:\n      - DATABASE_URL=postgresql://db/${DB_NAME}\n",
                users="    environment:\n      - DATABASE_URL=postgresql://db/${DB_NAME}\n",
            )
        },
    )
    report = check(tmp_path, select=["shared-db"])
    assert report.findings == []
    assert [(n.path, n.line) for n in report.notes] == [
        ("docker-compose.yml", 5),
        ("docker-compose.yml", 9),
    ]
    assert all("DATABASE_URL is not set" in n.message for n in report.notes)


@pytest.mark.parametrize(
    ("orders", "users"),
    [
        # asyncpg keywords, and a pool with a DSN built by an f-string of constants
        (
            "import asyncpg\nasync def f():\n"
            "    return await asyncpg.connect(host='pg', database='shop')\n",
            "import asyncpg\nHOST = 'pg'\nasync def f():\n"
            "    return await asyncpg.create_pool(f'postgresql://u:{PW}@{HOST}:5432/shop')\n",
        ),
        # pymysql and MySQLdb
        (
            "import pymysql\npymysql.connect(host='my', db='shop', user='x')\n",
            "import MySQLdb\nMySQLdb.connect(host='my', port=3306, database='shop')\n",
        ),
        # SQLAlchemy URL.create and create_engine with os.environ.get defaults
        (
            "from sqlalchemy.engine import URL\n"
            "URL.create('postgresql+psycopg2', 'u', 'p', 'pg', 5432, 'shop')\n",
            "import os\nfrom sqlalchemy import create_engine\n"
            "create_engine(os.environ.get('DB', 'postgresql://pg:5432/' + 'shop'))\n",
        ),
        # Django DATABASES and a psycopg conninfo string
        (
            "DATABASES = {'default': {'ENGINE': 'django.db.backends.postgresql', "
            "'NAME': 'shop', 'HOST': 'pg', 'PORT': '5432'}}\n",
            "import psycopg\npsycopg.connect('host=pg dbname=shop user=u')\n",
        ),
    ],
)
def test_connect_calls_naming_one_database(tmp_path: Path, orders: str, users: str) -> None:
    project(tmp_path, {"orders/db.py": orders, "users/db.py": users})
    [(path, _line, message)] = shared(tmp_path)
    assert path == "users/db.py" and "services orders, users share the database" in message


def test_settings_files_and_test_code(tmp_path: Path) -> None:
    project(
        tmp_path,
        {
            "orders/alembic.ini": "[alembic]\nsqlalchemy.url = postgresql://u:p@pg/shop\n",
            "users/config/settings.yaml": "database:\n  url: postgresql://pg/shop\n",
            "users/tests/test_db.py": "URL = 'postgresql://pg/orders'\n",
        },
    )
    assert shared(tmp_path) == [
        (
            "users/config/settings.yaml",
            2,
            "services orders, users share the database postgresql://pg:5432/shop",
        )
    ]


def test_unresolvable_connect_arguments_are_notes(tmp_path: Path) -> None:
    project(
        tmp_path,
        {
            "orders/db.py": "import psycopg2\nfrom settings import DB\n"
            "psycopg2.connect(host='pg', dbname=DB)\n",
            "users/db.py": "import psycopg2, os\n"
            "psycopg2.connect(host='pg', dbname=os.environ['N'])\n"
            "def f(**kw):\n    return psycopg2.connect(host='pg', **kw)\n",
        },
    )
    report = check(tmp_path, select=["shared-db"])
    assert report.findings == []
    assert [(n.path, n.line, n.message) for n in report.notes] == [
        (
            "orders/db.py",
            3,
            "database of psycopg2.connect(...) unknown: 'DB' is not a constant of this module",
        ),
        (
            "users/db.py",
            2,
            "database of psycopg2.connect(...) unknown: "
            "os.environ['N'] from the environment has no default",
        ),
        (
            "users/db.py",
            4,
            "database of psycopg2.connect(...) unknown: its arguments come from **kwargs",
        ),
    ]


def test_image_only_tools_are_not_services_but_named_images_are(tmp_path: Path) -> None:
    url = "      DATABASE_URL: postgresql://db/orders\n"
    project(
        tmp_path,
        {
            "docker-compose.yml": COMPOSE.format(orders=f"    environment:\n{url}", users="")
            + f"  migrate:\n    image: migrate/migrate\n    environment:\n{url}"
            + f"  users-prebuilt:\n    image: registry/users:1\n    environment:\n{url}",
        },
    )
    assert shared(tmp_path) == []


def test_image_only_entries_named_like_services_are_those_services(tmp_path: Path) -> None:
    url = "    environment:\n      DATABASE_URL: postgresql://db/shop\n"
    compose = f"services:\n  orders:\n    image: registry/orders:1\n{url}"
    compose += f"  users:\n    image: registry/users:1\n{url}"
    project(tmp_path, {"docker-compose.yml": compose})
    assert [(path, line) for path, line, _ in shared(tmp_path)] == [("docker-compose.yml", 9)]


def test_environment_and_role_prefixes_are_no_users(tmp_path: Path) -> None:
    project(
        tmp_path,
        {
            ".env": "TEST_DATABASE_URL=postgresql://localhost/shop\n"
            "ASYNC_DATABASE_URL=postgresql://localhost/shop\n"
            "DATABASE_URL=postgresql://localhost/shop\n",
        },
    )
    assert shared(tmp_path) == []
