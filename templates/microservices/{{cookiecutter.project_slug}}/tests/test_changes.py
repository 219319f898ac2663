{%- set e = cookiecutter.__entity_snake -%}
"""Without a replica, the consumer records what the owner's events told it, once each."""

from __future__ import annotations

import json
from typing import Any

import httpx


async def test_changes_are_recorded_once_and_listed(
    consumer: Any, consumer_url: str, make_event: Any
) -> None:
    from {{ cookiecutter.__consumer_pkg }}.app import create_app

    first = make_event(
        "{{ e }}.upserted",
        "c1",
        1,
        {
{%- for name, kind in cookiecutter.fields | fields %}
            "{{ name }}": {{ kind | sample(0) }},
{%- endfor %}
        },
    )
    assert await consumer.handle(json.dumps(first).encode()) == "applied"
    assert await consumer.handle(json.dumps(first).encode()) == "duplicate"
    assert await consumer.handle(json.dumps(make_event("{{ e }}.deleted", "c1", 2)).encode()) == "applied"
    app = create_app(database_url=consumer_url)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://consumer", timeout=5.0) as http:
        changes = (await http.get("/{{ e }}s/c1/changes")).json()
    await app.state.db.dispose()
    assert [(c["event_type"], c["version"]) for c in changes] == [("{{ e }}.upserted", 1), ("{{ e }}.deleted", 2)]
