{%- set E = cookiecutter.entity -%}
{%- set e = cookiecutter.__entity_snake -%}
{%- set owner = cookiecutter.owner -%}
{%- set consumer = cookiecutter.consumer -%}
"""{{ cookiecutter.__bff_service }}: the backend for {{ consumer }}'s front end.

One view, ``GET /{{ e }}s/{ {{- e }}_id}/page``, composes {{ owner }}'s {{ E }} (read through the
resilient client the consumer uses too: timeouts, retries, circuit breaker, fallback) with
{{ consumer }}'s part (``consumer_client.consumer_path``), both fetched at once. The front end
makes one call. This service owns no data, has no database and never touches the broker.

Declared fallbacks: {{ owner }} down: the last {{ E }} this process read, marked ``cache``,
else 503 (the page has no subject); {{ consumer }} down: the page without its part, marked
``unavailable``. ``degraded`` is true whenever a fallback answered.

Run: ``uvicorn {{ cookiecutter.__bff_pkg }}.app:app --port 8003``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI, HTTPException, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from {{ cookiecutter.__bff_pkg }}.client import {{ E }}Client
from {{ cookiecutter.__bff_pkg }}.consumer_client import ConsumerClient
from {{ cookiecutter.__bff_pkg }}.settings import Settings

OWNER = "{{ owner }}"
CONSUMER = "{{ consumer }}"


def create_app(
    owner_url: str | None = None,
    consumer_url: str | None = None,
    owner_transport: httpx.AsyncBaseTransport | None = None,
    consumer_transport: httpx.AsyncBaseTransport | None = None,
) -> FastAPI:
    """The application, with its clients of {{ owner }} and {{ consumer }}."""
    settings = Settings()
    owner = {{ E }}Client(
        owner_url or settings.owner_url,
        transport=owner_transport,
        breaker_threshold=settings.breaker_threshold,
        breaker_ttl=settings.breaker_ttl,
    )
    consumer = ConsumerClient(consumer_url or settings.consumer_url, transport=consumer_transport)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        await owner.aclose()
        await consumer.aclose()

    app = FastAPI(title="{{ cookiecutter.__bff_service }}", version="1.0.0", lifespan=lifespan)
    app.state.owner = owner
    app.state.consumer = consumer

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/metrics")
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    @app.get("/{{ e }}s/{ {{- e }}_id}/page")
    async def {{ e }}_page({{ e }}_id: str) -> dict[str, Any]:
        """The front end's view of one {{ E }}: {{ owner }}'s {{ E }} and {{ consumer }}'s part."""
        found, part = await asyncio.gather(
            owner.get_{{ e }}({{ e }}_id),
            consumer.part({{ e }}_id),
        )
        if found.source == "unavailable":
            raise HTTPException(status_code=503, detail=f"{OWNER} unavailable")
        if found.{{ e }} is None:
            raise HTTPException(status_code=404, detail="{{ E }} not found")
        return {
            "{{ e }}_id": {{ e }}_id,
            "parts": {
                OWNER: {"data": found.{{ e }}, "source": found.source},
                CONSUMER: {"data": part.data, "source": part.source},
            },
            "degraded": found.stale or part.source == "unavailable",
        }

    return app


app = create_app()
