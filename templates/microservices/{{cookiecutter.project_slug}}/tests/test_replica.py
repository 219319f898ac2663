{%- set E = cookiecutter.entity -%}
{%- set e = cookiecutter.__entity_snake -%}
"""The read replica: version-ordered, bootstrapped from the export, lag as a metric."""

from __future__ import annotations

import json
from typing import Any

import httpx
from fastapi import FastAPI
from {{ cookiecutter.__consumer_pkg }}.bootstrap import bootstrap
from {{ cookiecutter.__consumer_pkg }}.models import {{ E }}Replica

UPSERTED = "{{ e }}.upserted"


def data(which: int = 0) -> dict[str, object]:
    return [
{%- for which in (0, 1) %}
        {
{%- for name, kind in cookiecutter.fields | fields %}
            "{{ name }}": {{ kind | sample(which) }},
{%- endfor %}
        },
{%- endfor %}
    ][which]


async def replica_row(
    consumer: Any,
    {{ e }}_id: str,
) -> {{ E }}Replica | None:
    async with consumer.db.sessions() as session:
        return await session.get({{ E }}Replica, {{ e }}_id)


async def test_stale_and_out_of_order_events_are_ignored(consumer: Any, make_event: Any) -> None:
    newer = make_event(UPSERTED, "r1", 2, data(1))
    older = make_event(UPSERTED, "r1", 1, data(0))
    assert await consumer.handle(json.dumps(newer).encode()) == "applied"
    assert await consumer.handle(json.dumps(older).encode()) == "applied"  # processed, but stale
    row = await replica_row(consumer, "r1")
    assert row is not None
    assert row.version == 2
{%- for name, kind in cookiecutter.fields | fields %}
    assert row.{{ name }} == data(1)["{{ name }}"]
{%- endfor %}


async def test_a_batch_writes_each_{{ e }}_once_at_its_newest_version(
    consumer: Any,
    make_event: Any,
) -> None:
    from {{ cookiecutter.__consumer_pkg }} import projector

    events = [
        make_event(UPSERTED, "m1", 1, data(0)),
        make_event(UPSERTED, "m2", 1, data(0)),
        make_event(UPSERTED, "m1", 3, data(1)),
        make_event(UPSERTED, "m1", 2, data(0)),
    ]
    async with consumer.db.sessions() as session, session.begin():
        assert await projector.apply_events(session, events) == [False, True, True, False]
        # Already at version 3: the same batch again writes nothing.
        assert await projector.apply_events(session, events) == [False, False, False, False]
    m1 = await replica_row(consumer, "m1")
    assert m1 is not None and m1.version == 3
{%- for name, kind in cookiecutter.fields | fields %}
    assert m1.{{ name }} == data(1)["{{ name }}"]
{%- endfor %}


async def test_a_delete_is_a_tombstone_older_upserts_cannot_undo(consumer: Any, make_event: Any) -> None:
    await consumer.handle(json.dumps(make_event(UPSERTED, "r2", 1, data())).encode())
    await consumer.handle(json.dumps(make_event("{{ e }}.deleted", "r2", 3)).encode())
    await consumer.handle(json.dumps(make_event(UPSERTED, "r2", 2, data(1))).encode())
    row = await replica_row(consumer, "r2")
    assert row is not None
    assert (row.deleted, row.version) == (True, 3)


async def test_bootstrap_copies_the_owner_export(
    consumer: Any, owner: httpx.AsyncClient, owner_app: FastAPI, make_event: Any
) -> None:
    for n in range(5):
        await owner.put(f"/{{ e }}s/b{n}", json=data())
    await owner.put("/{{ e }}s/b0", json=data(1))  # b0 is at version 2 in the owner
    # The replica already saw a newer b1 through an event: bootstrap must not overwrite it.
    await consumer.handle(json.dumps(make_event(UPSERTED, "b1", 7, data(1))).encode())
    transport = httpx.ASGITransport(app=owner_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://owner", timeout=5.0) as http:
        applied = await bootstrap(consumer.db.sessions, http, limit=2)
    assert applied == 4
    b0, b1 = await replica_row(consumer, "b0"), await replica_row(consumer, "b1")
    assert b0 is not None and b0.version == 2
    assert b1 is not None and b1.version == 7
    assert await replica_row(consumer, "b4") is not None


async def test_the_view_reads_the_replica_and_metrics_show_the_lag(
    consumer: Any, consumer_url: str, make_event: Any
) -> None:
    from {{ cookiecutter.__consumer_pkg }}.app import create_app

    await consumer.handle(json.dumps(make_event(UPSERTED, "v1", 1, data())).encode())
    app = create_app(database_url=consumer_url)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://consumer", timeout=5.0) as http:
        view = (await http.get("/{{ e }}s/v1/view")).json()
        metrics = (await http.get("/metrics")).text
    await app.state.db.dispose()
    assert view == {
        "{{ e }}": {
            "{{ e }}_id": "v1",
            **data(),
            "version": 1,
        },
        "source": "replica",
    }
    assert "replica_staleness_seconds" in metrics
    assert "replica_replication_lag_seconds_count" in metrics


async def test_the_views_read_a_sqlite_replica_without_waiting_for_the_projector(
    consumer: Any, consumer_url: str, make_event: Any
) -> None:
    from sqlalchemy import text, update
    from {{ cookiecutter.__consumer_pkg }}.reads import ReplicaReads

    await consumer.handle(json.dumps(make_event(UPSERTED, "w1", 1, data())).encode())
    reads = ReplicaReads(consumer_url)
    try:
        assert reads.local is not None  # a file: read on the event loop's thread
        async with consumer.db.engine.begin() as writing:  # the projector, mid-transaction
            mode = (await writing.execute(text("PRAGMA journal_mode"))).scalar()
            assert mode == "wal"
            changed = update({{ E }}Replica).where({{ E }}Replica.{{ e }}_id == "w1").values(version=2)
            await writing.execute(changed)
            row = await reads.get("w1")  # sees the last commit, without waiting for this one
        assert row is not None and row["version"] == 1 and row["deleted"] is False
        assert await reads.get("nobody") is None
    finally:
        await reads.dispose()
