{%- set E = cookiecutter.entity -%}
{%- set e = cookiecutter.__entity_snake -%}
"""The views' read path: the replica's row of one {{ E }}, as lean as its database allows.

A view reads one row by its primary key, so what a read costs is the way to the database:

- SQLite in a file (the default): SQLAlchemy's synchronous engine on the standard library's
  driver, called on the event loop's own thread. The lookup takes tens of microseconds,
  less than aiosqlite's hop to its worker thread and back. The database is in WAL mode
  (db.py), so a read does not wait for the projector's commit.
- PostgreSQL, or SQLite in memory (which no other connection can see): the async engine
  in autocommit and without the pool's pre-ping, so a read is one round trip with no
  BEGIN, ROLLBACK or ping. A pooled connection the database dropped (it restarted, say)
  fails its read; SQLAlchemy then discards every older pooled connection, and the read is
  tried once more on a new one.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, Row, bindparam, create_engine, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from {{ cookiecutter.__consumer_pkg }}.models import {{ E }}Replica

QUERY = select({{ E }}Replica.__table__).where({{ E }}Replica.{{ e }}_id == bindparam("{{ e }}_id"))


class ReplicaReads:
    """Reads of the replica at ``url`` (the consumer's own database)."""

    def __init__(self, url: str) -> None:
        parsed = make_url(url)
        self.local: Engine | None = None
        self.remote: AsyncEngine | None = None
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
            self.local = create_engine(parsed.set(drivername="sqlite"))
        else:
            self.remote = create_async_engine(parsed, isolation_level="AUTOCOMMIT")

    async def get(self, {{ e }}_id: str) -> dict[str, Any] | None:
        """The replica's row of ``{{ e }}_id`` (a tombstone too), None if there is none."""
        params = {"{{ e }}_id": {{ e }}_id}
        if self.local is not None:
            with self.local.connect() as connection:
                row = connection.execute(QUERY, params).first()
        else:
            try:
                row = await self._remote(params)
            except DBAPIError as exc:
                if not exc.connection_invalidated:
                    raise
                row = await self._remote(params)
        return None if row is None else dict(row._mapping)

    async def _remote(self, params: dict[str, str]) -> Row[Any] | None:
        assert self.remote is not None
        async with self.remote.connect() as connection:
            return (await connection.execute(QUERY, params)).first()

    async def dispose(self) -> None:
        """Close every pooled connection."""
        if self.local is not None:
            self.local.dispose()
        if self.remote is not None:
            await self.remote.dispose()
