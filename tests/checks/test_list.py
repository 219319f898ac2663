"""Every check's `--list` text says what the check does: each documented case behaves as
written, and every library, call and variable the check knows is in its text."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from advisor.checks import (
    BY_ID,
    CHECKS,
    check,
    missing_timeout,
    non_idempotent_consumer,
    sdk_business_logic,
    shared_db,
)


@pytest.fixture(scope="module")
def listing() -> dict[str, str]:
    """`advisor check --list` as printed, split by check id."""
    done = subprocess.run(
        [sys.executable, "-m", "advisor", "check", "--list"],
        capture_output=True,
        text=True,
        check=True,
    )
    text = re.sub(r"\s+", " ", done.stdout)
    ids = [c.id for c in CHECKS]
    found = {}
    for check_id in ids:
        start = text.index(f"{check_id} (")
        ends = [text.index(f"{o} (", start + 1) for o in ids if f"{o} (" in text[start + 1 :]]
        found[check_id] = text[start : min(ends, default=len(text))]
    return found


def project(root: Path, files: dict[str, str]) -> Path:
    for name, text in {"services/a/__init__.py": "", "services/b/__init__.py": "", **files}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


#: (check id, a phrase of its --list text, the files of a project, whether it trips).
DOCUMENTED: list[tuple[str, str, dict[str, str], bool]] = [
    (
        "missing-timeout",
        "`httpx.Client(...)`",
        {"services/a/c.py": "import httpx\nhttpx.Client()\n"},
        True,
    ),
    (
        "missing-timeout",
        "(or with `timeout=None`)",
        {"services/a/c.py": "import httpx\nhttpx.get('u', timeout=None)\n"},
        True,
    ),
    (
        "missing-timeout",
        "`self.session = ...`",
        {
            "services/a/c.py": (
                "import requests\nclass C:\n    def __init__(self):\n"
                "        self.session = requests.Session()\n"
                "    def f(self):\n        return self.session.get('u')\n"
            )
        },
        True,
    ),
    (
        "missing-timeout",
        "`aiohttp.ClientSession(...)`",
        {"services/a/c.py": "import aiohttp\naiohttp.ClientSession()\n"},
        True,
    ),
    (
        "missing-timeout",
        "calls on a session use the session's timeout",
        {"services/a/c.py": "import aiohttp\ns = aiohttp.ClientSession(timeout=T)\ns.get('u')\n"},
        False,
    ),
    (
        "missing-timeout",
        "a third positional argument",
        {"services/a/c.py": "from urllib.request import urlopen\nurlopen('u', None, 3)\n"},
        False,
    ),
    (
        "missing-timeout",
        "`**kwargs` is assumed to carry it",
        {"services/a/c.py": "import requests\nrequests.get('u', **kw)\n"},
        False,
    ),
    (
        "non-idempotent-consumer",
        "`@<broker or router>.subscriber(...)`",
        {"services/a/c.py": "@broker.subscriber('t')\nasync def h(m):\n    save(m)\n"},
        True,
    ),
    (
        "non-idempotent-consumer",
        "`@<app>.task` or `@shared_task`",
        {"services/a/c.py": "@app.task\ndef t(x):\n    save(x)\n"},
        True,
    ),
    (
        "non-idempotent-consumer",
        "`@event_handler` or `@consume` imported from `nameko`",
        {
            "services/a/c.py": "from nameko.events import event_handler\n"
            "@event_handler('s', 'e')\ndef h(self, p):\n    save(p)\n"
        },
        True,
    ),
    (
        "non-idempotent-consumer",
        "`@rpc` ones that write",
        {
            "services/a/c.py": "from nameko.rpc import rpc\n"
            "@rpc\ndef get(self, i):\n    return load(i)\n"
        },
        False,
    ),
    (
        "non-idempotent-consumer",
        "`@rpc` ones that write",
        {
            "services/a/c.py": "from nameko.rpc import rpc\n"
            "@rpc\ndef make(self, i):\n    self.session.commit()\n"
        },
        True,
    ),
    (
        "non-idempotent-consumer",
        "`basic_consume(...)`",
        {"services/a/c.py": "def cb(ch, m, p, b):\n    save(b)\nchannel.basic_consume('q', cb)\n"},
        True,
    ),
    (
        "non-idempotent-consumer",
        "up to 6 calls deep",
        {
            "services/a/c.py": "@broker.subscriber('t')\nasync def h(m):\n    f1(m)\n"
            + "".join(f"def f{i}(m):\n    f{i + 1}(m)\n" for i in range(1, 6))
            + "def f6(m):\n    mark_processed(m)\n"
        },
        False,
    ),
    (
        "non-idempotent-consumer",
        "up to 6 calls deep",
        {
            "services/a/c.py": "@broker.subscriber('t')\nasync def h(m):\n    f1(m)\n"
            + "".join(f"def f{i}(m):\n    f{i + 1}(m)\n" for i in range(1, 7))
            + "def f7(m):\n    mark_processed(m)\n"
        },
        True,
    ),
    (
        "cross-service-import",
        "`services.<b>.x`",
        {"services/a/m.py": "from services.b import x\n"},
        True,
    ),
    (
        "cross-service-import",
        "inside the importer's own folder",
        {"services/a/b.py": "", "services/a/m.py": "import b\n"},
        False,
    ),
    (
        "cross-service-import",
        "Relative imports are the service's own code",
        {"services/a/m.py": "from . import b\n"},
        False,
    ),
    (
        "shared-db",
        "root `.env` variables matching no service count only against each other",
        {
            ".env": "X_DATABASE_URL=postgresql://h/d\n",
            "services/a/m.py": "U = 'postgresql://h/d'\n",
        },
        False,
    ),
    (
        "shared-db",
        "`.env` / `.env.*` files in a service's folder",
        {
            "services/a/.env.local": "DB_URL=mysql://h/d\n",
            "services/b/.env": "DB_HOST=h\nDB_NAME=d\nDB_PORT=3306\n",
        },
        False,
    ),
    (
        "shared-db",
        "`.env` / `.env.*` files in a service's folder",
        {
            "services/a/.env.local": "DB_URL=postgresql://h/d\n",
            "services/b/.env": "DB_HOST=h\nDB_NAME=d\n",
        },
        True,
    ),
    (
        "shared-db",
        "non-test Python files",
        {
            "services/a/m.py": "U = 'postgresql://h/d'\n",
            "services/b/tests/test_m.py": "U = 'postgresql://h/d'\n",
        },
        False,
    ),
    (
        "shared-db",
        "localhost = 127.0.0.1",
        {
            "services/a/m.py": "U = 'postgresql://localhost/d'\n",
            "services/b/m.py": "U = 'postgresql://127.0.0.1:5432/d'\n",
        },
        True,
    ),
    (
        "replica-write",
        "`Table('replica_*', ...)`",
        {"services/a/m.py": "t = Table('replica_users')\ns.execute(t.insert())\n"},
        True,
    ),
    (
        "replica-write",
        "`projector.py`",
        {"services/a/projector.py": "class UserReplica: ...\ns.add(UserReplica())\n"},
        False,
    ),
    (
        "sdk-business-logic",
        "the `services` package",
        {"libs/a-sdk/a_sdk/c.py": "import services.a\n"},
        True,
    ),
    (
        "sdk-business-logic",
        "non-test Python files",
        {"libs/a-sdk/tests/test_c.py": "import sqlalchemy\n"},
        False,
    ),
]


@pytest.mark.parametrize(("check_id", "phrase", "files", "trips"), DOCUMENTED)
def test_documented_case_behaves_as_written(
    listing: dict[str, str],
    tmp_path: Path,
    check_id: str,
    phrase: str,
    files: dict[str, str],
    trips: bool,
) -> None:
    assert phrase in listing[check_id]
    findings = check(project(tmp_path, files), select=[check_id]).findings
    assert bool(findings) is trips, findings


def test_every_check_has_documented_cases() -> None:
    assert {case[0] for case in DOCUMENTED} == set(BY_ID) - {"schema-breaking-change"}


def test_every_known_name_is_in_the_list_text(listing: dict[str, str]) -> None:
    timeouts = listing["missing-timeout"]
    for target in missing_timeout._TARGETS:
        *library, call = target.split(".")
        assert call in timeouts and library[0] in timeouts, target
    db = listing["shared-db"]
    for target in shared_db.CONNECTS:
        assert f"`{target}(...)`" in db
    for suffixes in shared_db._ROLES.values():
        for suffix in suffixes:
            assert f"`*{suffix}`" in db
    consumers = listing["non-idempotent-consumer"]
    for kind in non_idempotent_consumer._NAMEKO:
        assert f"`@{kind}`" in consumers
    sdk = listing["sdk-business-logic"]
    for persistence in sdk_business_logic.PERSISTENCE:
        assert persistence in sdk
