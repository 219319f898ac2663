{%- set E = cookiecutter.entity -%}
{%- set e = cookiecutter.__entity_snake -%}
{%- set owner = cookiecutter.owner -%}
{%- set consumer = cookiecutter.consumer -%}
{%- set changes = cookiecutter.__event and not cookiecutter.__replica -%}
{%- import 'apis/' ~ cookiecutter.api ~ '/consumer_app.py.j2' as api_part with context -%}
"""{{ cookiecutter.__bff_service }}: one page from {{ owner }} and {{ consumer }}, and its fallbacks.

Every service runs in-process behind httpx's ASGI transport; failures are MockTransports.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from {{ cookiecutter.__bff_pkg }}.app import create_app as create_bff_app
from {{ cookiecutter.__bff_pkg }}.client import TIMEOUT as OWNER_TIMEOUT
from {{ cookiecutter.__bff_pkg }}.consumer_client import TIMEOUT as CONSUMER_TIMEOUT
from {{ cookiecutter.__consumer_pkg }}.app import create_app as create_consumer_app

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
async def consumer_app(owner_app: FastAPI{% if cookiecutter.__event %}, consumer_url: str{% endif %}{{ api_part.test_params() }}) -> AsyncIterator[FastAPI]:
    """{{ consumer }}, reading the in-process owner."""
    app = create_consumer_app(
{%- if cookiecutter.__event %}
        database_url=consumer_url,
{%- endif %}
{{- api_part.test_args() }}
    )
{%- if cookiecutter.__event %}
    await app.state.db.create_all()
{%- endif %}
    yield app
    await app.state.client.aclose()
{%- if cookiecutter.__event %}
    await app.state.db.dispose()
{%- endif %}


@pytest.fixture
async def bff_app(owner_app: FastAPI, consumer_app: FastAPI) -> AsyncIterator[FastAPI]:
    """{{ cookiecutter.__bff_service }} in front of both; fast retries, so failure tests stay quick."""
    app = create_bff_app(
        owner_url="http://owner",
        consumer_url="http://consumer",
        owner_transport=httpx.ASGITransport(app=owner_app),
        consumer_transport=httpx.ASGITransport(app=consumer_app),
    )
    app.state.owner._backoff_max = 0.01
    yield app
    await app.state.owner.aclose()
    await app.state.consumer.aclose()


@pytest.fixture
async def bff(bff_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client talking to the BFF in-process."""
    transport = httpx.ASGITransport(app=bff_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bff", timeout=5.0) as client:
        yield client


def down(calls: list[str] | None = None) -> httpx.MockTransport:
    """A service that answers every request with 500."""

    def handler(request: httpx.Request) -> httpx.Response:
        if calls is not None:
            calls.append(request.url.path)
        return httpx.Response(500)

    return httpx.MockTransport(handler)


def slow(request: httpx.Request) -> httpx.Response:
    """A service that does not answer in time (what httpx raises when the timeout expires)."""
    raise httpx.ReadTimeout("timed out", request=request)


async def _create(owner: httpx.AsyncClient, body: dict[str, object]) -> dict[str, Any]:
    response = await owner.post("/{{ e }}s", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def test_the_page_composes_the_owner_and_the_consumer(
    owner: httpx.AsyncClient, bff: httpx.AsyncClient, new_{{ e }}: dict[str, object]
) -> None:
    created = await _create(owner, new_{{ e }})
    response = await bff.get(
        f"/{{ e }}s/{created['{{ e }}_id']}/page",
    )
    assert response.status_code == 200, response.text
    page = response.json()
    assert page["{{ e }}_id"] == created["{{ e }}_id"]
    assert page["degraded"] is False
    assert page["parts"]["{{ owner }}"] == {
        "data": created,
        "source": "owner",
    }
    mine = page["parts"]["{{ consumer }}"]
    assert mine["source"] == "consumer"
{%- if changes %}
    assert mine["data"] == []  # no event delivered in this test: the consumer recorded nothing
{%- else %}
    # The consumer's own view of the same {{ E }}:
    assert mine["data"]["{{ e }}"] == created
{%- endif %}


async def test_an_unknown_id_is_404(bff: httpx.AsyncClient) -> None:
    response = await bff.get("/{{ e }}s/no-such-id/page")
    assert response.status_code == 404


async def test_owner_down_serves_the_last_value_read_marked_as_cache(
    owner: httpx.AsyncClient,
    bff: httpx.AsyncClient,
    bff_app: FastAPI,
    new_{{ e }}: dict[str, object],
) -> None:
    created = await _create(owner, new_{{ e }})
    path = f"/{{ e }}s/{created['{{ e }}_id']}/page"
    assert (await bff.get(path)).status_code == 200  # read once: now the client remembers it

    calls: list[str] = []
    bff_app.state.owner._http._transport = down(calls)
    response = await bff.get(path)
    assert response.status_code == 200
    page = response.json()
    assert page["parts"]["{{ owner }}"] == {"data": created, "source": "cache"}
    assert page["degraded"] is True
    assert calls, "the owner was asked before the fallback answered"
    # Nothing read before and the owner down: the page has no subject.
    missing = await bff.get("/{{ e }}s/never-seen/page")
    assert missing.status_code == 503


async def test_the_breaker_stops_calling_a_failing_owner(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OWNER_BREAKER_THRESHOLD", "2")  # read by Settings, as in a deployment
    calls: list[str] = []
    app = create_bff_app(
        owner_url="http://owner",
        consumer_url="http://consumer",
        owner_transport=down(calls),
        consumer_transport=down(),
    )
    app.state.owner._attempts = 1
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bff", timeout=5.0) as http:
        for _ in range(2):
            assert (await http.get("/{{ e }}s/anything/page")).status_code == 503
        assert len(calls) == 2
        assert (await http.get("/{{ e }}s/anything/page")).status_code == 503
        assert len(calls) == 2  # the breaker is open: failed fast, without calling the owner
    await app.state.owner.aclose()
    await app.state.consumer.aclose()


async def test_consumer_down_leaves_its_part_out(
    owner: httpx.AsyncClient,
    bff: httpx.AsyncClient,
    bff_app: FastAPI,
    new_{{ e }}: dict[str, object],
) -> None:
    created = await _create(owner, new_{{ e }})
    for failure in (down(), httpx.MockTransport(slow)):
        bff_app.state.consumer._http._transport = failure
        response = await bff.get(
            f"/{{ e }}s/{created['{{ e }}_id']}/page",
        )
        assert response.status_code == 200
        page = response.json()
        assert page["parts"]["{{ owner }}"] == {
            "data": created,
            "source": "owner",
        }
        assert page["parts"]["{{ consumer }}"] == {
            "data": None,
            "source": "unavailable",
        }
        assert page["degraded"] is True


async def test_a_slow_owner_is_a_failure_not_a_hang(bff: httpx.AsyncClient, bff_app: FastAPI) -> None:
    bff_app.state.owner._attempts = 1
    bff_app.state.owner._http._transport = httpx.MockTransport(slow)
    assert (await bff.get("/{{ e }}s/anything/page")).status_code == 503


def test_every_call_has_an_explicit_timeout(bff_app: FastAPI) -> None:
    assert bff_app.state.owner._http.timeout == OWNER_TIMEOUT
    assert bff_app.state.consumer._http.timeout == CONSUMER_TIMEOUT
    assert OWNER_TIMEOUT.read is not None and CONSUMER_TIMEOUT.read is not None


async def test_health_and_metrics(bff: httpx.AsyncClient) -> None:
    assert (await bff.get("/health")).json() == {"status": "ok"}
    await bff.get("/{{ e }}s/anything/page")
    metrics = (await bff.get("/metrics")).text
    assert "bff_owner_calls_total" in metrics
    assert "bff_consumer_calls_total" in metrics


def test_the_bff_uses_no_database_and_no_broker() -> None:
    requirements_txt = ROOT / "services" / "{{ cookiecutter.__bff_pkg }}" / "requirements.txt"
    requirements = requirements_txt.read_text("utf-8")
    for package in ("sqlalchemy", "faststream", "aiosqlite", "asyncpg"):
        assert package not in requirements
