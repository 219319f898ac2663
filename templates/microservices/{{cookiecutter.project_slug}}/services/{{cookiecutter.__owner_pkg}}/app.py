{%- set E = cookiecutter.entity -%}
{%- set e = cookiecutter.__entity_snake -%}
"""The HTTP API of {{ cookiecutter.owner_service }}: CRUD on /{{ e }}s and the paginated export.

Run: ``uvicorn {{ cookiecutter.__owner_pkg }}.app:app --port 8001``.
"""

from __future__ import annotations

{%- if cookiecutter.__event %}
import asyncio
import os
{%- endif %}
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, HTTPException, Query, Response, status

from {{ cookiecutter.__owner_pkg }} import service
from {{ cookiecutter.__owner_pkg }}.db import Database
from {{ cookiecutter.__owner_pkg }}.schemas import {{ E }}In, {{ E }}Out, {{ E }}Page
from {{ cookiecutter.__owner_pkg }}.settings import Settings

TITLE = "{{ cookiecutter.owner_service }}"
VERSION = "1.0.0"


def create_app(database_url: str | None = None) -> FastAPI:
    """The application, bound to its own database (``DATABASE_URL`` unless given)."""
    db = Database(database_url or Settings().database_url)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await db.create_all()
{%- if cookiecutter.__event %}
        # RELAY_IN_APP=1 runs the outbox relay in this process (one container per service);
        # `python -m {{ cookiecutter.__owner_pkg }}.relay` runs it on its own instead.
        stop = asyncio.Event()
        task = None
        if os.environ.get("RELAY_IN_APP", "").lower() in {"1", "true", "yes"}:
            from {{ cookiecutter.__owner_pkg }}.relay import run as run_relay

            task = asyncio.create_task(run_relay(stop))
        yield
        stop.set()
        if task is not None:
            await task
{%- else %}
        yield
{%- endif %}
        await db.dispose()

    app = FastAPI(title=TITLE, version=VERSION, lifespan=lifespan)
    app.state.db = db

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/{{ e }}s", status_code=status.HTTP_201_CREATED)
    async def create_{{ e }}(data: {{ E }}In) -> {{ E }}Out:
        created, _ = await service.put_{{ e }}(db.sessions, service.new_id(), data)
        return created

    @app.put("/{{ e }}s/{ {{- e }}_id}")
    async def put_{{ e }}({{ e }}_id: str, data: {{ E }}In) -> {{ E }}Out:
        stored, _ = await service.put_{{ e }}(db.sessions, {{ e }}_id, data)
        return stored

    @app.get("/{{ e }}s/{ {{- e }}_id}")
    async def get_{{ e }}({{ e }}_id: str) -> {{ E }}Out:
        found = await service.get_{{ e }}(db.sessions, {{ e }}_id)
        if found is None:
            raise HTTPException(status_code=404, detail="{{ E }} not found")
        return found

    @app.delete("/{{ e }}s/{ {{- e }}_id}", status_code=status.HTTP_204_NO_CONTENT)
    async def delete_{{ e }}({{ e }}_id: str) -> Response:
        if not await service.delete_{{ e }}(db.sessions, {{ e }}_id):
            raise HTTPException(status_code=404, detail="{{ E }} not found")
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    @app.get("/{{ e }}s")
    async def export_{{ e }}s(
        after: str | None = None, limit: int = Query(default=100, ge=1, le=1000)
    ) -> {{ E }}Page:
        return await service.export_page(db.sessions, after, limit)

    return app


app = create_app()
