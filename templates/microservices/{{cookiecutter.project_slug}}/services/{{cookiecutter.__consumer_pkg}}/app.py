{%- set E = cookiecutter.entity -%}
{%- set e = cookiecutter.__entity_snake -%}
{%- import 'apis/' ~ cookiecutter.api ~ '/consumer_app.py.j2' as api_part with context -%}
"""The HTTP API of {{ cookiecutter.consumer }}: its view of {{ E }}s, health and metrics.

Run: ``uvicorn {{ cookiecutter.__consumer_pkg }}.app:app --port 8002``.
{%- if cookiecutter.__replica %}
Reads come from the local replica{% if cookiecutter.__client %}, then from the owner's API for ids the replica has not seen yet{% endif %}.
{%- elif cookiecutter.__client %}
Reads go to the owner's API through the resilient client (timeouts, retries, breaker, fallback).
{%- else %}
It lists what the owner's events told this service.
{%- endif %}
"""

from __future__ import annotations

{%- if cookiecutter.__event %}
import os
{%- endif %}
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
{%- if cookiecutter.__replica %}
from datetime import UTC, datetime
{%- endif %}
from typing import Any

{%- if cookiecutter.__client %}{{ api_part.imports() }}{% endif %}
from fastapi import FastAPI{% if cookiecutter.__client or cookiecutter.__replica %}, HTTPException{% endif %}, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
{%- if cookiecutter.__event %}
from sqlalchemy import {% if cookiecutter.__replica %}func, {% endif %}select
{%- endif %}

{%- if cookiecutter.__client %}
from {{ cookiecutter.__consumer_pkg }}.client import {{ E }}Client
{%- endif %}
{%- if cookiecutter.__event %}
from {{ cookiecutter.__consumer_pkg }}.db import Database
{%- endif %}
{%- if cookiecutter.__replica %}
from {{ cookiecutter.__consumer_pkg }}.metrics import REPLICA_STALENESS
from {{ cookiecutter.__consumer_pkg }}.models import {{ E }}Replica
from {{ cookiecutter.__consumer_pkg }}.reads import ReplicaReads
{%- elif cookiecutter.__event %}
from {{ cookiecutter.__consumer_pkg }}.models import {{ E }}Change
{%- endif %}
from {{ cookiecutter.__consumer_pkg }}.settings import Settings


def create_app(
{%- if cookiecutter.__event %}
    database_url: str | None = None,
{%- endif %}
{%- if cookiecutter.__client %}{{ api_part.params() }}{% endif %}
) -> FastAPI:
    """The application{% if cookiecutter.__event %}, bound to its own database{% endif %}."""
    settings = Settings()
{%- if cookiecutter.__event %}
    db = Database(database_url or settings.database_url)
{%- endif %}
{%- if cookiecutter.__replica %}
    reads = ReplicaReads(db.url)
{%- endif %}
{%- if cookiecutter.__client %}{{ api_part.make_client() }}{% endif %}

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
{%- if cookiecutter.__event %}
        await db.create_all()
        # CONSUMER_IN_APP=1 runs the event consumer in this process (one container per
        # service); `python -m {{ cookiecutter.__consumer_pkg }}.consumer` runs it on its own instead.
        worker = None
        if os.environ.get("CONSUMER_IN_APP", "").lower() in {"1", "true", "yes"}:
            from {{ cookiecutter.__consumer_pkg }}.consumer import start_consumer

            worker = await start_consumer(database_url=db.url)
{%- endif %}
        yield
{%- if cookiecutter.__event %}
        if worker is not None:
            await worker.broker.stop()
            await worker.db.dispose()
{%- endif %}
{%- if cookiecutter.__client %}
        await client.aclose()
{%- endif %}
{%- if cookiecutter.__replica %}
        await reads.dispose()
{%- endif %}
{%- if cookiecutter.__event %}
        await db.dispose()
{%- endif %}

    app = FastAPI(title="{{ cookiecutter.consumer }}", version="1.0.0", lifespan=lifespan)
{%- if cookiecutter.__event %}
    app.state.db = db
{%- endif %}
{%- if cookiecutter.__client %}
    app.state.client = client
{%- endif %}

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/metrics")
    async def metrics() -> Response:
{%- if cookiecutter.__replica %}
        async with db.sessions() as session:
            newest = await session.scalar(select(func.max({{ E }}Replica.source_time)))
        if newest is not None:
            if newest.tzinfo is None:  # SQLite drops the zone; the value was stored in UTC
                newest = newest.replace(tzinfo=UTC)
            REPLICA_STALENESS.set((datetime.now(UTC) - newest).total_seconds())
{%- endif %}
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
{%- if cookiecutter.__replica %}

    @app.get("/{{ e }}s/{ {{- e }}_id}/view")
    async def view_{{ e }}({{ e }}_id: str) -> dict[str, Any]:
        row = await reads.get({{ e }}_id)
        if row is not None and row["deleted"]:
            raise HTTPException(status_code=404, detail="{{ E }} not found")
        if row is not None:
            data = {
                "{{ e }}_id": row["{{ e }}_id"],
{%- for name, kind in cookiecutter.fields | fields %}
                "{{ name }}": row["{{ name }}"],
{%- endfor %}
                "version": row["version"],
            }
            return {"{{ e }}": data, "source": "replica"}
{%- if cookiecutter.__client %}
        found = await client.get_{{ e }}({{ e }}_id)
        if found.source == "unavailable":
            raise HTTPException(
                status_code=503,
                detail="{{ cookiecutter.owner }} unavailable",
            )
        if found.{{ e }} is None:
            raise HTTPException(status_code=404, detail="{{ E }} not found")
        return {"{{ e }}": found.{{ e }}, "source": found.source}
{%- else %}
        raise HTTPException(status_code=404, detail="{{ E }} not found")
{%- endif %}
{%- elif cookiecutter.__client %}

    @app.get("/{{ e }}s/{ {{- e }}_id}/view")
    async def view_{{ e }}({{ e }}_id: str) -> dict[str, Any]:
        found = await client.get_{{ e }}({{ e }}_id)
        if found.source == "unavailable":
            raise HTTPException(
                status_code=503,
                detail="{{ cookiecutter.owner }} unavailable",
            )
        if found.{{ e }} is None:
            raise HTTPException(status_code=404, detail="{{ E }} not found")
        return {"{{ e }}": found.{{ e }}, "source": found.source}
{%- endif %}
{%- if cookiecutter.__event and not cookiecutter.__replica %}

    @app.get("/{{ e }}s/{ {{- e }}_id}/changes")
    async def {{ e }}_changes({{ e }}_id: str) -> list[dict[str, Any]]:
        query = select({{ E }}Change).where({{ E }}Change.{{ e }}_id == {{ e }}_id).order_by({{ E }}Change.version)
        async with db.sessions() as session:
            rows = (await session.scalars(query)).all()
        return [
            {"event_type": row.event_type, "version": row.version, "occurred_at": row.occurred_at.isoformat()}
            for row in rows
        ]
{%- endif %}

    return app


app = create_app()
