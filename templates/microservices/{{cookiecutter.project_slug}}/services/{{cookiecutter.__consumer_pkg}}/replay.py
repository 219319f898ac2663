{%- set E = cookiecutter.entity -%}
{%- set e = cookiecutter.__entity_snake -%}
"""Rebuild what {{ cookiecutter.consumer }} built from the events, from the stream's first event.

Run: ``make replay``, or ``python -m {{ cookiecutter.__consumer_pkg }}.replay`` (reads ``DATABASE_URL``),
with the consumer stopped. In one transaction it empties the {% if cookiecutter.__replica %}replica{% else %}changes table{% endif %}, the processed ids
and the stored offset; started again, the consumer reads ``{{ e }}.events`` from the first
event the stream still holds. Past the stream's retention (``STREAM_MAX_AGE``,
``STREAM_MAX_LENGTH_BYTES``) older events are gone{% if cookiecutter.__replica %}: the consumer then bootstraps the
empty replica from the owner's export as well{% else %} and are not replayed{% endif %}.
"""

from __future__ import annotations

import asyncio
import logging
import os

from sqlalchemy import delete

from {{ cookiecutter.__consumer_pkg }}.db import Database
from {{ cookiecutter.__consumer_pkg }}.models import (
    {% if cookiecutter.__replica %}{{ E }}Replica{% else %}{{ E }}Change{% endif %},
    ProcessedMessage,
    StreamOffset,
)
from {{ cookiecutter.__consumer_pkg }}.settings import Settings

log = logging.getLogger("{{ cookiecutter.__consumer_pkg }}.replay")


async def reset(db: Database) -> None:
    """Forget everything the events built, and where the stream was read up to: in ONE transaction."""
    async with db.sessions() as session, session.begin():
        for table in ({% if cookiecutter.__replica %}{{ E }}Replica{% else %}{{ E }}Change{% endif %}, ProcessedMessage, StreamOffset):
            await session.execute(delete(table))


async def main() -> None:
    """Reset the database at ``DATABASE_URL`` for a replay from offset 0."""
    db = Database(Settings().database_url)
    await db.create_all()
    try:
        await reset(db)
    finally:
        await db.dispose()
    log.info("reset: the consumer reads the stream from its first event when it starts again")


if __name__ == "__main__":
    logging.basicConfig(
        level=os.environ.get("LOG_LEVEL", "INFO"), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    asyncio.run(main())
