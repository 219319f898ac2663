{%- set E = cookiecutter.entity -%}
{%- set e = cookiecutter.__entity_snake -%}
"""Reads and writes of {{ E }}: each write is one transaction{% if cookiecutter.__event %} holding the change AND its outbox row{% endif %}."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

{% if cookiecutter.__event -%}
from {{ cookiecutter.__owner_pkg }} import events
{% endif -%}
from {{ cookiecutter.__owner_pkg }}.models import {{ E }}
from {{ cookiecutter.__owner_pkg }}.schemas import (
    {{ E }}In,
    {{ E }}Out,
    {{ E }}Page,
)


class PreconditionFailed(Exception):
    """The client's ``If-Match`` names another version than the current one (HTTP 412)."""

    def __init__(self, current: int | None) -> None:
        why = f"the current version is {current} (ETag {etag(current)})"
        super().__init__("no such {{ e }}" if current is None else why)
        self.current = current


def new_id() -> str:
    """A fresh {{ e }} id."""
    return uuid.uuid4().hex


def etag(version: int) -> str:
    """The entity tag of a version: the version number, quoted."""
    return f'"{version}"'


def check_if_match(if_match: str | None, current: int | None) -> None:
    """Raise :class:`PreconditionFailed` unless ``If-Match`` (RFC 9110 13.1.1) holds for the
    current version (None: no {{ e }}): ``*`` wants one to exist, otherwise one of the listed
    tags must be its ETag."""
    if if_match is None:
        return
    tags = {tag.strip() for tag in if_match.split(",")}
    if current is None or not ("*" in tags or etag(current) in tags):
        raise PreconditionFailed(current)


async def get_{{ e }}(
    sessions: async_sessionmaker[AsyncSession],
    {{ e }}_id: str,
) -> {{ E }}Out | None:
    """The {{ e }} with that id, or None."""
    async with sessions() as session:
        row = await session.get({{ E }}, {{ e }}_id)
        if row is None or row.deleted_at is not None:
            return None
        return {{ E }}Out.model_validate(row)


async def put_{{ e }}(
    sessions: async_sessionmaker[AsyncSession],
    {{ e }}_id: str,
    data: {{ E }}In,
    if_match: str | None = None,
) -> {{ E }}Out:
    """Create or replace a {{ e }}; returns it.

    Writers of one id, even racing to create it, are serialised on its row: each gets the
    next version (or :class:`PreconditionFailed` if ``if_match`` no longer holds).
    """
    values = data.model_dump()
    async with sessions() as session, session.begin():
        now = datetime.now(UTC)
        dialect = postgresql if session.bind.dialect.name == "postgresql" else sqlite
        if if_match is not None:
            # The version must be checked before the write: lock the row, inserting a
            # version-0 tombstone if there is none (a racing insert of the id waits for
            # this transaction, then does nothing), and read it.
            placeholder = {
                "{{ e }}_id": {{ e }}_id,
                **values,
                "version": 0,
                "updated_at": now,
                "deleted_at": now,
            }
            tombstone = dialect.insert({{ E }}).values(placeholder)
            await session.execute(tombstone.on_conflict_do_nothing())
            locked = select(
                {{ E }}.version,
                {{ E }}.deleted_at,
            ).where(
                {{ E }}.{{ e }}_id == {{ e }}_id,
            )
            current = (await session.execute(locked.with_for_update())).one()
            exists = current.deleted_at is None
            check_if_match(if_match, current.version if exists else None)
        # One statement, one round trip: a new {{ e }} gets version 1; a change, or a
        # tombstone brought back, the next version, under the row's lock.
        insert = dialect.insert({{ E }}).values(
            {{ e }}_id={{ e }}_id,
            **values,
            version=1,
            updated_at=now,
            deleted_at=None,
        )
        upsert = insert.on_conflict_do_update(
            index_elements=[{{ E }}.{{ e }}_id],
            set_={
                **values,
                "version": {{ E }}.version + 1,
                "updated_at": now,
                "deleted_at": None,
            },
        )
        version = await session.scalar(upsert.returning({{ E }}.version))
        result = {{ E }}Out(
            {{ e }}_id={{ e }}_id,
            version=version,
            **values,
        )
{%- if cookiecutter.__event %}
        # Same session, same transaction: the event exists if and only if the change does.
        await events.record(session, events.upserted(result, now))
{%- endif %}
    return result


async def delete_{{ e }}(
    sessions: async_sessionmaker[AsyncSession],
    {{ e }}_id: str,
    if_match: str | None = None,
) -> bool:
    """Delete a {{ e }} (its row stays as a tombstone); False if there was none."""
    async with sessions() as session, session.begin():
        row = await session.get(
            {{ E }},
            {{ e }}_id,
            with_for_update=True,
        )
        if row is None or row.deleted_at is not None:
            return False
        check_if_match(if_match, row.version)
        now = datetime.now(UTC)
        # The delete is a change too: the next version, so it orders after every earlier one.
        row.version += 1
        row.updated_at = row.deleted_at = now
{%- if cookiecutter.__event %}
        await events.record(session, events.deleted({{ e }}_id, row.version, now))
{%- endif %}
    return True


async def export_page(
    sessions: async_sessionmaker[AsyncSession],
    after: str | None,
    limit: int,
) -> {{ E }}Page:
    """{{ E }}s ordered by id, strictly after ``after``: the paginated export replicas bootstrap from."""
    query = select({{ E }}).where({{ E }}.deleted_at.is_(None))
    query = query.order_by({{ E }}.{{ e }}_id).limit(limit + 1)
    if after is not None:
        query = query.where({{ E }}.{{ e }}_id > after)
    async with sessions() as session:
        rows = list((await session.scalars(query)).all())
    more = len(rows) > limit
    items = [{{ E }}Out.model_validate(row) for row in rows[:limit]]
    after = items[-1].{{ e }}_id if more else None
    return {{ E }}Page(items=items, next_after=after)
