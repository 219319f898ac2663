{%- set E = cookiecutter.entity -%}
{%- set e = cookiecutter.__entity_snake -%}
"""The transactional outbox: an event row exactly when the change commits."""

from __future__ import annotations

import json

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from {{ cookiecutter.__owner_pkg }} import events, service
from {{ cookiecutter.__owner_pkg }}.models import {{ E }}, OutboxMessage
from {{ cookiecutter.__owner_pkg }}.schemas import {{ E }}In


async def outbox(app: FastAPI) -> list[OutboxMessage]:
    async with app.state.db.sessions() as session:
        return list((await session.scalars(select(OutboxMessage).order_by(OutboxMessage.created_at))).all())


async def test_each_change_writes_one_outbox_row(
    owner: httpx.AsyncClient,
    owner_app: FastAPI,
    new_{{ e }}: dict[str, object],
    changed_{{ e }}: dict[str, object],
) -> None:
    posted = await owner.post(
        "/{{ e }}s",
        json=new_{{ e }},
    )
    {{ e }}_id = posted.json()["{{ e }}_id"]
    await owner.put(
        f"/{{ e }}s/{ {{- e }}_id}",
        json=changed_{{ e }},
    )
    await owner.delete(f"/{{ e }}s/{ {{- e }}_id}")
    rows = await outbox(owner_app)
    assert [(row.event_type, json.loads(row.payload)["version"]) for row in rows] == [
        (events.UPSERTED, 1),
        (events.UPSERTED, 2),
        (events.DELETED, 3),
    ]
    assert {row.entity_id for row in rows} == { {{- e }}_id}
    assert all(row.sent_at is None for row in rows)
    assert json.loads(rows[1].payload)["data"] == {
        **changed_{{ e }},
        "{{ e }}_id": {{ e }}_id,
        "version": 2,
    }


async def test_no_outbox_row_when_the_change_rolls_back(
    owner_app: FastAPI, new_{{ e }}: dict[str, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> dict[str, object]:
        raise RuntimeError("boom after the change, before the commit")

    monkeypatch.setattr(events, "upserted", broken)
    with pytest.raises(RuntimeError):
        await service.put_{{ e }}(
            owner_app.state.db.sessions,
            "rolled-back",
            {{ E }}In(**new_{{ e }}),
        )
    assert await outbox(owner_app) == []
    async with owner_app.state.db.sessions() as session:
        assert await session.get({{ E }}, "rolled-back") is None


async def test_no_change_when_the_outbox_write_fails(
    owner_app: FastAPI, new_{{ e }}: dict[str, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(session: object, envelope: dict[str, object]) -> None:
        raise RuntimeError("outbox unavailable")

    monkeypatch.setattr(events, "record", broken)
    with pytest.raises(RuntimeError):
        await service.put_{{ e }}(
            owner_app.state.db.sessions,
            "never",
            {{ E }}In(**new_{{ e }}),
        )
    async with owner_app.state.db.sessions() as session:
        assert await session.get({{ E }}, "never") is None
