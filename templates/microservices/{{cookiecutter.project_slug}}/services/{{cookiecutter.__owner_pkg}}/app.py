{%- set E = cookiecutter.entity -%}
{%- set e = cookiecutter.__entity_snake -%}
"""The HTTP API of {{ cookiecutter.owner }}: CRUD on /{{ e }}s and the paginated export.

Run: ``uvicorn {{ cookiecutter.__owner_pkg }}.app:app --port 8001``.

Writes answer with an ``ETag`` (the version, quoted); a writer sending it back in
``If-Match`` gets 412 instead of overwriting a change it has not seen. Request bodies over
``MAX_BODY_BYTES`` are refused with 413{% if cookiecutter.__event %}, so that every accepted change fits in one broker message{% endif %}.
"""

from __future__ import annotations

{%- if cookiecutter.__event %}
import asyncio
import os
{%- endif %}
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import FastAPI, Header, HTTPException, Path, Query, Response, status
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
{%- if cookiecutter.__event %}
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Gauge, generate_latest
{%- endif %}
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from {{ cookiecutter.__owner_pkg }} import service
from {{ cookiecutter.__owner_pkg }}.db import Database
from {{ cookiecutter.__owner_pkg }}.models import ID_MAX_LENGTH
{%- if cookiecutter.__event %}
from {{ cookiecutter.__owner_pkg }}.relay import outbox_counts
{%- endif %}
from {{ cookiecutter.__owner_pkg }}.schemas import (
    ID_PATTERN,
    {{ E }}In,
    {{ E }}Out,
    {{ E }}Page,
)
from {{ cookiecutter.__owner_pkg }}.settings import Settings

TITLE = "{{ cookiecutter.owner }}"
VERSION = "1.0.0"

{{ E }}IdPath = Annotated[str, Path(max_length=ID_MAX_LENGTH, pattern=ID_PATTERN)]
IfMatch = Annotated[
    str | None,
    Header(
        description="Only if the {{ e }}'s current ETag is one of these (or `*`: it exists); else 412.",
    ),
]
PRECONDITION_FAILED: dict[int | str, dict[str, Any]] = {
    412: {"description": "If-Match does not match the {{ e }}'s current version"}
}
TOO_LARGE: dict[int | str, dict[str, Any]] = {413: {"description": "The body is over MAX_BODY_BYTES"}}


class BodyLimit:
    """ASGI middleware: a request body over ``limit`` bytes gets 413 before the app reads it."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.limit:
            await self._refuse(scope, receive, send)
            return
        # Read it here (it is at most `limit` bytes), so a body without a length is capped too.
        body = bytearray()
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.limit:
                await self._refuse(scope, receive, send)
                return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": bytes(body), "more_body": False}

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        detail = f"request body over {self.limit} bytes (MAX_BODY_BYTES)"
        await JSONResponse({"detail": detail}, status_code=413)(scope, receive, send)


def create_app(database_url: str | None = None) -> FastAPI:
    """The application, bound to its own database (``DATABASE_URL`` unless given)."""
    settings = Settings()
    db = Database(database_url or settings.database_url)

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
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)

    @app.exception_handler(RequestValidationError)
    async def invalid(_: object, exc: RequestValidationError) -> JSONResponse:
        # FastAPI's own 422 echoes each bad input; a lone surrogate or NaN cannot be written
        # as JSON (a 500), and a huge one would come back whole. Say what is wrong, not what was sent.
        errors = [{key: value for key, value in error.items() if key != "input"} for error in exc.errors()]
        return JSONResponse({"detail": jsonable_encoder(errors)}, status_code=422)

    @app.exception_handler(service.PreconditionFailed)
    async def precondition_failed(_: object, exc: service.PreconditionFailed) -> JSONResponse:
        return JSONResponse({"detail": f"If-Match does not hold: {exc}"}, status_code=412)

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}
{%- if cookiecutter.__event %}

    registry = CollectorRegistry()
    outbox_rows = Gauge(
        "outbox_rows", "Outbox rows not sent yet, by state (pending or parked)", ["state"], registry=registry
    )

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        for state, count in (await outbox_counts(db.sessions)).items():
            outbox_rows.labels(state=state).set(count)
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
{%- endif %}

    @app.post("/{{ e }}s", status_code=status.HTTP_201_CREATED, responses=TOO_LARGE)
    async def create_{{ e }}(
        data: {{ E }}In,
        response: Response,
    ) -> {{ E }}Out:
        created = await service.put_{{ e }}(db.sessions, service.new_id(), data)
        response.headers["ETag"] = service.etag(created.version)
        return created

    @app.put(
        "/{{ e }}s/{ {{- e }}_id}",
        responses={**PRECONDITION_FAILED, **TOO_LARGE},
    )
    async def put_{{ e }}(
        {{ e }}_id: {{ E }}IdPath,
        data: {{ E }}In,
        response: Response,
        if_match: IfMatch = None,
    ) -> {{ E }}Out:
        stored = await service.put_{{ e }}(
            db.sessions,
            {{ e }}_id,
            data,
            if_match,
        )
        response.headers["ETag"] = service.etag(stored.version)
        return stored

    @app.get("/{{ e }}s/{ {{- e }}_id}")
    async def get_{{ e }}(
        {{ e }}_id: {{ E }}IdPath,
        response: Response,
    ) -> {{ E }}Out:
        found = await service.get_{{ e }}(db.sessions, {{ e }}_id)
        if found is None:
            raise HTTPException(status_code=404, detail="{{ E }} not found")
        response.headers["ETag"] = service.etag(found.version)
        return found

    @app.delete(
        "/{{ e }}s/{ {{- e }}_id}",
        status_code=status.HTTP_204_NO_CONTENT,
        responses=PRECONDITION_FAILED,
    )
    async def delete_{{ e }}(
        {{ e }}_id: {{ E }}IdPath,
        if_match: IfMatch = None,
    ) -> Response:
        if not await service.delete_{{ e }}(
            db.sessions,
            {{ e }}_id,
            if_match,
        ):
            raise HTTPException(status_code=404, detail="{{ E }} not found")
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    @app.get("/{{ e }}s")
    async def export_{{ e }}s(
        after: Annotated[str | None, Query(max_length=ID_MAX_LENGTH, pattern=ID_PATTERN)] = None,
        limit: int = Query(default=100, ge=1, le=1000),
    ) -> {{ E }}Page:
        return await service.export_page(db.sessions, after, limit)

    return app


app = create_app()
