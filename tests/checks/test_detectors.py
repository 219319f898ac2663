"""The detectors behind each check, on small snippets of code."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest

from advisor.checks._module import Module, index
from advisor.checks.missing_timeout import calls_without_timeout
from advisor.checks.non_idempotent_consumer import CallGraph, is_guarded, subscribers, summarise
from advisor.checks.replica_write import candidates, sql_writes
from advisor.checks.shared_db import UNKNOWN, database_key, interpolate


def tree(source: str) -> Module:
    """A snippet parsed and indexed as the scanner does it."""
    module = Module(
        path=Path("m.py"),
        rel="m.py",
        service=None,
        is_test=False,
        tree=ast.parse(textwrap.dedent(source)),
    )
    index(module)
    return module


@pytest.mark.parametrize(
    ("source", "flagged"),
    [
        ("import httpx\nhttpx.post('u', json={})", True),
        ("import httpx\nhttpx.post('u', timeout=3)", False),
        ("import httpx\nhttpx.get('u', timeout=None)", True),
        ("import httpx as hx\nhx.Client()", True),
        ("from httpx import AsyncClient\nAsyncClient(base_url='u')", True),
        ("from httpx import AsyncClient\nAsyncClient(timeout=2)", False),
        ("import httpx\nhttpx.get('u', **opts)", False),
        ("import requests\nrequests.get('u')", True),
        ("import requests\nrequests.request('GET', 'u', timeout=(1, 5))", False),
        ("import requests\ns = requests.Session()\ns.get('u')", True),
        ("import requests\nwith requests.Session() as s:\n    s.post('u', timeout=1)", False),
        ("import urllib.request\nurllib.request.urlopen('u')", True),
        ("from urllib.request import urlopen\nurlopen('u', None, 5)", False),
        ("from urllib import request\nrequest.urlopen('u', timeout=5)", False),
        ("client.get('u')", False),
    ],
)
def test_missing_timeout(source: str, flagged: bool) -> None:
    assert bool(calls_without_timeout(tree(source))) is flagged


STUBS = "from user_grpc.user.v1 import user_pb2_grpc as rpc\n"


@pytest.mark.parametrize(
    ("source", "flagged"),
    [
        ("stub = rpc.UserServiceStub(ch)\nstub.GetUser(req)", True),
        ("stub = rpc.UserServiceStub(ch)\nstub.GetUser(req, timeout=2)", False),
        ("stub = rpc.UserServiceStub(ch)\nstub.GetUser(req, 2)", False),
        ("stub = rpc.UserServiceStub(ch)\nstub.GetUser(req, timeout=None)", True),
        ("stub = rpc.UserServiceStub(ch)\nstub.GetUser(req, **options)", False),
        ("stub = rpc.UserServiceStub(ch)\nstub.GetUser.future(req)", True),
        ("stub = rpc.UserServiceStub(ch)\nstub.GetUser.with_call(req, timeout=1)", False),
        ("rpc.UserServiceStub(ch).ListUsers(req)", True),
        (
            "class C:\n    def __init__(s, ch):\n        s.stub = rpc.UserServiceStub(ch)\n"
            "    async def f(s, r):\n        return await s.stub.GetUser(r)",
            True,
        ),
        (
            "from grpc_health.v1.health_pb2_grpc import HealthStub\nh: HealthStub = HealthStub(c)\n"
            "h.Check(req)",
            True,
        ),
        (
            "class C:\n    def _stub(s) -> rpc.UserServiceStub:\n"
            "        return rpc.UserServiceStub(s.c)\n"
            "    async def f(s, r):\n        return await s._stub().GetUser(r)",
            True,
        ),
        # Not a stub: an ordinary object's method, or a class that is not generated.
        ("other = make(ch)\nother.GetUser(req)", False),
        ("from mylib import UserServiceStub\nUserServiceStub(ch).GetUser(req)", False),
    ],
)
def test_missing_grpc_deadline(source: str, flagged: bool) -> None:
    assert bool(calls_without_timeout(tree(STUBS + source))) is flagged


REPLICAS = {"UserReplica", "replica_emails"}


@pytest.mark.parametrize(
    ("source", "flagged"),
    [
        ("session.add(UserReplica(user_id='1'))", True),
        ("def f(s):\n    row = UserReplica()\n    s.add(row)", True),
        ("def f(s):\n    row = s.get(UserReplica, 1)\n    s.delete(row)", True),
        ("def f(s):\n    row = s.get(UserReplica, 1)\n    row.name = 'x'", True),
        ("s.execute(insert(UserReplica).values(name='x'))", True),
        ("s.execute(update(UserReplica).values(name='x'))", True),
        ("s.execute(replica_emails.insert())", True),
        ("s.execute(UserReplica.__table__.delete())", True),
        ("s.execute(text('INSERT INTO replica_users VALUES (1)'))", True),
        ("cur.execute('update replica_users set name = ?', ('x',))", True),
        ("s.bulk_insert_mappings(UserReplica, rows)", True),
        ("s.execute(select(UserReplica))", False),
        ("def f(s):\n    row = s.get(UserReplica, 1)\n    return row.name", False),
        ("s.add(Order(id=1))", False),
        ("s.execute(text('SELECT * FROM replica_users'))", False),
    ],
)
def test_replica_writes(source: str, flagged: bool) -> None:
    module = tree(source)
    found = any(c.writes(REPLICAS) for c in candidates(module)) or bool(sql_writes(module))
    assert found is flagged


@pytest.mark.parametrize(
    ("source", "handlers"),
    [
        ("@broker.subscriber('t')\nasync def h(m): ...", ["h"]),
        ("@router.subscriber('t', group_id='g')\ndef h(m): ...", ["h"]),
        ("def cb(ch, method, props, body): ...\nchannel.basic_consume('q', cb)", ["cb"]),
        (
            "def cb(ch, m, p, b): ...\nchannel.basic_consume(queue='q', on_message_callback=cb)",
            ["cb"],
        ),
        ("async def cb(m): ...\nasync def main(q):\n    await q.consume(cb)", ["cb"]),
        (
            "async def main(q):\n    async with q.iterator() as it:\n"
            "        async for m in q.iterator():\n            pass",
            ["main"],
        ),
        (
            "async def run():\n    consumer = AIOKafkaConsumer('t')\n"
            "    async for m in consumer:\n        pass",
            ["run"],
        ),
        ("@app.get('/x')\ndef h(): ...", []),
    ],
)
def test_subscribers_found(source: str, handlers: list[str]) -> None:
    assert [s.function.name for s in subscribers(tree(source))] == handlers


@pytest.mark.parametrize(
    ("source", "guarded"),
    [
        ("@broker.subscriber('t')\n@idempotent\nasync def h(m): ...", True),
        ("@broker.subscriber('t')\nasync def h(m):\n    if already_processed(m.id): return", True),
        ("@broker.subscriber('t')\nasync def h(m):\n    inbox.mark_processed(m.id)", True),
        (
            "@broker.subscriber('t')\nasync def h(m):\n    apply(m)\n"
            "def apply(m):\n    store(m)\ndef store(m):\n    run_idempotently(m)",
            True,
        ),
        (
            "@broker.subscriber('t')\nasync def h(m):\n    apply(m)\ndef apply(m):\n    save(m)",
            False,
        ),
    ],
)
def test_guard_convention(source: str, guarded: bool) -> None:
    module = tree(source)
    graph = CallGraph()
    for function in module.functions:
        graph.add(summarise(module, function))
    [handler] = subscribers(module)
    assert is_guarded(summarise(module, handler.function), graph) is guarded


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("postgresql://u:p@db:5432/app", "postgresql://db:5432/app"),
        ("postgres://db/app", "postgresql://db:5432/app"),
        ("postgresql+asyncpg://u@127.0.0.1/app", "postgresql://localhost:5432/app"),
        ("sqlite:////var/data/app.db", "sqlite:////var/data/app.db"),
        ("sqlite:///./app.db", None),
        ("sqlite:///:memory:", None),
        ("http://db/app", None),
        ("postgresql://db", None),
    ],
)
def test_database_key(url: str, key: str | None) -> None:
    assert database_key(url) == key


@pytest.mark.parametrize(
    ("value", "expanded"),
    [
        ("${DB:-mysql://db/shop}", "mysql://db/shop"),
        ("${DB:-mysql://db/shop}", "mysql://db/shop"),
        ("postgresql://u@${HOST}/app", "postgresql://u@db1/app"),
        ("postgresql://u@${NOPE}/app", f"postgresql://u@{UNKNOWN}/app"),
        ("postgresql://u@$HOST:${PORT-5433}/app", "postgresql://u@db1:5433/app"),
        ("pa$$word", "pa$word"),
    ],
)
def test_compose_interpolation(value: str, expanded: str) -> None:
    assert interpolate(value, {"HOST": "db1"}) == expanded


def test_cross_service_import_forms(tmp_path: pytest.TempPathFactory) -> None:
    from pathlib import Path

    from advisor.checks import check

    root = Path(str(tmp_path))
    for service in ("billing", "shipping"):
        (root / "services" / service).mkdir(parents=True)
        (root / "services" / service / "__init__.py").write_text("")
    (root / "services" / "billing" / "a.py").write_text(
        "from services.shipping import rates\nimport services.shipping.x\n"
        "from services import shipping\nimport billing.b\n"
    )
    lines = [f.line for f in check(root, select=["cross-service-import"]).findings]
    assert lines == [1, 2, 3]
