{%- set E = cookiecutter.entity -%}
{%- set e = cookiecutter.__entity_snake -%}
"""Reads and writes of {{ E }}: each write is one transaction{% if cookiecutter.__event %} holding the change AND its outbox row{% endif %}."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

{% if cookiecutter.__event -%}
from {{ cookiecutter.__owner_pkg }} import events
{% endif -%}
from {{ cookiecutter.__owner_pkg }}.models import {{ E }}
from {{ cookiecutter.__owner_pkg }}.schemas import {{ E }}In, {{ E }}Out, {{ E }}Page


def new_id() -> str:
    """A fresh {{ e }} id."""
    return uuid.uuid4().hex


async def get_{{ e }}(sessions: async_sessionmaker[AsyncSession], {{ e }}_id: str) -> {{ E }}Out | None:
    """The {{ e }} with that id, or None."""
    async with sessions() as session:
        row = await session.get({{ E }}, {{ e }}_id)
        return {{ E }}Out.model_validate(row) if row is not None and row.deleted_at is None else None


async def put_{{ e }}(
    sessions: async_sessionmaker[AsyncSession], {{ e }}_id: str, data: {{ E }}In
) -> tuple[{{ E }}Out, bool]:
    """Create or replace a {{ e }}; returns it and whether it was created."""
    async with sessions() as session, session.begin():
        row = await session.get({{ E }}, {{ e }}_id, with_for_update=True)
        created = row is None or row.deleted_at is not None
        now = datetime.now(UTC)
        if row is None:
            row = {{ E }}({{ e }}_id={{ e }}_id, version=1, updated_at=now, **data.model_dump())
            session.add(row)
        else:  # a change, or a tombstone brought back: the version goes on either way
            for name, value in data.model_dump().items():
                setattr(row, name, value)
            row.version += 1
            row.updated_at = now
            row.deleted_at = None
        await session.flush()
        result = {{ E }}Out.model_validate(row)
{%- if cookiecutter.__event %}
        # Same session, same transaction: the event exists if and only if the change does.
        events.record(session, events.upserted(result, now))
{%- endif %}
    return result, created


async def delete_{{ e }}(sessions: async_sessionmaker[AsyncSession], {{ e }}_id: str) -> bool:
    """Delete a {{ e }} (its row stays as a tombstone); False if there was none."""
    async with sessions() as session, session.begin():
        row = await session.get({{ E }}, {{ e }}_id, with_for_update=True)
        if row is None or row.deleted_at is not None:
            return False
        now = datetime.now(UTC)
        # The delete is a change too: the next version, so it orders after every earlier one.
        row.version += 1
        row.updated_at = row.deleted_at = now
{%- if cookiecutter.__event %}
        events.record(session, events.deleted({{ e }}_id, row.version, now))
{%- endif %}
    return True


async def export_page(
    sessions: async_sessionmaker[AsyncSession], after: str | None, limit: int
) -> {{ E }}Page:
    """{{ E }}s ordered by id, strictly after ``after``: the paginated export replicas bootstrap from."""
    query = select({{ E }}).where({{ E }}.deleted_at.is_(None)).order_by({{ E }}.{{ e }}_id).limit(limit + 1)
    if after is not None:
        query = query.where({{ E }}.{{ e }}_id > after)
    async with sessions() as session:
        rows = list((await session.scalars(query)).all())
    more = len(rows) > limit
    items = [{{ E }}Out.model_validate(row) for row in rows[:limit]]
    return {{ E }}Page(items=items, next_after=items[-1].{{ e }}_id if more else None)
