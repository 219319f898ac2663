{%- set E = cookiecutter.entity -%}
{%- set e = cookiecutter.__entity_snake -%}
"""Fill the replica from the owner's paginated export (``GET /{{ e }}s?after=<id>&limit=N``).

Run: ``python -m {{ cookiecutter.__consumer_pkg }}.bootstrap`` (reads ``OWNER_URL`` and ``DATABASE_URL``);
the consumer also runs it at startup when the replica is empty, once its queue exists. Rows go through the
projector's version check, so events applied meanwhile are never overwritten by older rows.
"""

from __future__ import annotations

import asyncio
import logging
import os
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_random_exponential

from {{ cookiecutter.__consumer_pkg }} import projector
from {{ cookiecutter.__consumer_pkg }}.db import Database
from {{ cookiecutter.__consumer_pkg }}.settings import Settings

log = logging.getLogger("{{ cookiecutter.__consumer_pkg }}.bootstrap")
TIMEOUT = httpx.Timeout(10.0, connect=2.0)


async def _page(http: httpx.AsyncClient, after: str | None, limit: int) -> dict[str, Any]:
    params: dict[str, str | int] = {"limit": limit}
    if after is not None:
        params["after"] = after
    # A GET of the export is idempotent: retried with backoff and full jitter.
    retrying = AsyncRetrying(
        stop=stop_after_attempt(5),
        wait=wait_random_exponential(multiplier=0.2, max=5),
        retry=retry_if_exception_type(httpx.TransportError),
        reraise=True,
    )
    async for attempt in retrying:
        with attempt:
            response = await http.get("/{{ e }}s", params=params)
            response.raise_for_status()
            page: dict[str, Any] = response.json()
            return page
    raise AssertionError("unreachable: tenacity re-raises the last error")


async def bootstrap(
    sessions: async_sessionmaker[AsyncSession], http: httpx.AsyncClient, limit: int = 500
) -> int:
    """Copy every {{ e }} of the export into the replica; returns how many rows were applied."""
    applied = 0
    after: str | None = None
    while True:
        page = await _page(http, after, limit)
        at = datetime.now(UTC)
        async with sessions() as session, session.begin():
            applied += await projector.apply_snapshots(session, page["items"], at)
        after = page["next_after"]
        if after is None:
            return applied


async def bootstrap_from_owner(db: Database, owner_url: str) -> int:
    """Bootstrap the replica from the owner; a failure is logged, not fatal (events still flow)."""
    try:
        async with httpx.AsyncClient(base_url=owner_url, timeout=TIMEOUT) as http:
            count = await bootstrap(db.sessions, http)
    except httpx.HTTPError as exc:
        log.warning("replica bootstrap from %s failed (%s); events will fill it", owner_url, exc)
        return 0
    log.info("replica bootstrapped with %d {{ e }}s", count)
    return count


async def main() -> None:
    """Bootstrap the replica from ``OWNER_URL``."""
    settings = Settings()
    db = Database(settings.database_url)
    await db.create_all()
    try:
        async with httpx.AsyncClient(base_url=settings.owner_url, timeout=TIMEOUT) as http:
            count = await bootstrap(db.sessions, http)
        log.info("replica bootstrapped with %d {{ e }}s", count)
    finally:
        await db.dispose()


if __name__ == "__main__":
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"))
    asyncio.run(main())
