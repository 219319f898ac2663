{%- set E = cookiecutter.entity -%}
{%- set e = cookiecutter.__entity_snake -%}
{%- set g = cookiecutter.__grpc_pkg -%}
"""The owner's gRPC API and the consumer's gRPC client, over real servers on free ports.

Deadlines, retries on UNAVAILABLE, the breaker, INVALID_ARGUMENT for hostile input, health.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable

import grpc
import httpx
import pytest
from fastapi import FastAPI
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from {{ g }}.{{ e }}.v1 import {{ e }}_pb2, {{ e }}_pb2_grpc

from {{ cookiecutter.__consumer_pkg }}.client import {{ E }}Client, idempotent_methods, service_config
from {{ cookiecutter.__owner_pkg }}.grpc_server import SERVICE, start

DEADLINE = 5.0
Handler = Callable[[{{ e }}_pb2.Get{{ E }}Request, grpc.aio.ServicerContext], object]


async def fake_owner(get: Handler) -> tuple[grpc.aio.Server, str]:
    """A server answering Get{{ E }} with ``get``: the owner misbehaving on purpose."""
    server = grpc.aio.server()
    handler = grpc.unary_unary_rpc_method_handler(
        get,
        request_deserializer={{ e }}_pb2.Get{{ E }}Request.FromString,
        response_serializer={{ e }}_pb2.Get{{ E }}Response.SerializeToString,
    )
    server.add_generic_rpc_handlers(
        (grpc.method_handlers_generic_handler(SERVICE.full_name, {"Get{{ E }}": handler}),)
    )
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    return server, f"127.0.0.1:{port}"


async def test_the_client_reads_over_grpc(
    owner: httpx.AsyncClient, owner_grpc: str, new_{{ e }}: dict[str, object]
) -> None:
    created = (await owner.post("/{{ e }}s", json=new_{{ e }})).json()
    client = {{ E }}Client(owner_grpc)
    found = await client.get_{{ e }}(created["{{ e }}_id"])
    assert (found.source, found.{{ e }}) == ("owner", created)
    missing = await client.get_{{ e }}("no-such-id")
    assert (missing.source, missing.{{ e }}) == ("owner", None)
    await client.aclose()


async def test_the_export_pages_through_every_{{ e }}(
    owner: httpx.AsyncClient, owner_grpc: str, new_{{ e }}: dict[str, object]
) -> None:
    ids = sorted([(await owner.post("/{{ e }}s", json=new_{{ e }})).json()["{{ e }}_id"] for _ in range(3)])
    seen: list[str] = []
    token = ""
    async with grpc.aio.insecure_channel(owner_grpc) as channel:
        stub = {{ e }}_pb2_grpc.{{ E }}ServiceStub(channel)
        while True:
            page = await stub.List{{ E }}s(
                {{ e }}_pb2.List{{ E }}sRequest(page_size=2, page_token=token), timeout=DEADLINE
            )
            seen += [item.{{ e }}_id for item in page.{{ e }}s]
            token = page.next_page_token
            if not token:
                break
    assert seen == ids


@pytest.mark.parametrize(
    "bad_id", ["", "x" * 65, "../etc/passwd", "a/b", "a\x00b", " a", "a\n", "é", "-a", "a b", "\U0001f600"]
)
async def test_a_hostile_id_is_invalid_argument(owner_grpc: str, bad_id: str) -> None:
    async with grpc.aio.insecure_channel(owner_grpc) as channel:
        stub = {{ e }}_pb2_grpc.{{ E }}ServiceStub(channel)
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await stub.Get{{ E }}({{ e }}_pb2.Get{{ E }}Request({{ e }}_id=bad_id), timeout=DEADLINE)
        assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await stub.List{{ E }}s({{ e }}_pb2.List{{ E }}sRequest(page_token=bad_id or "../x"), timeout=DEADLINE)
        assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT


@pytest.mark.parametrize("size", [-1, 1001, 2**31 - 1, -(2**31)])
async def test_a_page_size_out_of_range_is_invalid_argument(owner_grpc: str, size: int) -> None:
    async with grpc.aio.insecure_channel(owner_grpc) as channel:
        stub = {{ e }}_pb2_grpc.{{ E }}ServiceStub(channel)
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await stub.List{{ E }}s({{ e }}_pb2.List{{ E }}sRequest(page_size=size), timeout=DEADLINE)
        assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT


@pytest.mark.parametrize(
    ("method", "body"),
    [
        ("Get{{ E }}", b"\x0a\x02\xff\xfe"),  # {{ e }}_id: a string of invalid UTF-8
        ("List{{ E }}s", b"\x12\x02\xff\xfe"),  # page_token: the same
        ("Get{{ E }}", b"\xff\xff\xff\xff"),  # no valid wire format
        ("List{{ E }}s", b"\xff\xff\xff\xff"),
        ("Get{{ E }}", b"\x0a\xff\xff\xff\xff\x0f"),  # a length far past the end
        ("List{{ E }}s", b"\x12\xff\xff\xff\xff\x0f"),
    ],
)
async def test_a_body_that_is_no_message_is_invalid_argument(
    owner_grpc: str, method: str, body: bytes
) -> None:
    async with grpc.aio.insecure_channel(owner_grpc) as channel:
        raw = channel.unary_unary(f"/{SERVICE.full_name}/{method}")
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await raw(body, timeout=DEADLINE)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "Error" not in (caught.value.details() or "")  # no exception text leaks


async def test_a_slow_owner_meets_the_deadline() -> None:
    async def slow(request: {{ e }}_pb2.Get{{ E }}Request, context: grpc.aio.ServicerContext) -> object:
        await asyncio.sleep(5)
        return {{ e }}_pb2.Get{{ E }}Response()

    server, target = await fake_owner(slow)
    async with grpc.aio.insecure_channel(target) as channel:
        stub = {{ e }}_pb2_grpc.{{ E }}ServiceStub(channel)
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await stub.Get{{ E }}({{ e }}_pb2.Get{{ E }}Request({{ e }}_id="a"), timeout=0.2)
        assert caught.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    client = {{ E }}Client(target, deadline=0.2)
    started = time.monotonic()
    answer = await client.get_{{ e }}("a")
    assert answer.source == "unavailable"
    assert time.monotonic() - started < 2
    await client.aclose()
    await server.stop(None)


async def test_unavailable_is_retried_by_the_service_config() -> None:
    calls: list[str] = []

    async def flaky(request: {{ e }}_pb2.Get{{ E }}Request, context: grpc.aio.ServicerContext) -> object:
        calls.append(request.{{ e }}_id)
        if len(calls) <= 2:
            await context.abort(grpc.StatusCode.UNAVAILABLE, "starting up")
        return {{ e }}_pb2.Get{{ E }}Response({{ e }}={{ e }}_pb2.{{ E }}({{ e }}_id=request.{{ e }}_id, version=1))

    server, target = await fake_owner(flaky)
    client = {{ E }}Client(target, attempts=3, backoff_max=0.05)
    found = await client.get_{{ e }}("a")
    assert found.source == "owner"
    assert found.{{ e }} is not None and found.{{ e }}["version"] == 1
    assert calls == ["a", "a", "a"]
    await client.aclose()
    await server.stop(None)


async def test_other_failures_are_not_retried() -> None:
    calls: list[str] = []

    async def broken(request: {{ e }}_pb2.Get{{ E }}Request, context: grpc.aio.ServicerContext) -> object:
        calls.append(request.{{ e }}_id)
        await context.abort(grpc.StatusCode.INTERNAL, "broken")

    server, target = await fake_owner(broken)
    client = {{ E }}Client(target, attempts=3, backoff_max=0.05)
    assert (await client.get_{{ e }}("a")).source == "unavailable"
    assert calls == ["a"]
    await client.aclose()
    await server.stop(None)


def test_only_the_idempotent_methods_get_a_retry_policy() -> None:
    assert sorted(idempotent_methods()) == ["Get{{ E }}", "List{{ E }}s"]
    [config] = json.loads(service_config(3, 1.0))["methodConfig"]
    assert {item["method"] for item in config["name"]} == set(idempotent_methods())
    assert config["retryPolicy"]["retryableStatusCodes"] == ["UNAVAILABLE"]
    assert json.loads(service_config(1, 1.0)) == {"methodConfig": []}


async def test_the_breaker_opens_and_the_fallback_answers() -> None:
    calls: list[str] = []
    down = False

    async def owner(request: {{ e }}_pb2.Get{{ E }}Request, context: grpc.aio.ServicerContext) -> object:
        calls.append(request.{{ e }}_id)
        if down:
            await context.abort(grpc.StatusCode.UNAVAILABLE, "down")
        return {{ e }}_pb2.Get{{ E }}Response({{ e }}={{ e }}_pb2.{{ E }}({{ e }}_id=request.{{ e }}_id, version=3))

    server, target = await fake_owner(owner)
    client = {{ E }}Client(target, attempts=1, breaker_threshold=2, breaker_ttl=60)
    fresh = await client.get_{{ e }}("a")
    assert fresh.source == "owner"
    down = True
    calls.clear()
    for _ in range(2):
        answer = await client.get_{{ e }}("a")
        assert (answer.source, answer.{{ e }}) == ("cache", fresh.{{ e }})
    assert len(calls) == 2
    # Open: the owner is not called; the last value read answers, marked stale.
    answer = await client.get_{{ e }}("a")
    assert len(calls) == 2
    assert answer.stale and answer.{{ e }} == fresh.{{ e }}
    assert (await client.get_{{ e }}("never-seen")).source == "unavailable"
    await client.aclose()
    await server.stop(None)


async def test_a_bad_id_does_not_open_the_breaker(owner_grpc: str) -> None:
    client = {{ E }}Client(owner_grpc, breaker_threshold=2)
    for _ in range(3):
        assert (await client.get_{{ e }}("../bad")).source == "owner"
    assert (await client.get_{{ e }}("no-such-id")).source == "owner"
    await client.aclose()


async def test_the_health_service_answers_serving(owner_grpc: str) -> None:
    async with grpc.aio.insecure_channel(owner_grpc) as channel:
        checks = health_pb2_grpc.HealthStub(channel)
        for name in ("", SERVICE.full_name):
            reply = await checks.Check(health_pb2.HealthCheckRequest(service=name), timeout=DEADLINE)
            assert reply.status == health_pb2.HealthCheckResponse.SERVING
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await checks.Check(health_pb2.HealthCheckRequest(service="no.such.Service"), timeout=DEADLINE)
        assert caught.value.code() == grpc.StatusCode.NOT_FOUND


async def _reflected(target: str) -> list[str]:
    async with grpc.aio.insecure_channel(target) as channel:
        stub = reflection_pb2_grpc.ServerReflectionStub(channel)
        request = reflection_pb2.ServerReflectionRequest(list_services="")
        call = stub.ServerReflectionInfo(iter([request]), timeout=DEADLINE)
        async for reply in call:
            return [service.name for service in reply.list_services_response.service]
    return []


async def test_reflection_is_off_unless_asked_for(owner_app: FastAPI) -> None:
    server, port = await start(owner_app.state.db, 0, host="127.0.0.1")
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await _reflected(f"127.0.0.1:{port}")
    assert caught.value.code() == grpc.StatusCode.UNIMPLEMENTED
    await server.stop(None)
    server, port = await start(owner_app.state.db, 0, host="127.0.0.1", with_reflection=True)
    assert SERVICE.full_name in await _reflected(f"127.0.0.1:{port}")
    await server.stop(None)
{%- if not cookiecutter.__replica %}


async def test_the_consumer_serves_the_owner_s_{{ e }}_read_over_grpc(
    owner: httpx.AsyncClient, owner_grpc: str, new_{{ e }}: dict[str, object]
) -> None:
    from {{ cookiecutter.__consumer_pkg }}.app import create_app

    created = (await owner.post("/{{ e }}s", json=new_{{ e }})).json()
    app = create_app(owner_grpc_target=owner_grpc)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://consumer", timeout=DEADLINE
    ) as consumer:
        view = await consumer.get(f"/{{ e }}s/{created['{{ e }}_id']}/view")
    assert view.status_code == 200
    assert view.json() == {"{{ e }}": created, "source": "owner"}
    await app.state.client.aclose()
{%- endif %}
