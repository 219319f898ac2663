{%- set E = cookiecutter.entity -%}
{%- set e = cookiecutter.__entity_snake -%}
"""{{ cookiecutter.consumer }}'s client of the owner API: retries, breaker, fallback."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from {{ cookiecutter.__consumer_pkg }}.client import {{ E }}Client


def flaky(failures: int, owner: httpx.AsyncBaseTransport) -> tuple[httpx.MockTransport, list[str]]:
    """A transport that fails ``failures`` times with 503, then forwards to ``owner``."""
    calls: list[str] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        if len(calls) <= failures:
            return httpx.Response(503)
        response = await owner.handle_async_request(request)
        await response.aread()
        return httpx.Response(response.status_code, headers=response.headers, content=response.content)

    return httpx.MockTransport(handler), calls


async def test_reads_from_the_owner(
    owner: httpx.AsyncClient,
    owner_app: FastAPI,
    new_{{ e }}: dict[str, object],
) -> None:
    created = (await owner.post("/{{ e }}s", json=new_{{ e }})).json()
    client = {{ E }}Client("http://owner", transport=httpx.ASGITransport(app=owner_app))
    found = await client.get_{{ e }}(created["{{ e }}_id"])
    assert found.source == "owner"
    assert found.{{ e }} == created
    missing = await client.get_{{ e }}("no-such-id")
    assert (missing.source, missing.{{ e }}) == ("owner", None)
    await client.aclose()


async def test_transient_failures_are_retried(
    owner: httpx.AsyncClient,
    owner_app: FastAPI,
    new_{{ e }}: dict[str, object],
) -> None:
    created = (await owner.post("/{{ e }}s", json=new_{{ e }})).json()
    transport, calls = flaky(2, httpx.ASGITransport(app=owner_app))
    client = {{ E }}Client(
        "http://owner",
        transport=transport,
        attempts=3,
        backoff_max=0.01,
    )
    found = await client.get_{{ e }}(created["{{ e }}_id"])
    assert found.source == "owner"
    assert found.{{ e }} == created
    assert calls == ["GET", "GET", "GET"]
    await client.aclose()


async def test_breaker_opens_after_failures_and_the_fallback_answers(
    owner: httpx.AsyncClient, owner_app: FastAPI, new_{{ e }}: dict[str, object]
) -> None:
    created = (await owner.post("/{{ e }}s", json=new_{{ e }})).json()
    {{ e }}_id = created["{{ e }}_id"]
    transport, calls = flaky(1, httpx.ASGITransport(app=owner_app))
    client = {{ E }}Client(
        "http://owner", transport=transport, attempts=1, backoff_max=0.01, breaker_threshold=2, breaker_ttl=60
    )
    # The first call fails (no retry with attempts=1): nothing cached yet, so unavailable.
    answer = await client.get_{{ e }}(
        {{ e }}_id,
    )
    assert answer.source == "unavailable"
    fresh = await client.get_{{ e }}({{ e }}_id)
    assert (fresh.source, fresh.{{ e }}) == ("owner", created)

    # Now the owner goes down: two failures open the breaker ...
    calls.clear()

    async def down(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        return httpx.Response(500)

    client._http._transport = httpx.MockTransport(down)
    for _ in range(2):
        answer = await client.get_{{ e }}(
            {{ e }}_id,
        )
        assert answer.source == "cache"
    assert len(calls) == 2
    # ... and an open breaker fails fast without calling the owner; the fallback answers.
    answer = await client.get_{{ e }}({{ e }}_id)
    assert len(calls) == 2
    assert answer.source == "cache"
    assert answer.stale
    assert answer.{{ e }} == created
    assert (await client.get_{{ e }}("never-seen")).source == "unavailable"
    await client.aclose()


{% if cookiecutter.__event -%}
async def test_consumer_view_answers_503_when_the_owner_is_down_and_nothing_is_known(
    consumer_url: str,
) -> None:
{%- else -%}
async def test_consumer_view_answers_503_when_the_owner_is_down_and_nothing_is_known() -> None:
{%- endif %}
    from {{ cookiecutter.__consumer_pkg }}.app import create_app

    async def down(request: httpx.Request) -> httpx.Response:
        return httpx.Response(500)

    app = create_app(
{%- if cookiecutter.__event %}
        database_url=consumer_url,
{%- endif %}
        owner_url="http://owner",
        owner_transport=httpx.MockTransport(down),
    )
{%- if cookiecutter.__event %}
    await app.state.db.create_all()
{%- endif %}
    app.state.client._attempts = 1
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://consumer", timeout=5.0) as http:
        response = await http.get("/{{ e }}s/anything/view")
    assert response.status_code == 503
{%- if cookiecutter.__event %}
    await app.state.db.dispose()
{%- endif %}
