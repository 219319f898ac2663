"""Run inside a rendered project (``PYTHONPATH=services``): time the consumer's own read paths.

stdin: JSON ``{"database_url", "owner_url", "dead_url", "replica_ids", "owner_ids", "n"}``;
stdout: JSON seconds per read for ``replica`` (a session on the local replica), ``sqlite``
(the same rows in a SQLite replica, the template's default database), ``lean`` and
``lean_sqlite`` (the same reads through ``reads.ReplicaReads``, the views' own path: on
PostgreSQL a Core statement in autocommit without a pre-ping, on SQLite the synchronous
driver on the event loop's thread), ``client`` (the resilient client calling the owner)
and ``fail_fast`` (the client once its breaker is open against ``dead_url``).
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from typing import Any

# The rendered project's consumer, on the path only when the benchmark runs this probe.
from order_service.client import UserClient  # type: ignore[import-not-found]
from order_service.db import Database  # type: ignore[import-not-found]
from order_service.models import UserReplica  # type: ignore[import-not-found]
from order_service.reads import ReplicaReads  # type: ignore[import-not-found]
from sqlalchemy import inspect, select

BREAKER_THRESHOLD = 3


async def timed(n: int, ids: list[str], read: Callable[[str], Awaitable[object]]) -> list[float]:
    runs = []
    for i in range(n):
        start = time.perf_counter()
        await read(ids[i % len(ids)])
        runs.append(time.perf_counter() - start)
    return runs


async def copy_to_sqlite(db: Any, ids: list[str], path: str) -> Any:
    """A SQLite replica holding the rows ``ids`` of ``db``'s replica."""
    lite = Database(f"sqlite+aiosqlite:///{path}")
    await lite.create_all()
    columns = [attribute.key for attribute in inspect(UserReplica).column_attrs]
    async with db.sessions() as session:
        query = select(UserReplica).where(UserReplica.user_id.in_(ids))
        rows = (await session.scalars(query)).all()
    async with lite.sessions() as session, session.begin():
        session.add_all(UserReplica(**{c: getattr(row, c) for c in columns}) for row in rows)
    return lite


async def main(job: dict[str, Any]) -> dict[str, list[float]]:
    n = job["n"]
    db = Database(job["database_url"])
    client = UserClient(job["owner_url"])
    dead = UserClient(job["dead_url"], breaker_threshold=BREAKER_THRESHOLD, breaker_ttl=600)

    scratch = tempfile.TemporaryDirectory(prefix="replica-")
    lite = await copy_to_sqlite(db, job["replica_ids"], f"{scratch.name}/replica.db")

    def reader(database: Any) -> Callable[[str], Awaitable[object]]:
        async def read(user_id: str) -> object:
            async with database.sessions() as session:
                row = await session.get(UserReplica, user_id)
            assert row is not None, user_id
            return row

        return read

    def lean(reads: Any) -> Callable[[str], Awaitable[object]]:
        async def read(user_id: str) -> object:
            row = await reads.get(user_id)
            assert row is not None, user_id
            return row

        return read

    reads, lite_reads = ReplicaReads(db.url), ReplicaReads(lite.url)
    replica, sqlite = reader(db), reader(lite)
    lean_replica, lean_sqlite = lean(reads), lean(lite_reads)
    try:
        await timed(20, job["replica_ids"], replica)  # warm the pools
        await timed(20, job["replica_ids"], sqlite)
        await timed(20, job["replica_ids"], lean_replica)
        await timed(20, job["replica_ids"], lean_sqlite)
        await timed(20, job["owner_ids"], client.get_user)
        result = {
            "replica": await timed(n, job["replica_ids"], replica),
            "sqlite": await timed(n, job["replica_ids"], sqlite),
            "lean": await timed(n, job["replica_ids"], lean_replica),
            "lean_sqlite": await timed(n, job["replica_ids"], lean_sqlite),
            "client": await timed(n, job["owner_ids"], client.get_user),
        }
        for user_id in job["owner_ids"][:BREAKER_THRESHOLD]:  # failures that open the breaker
            assert (await dead.get_user(user_id)).stale
        result["fail_fast"] = await timed(n, job["owner_ids"], dead.get_user)
        return result
    finally:
        await client.aclose()
        await dead.aclose()
        await db.dispose()
        await lite.dispose()
        await reads.dispose()
        await lite_reads.dispose()
        scratch.cleanup()


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(json.load(sys.stdin)))))
