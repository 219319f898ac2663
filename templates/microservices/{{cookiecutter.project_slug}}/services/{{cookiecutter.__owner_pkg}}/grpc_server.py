{%- set E = cookiecutter.entity -%}
{%- set e = cookiecutter.__entity_snake -%}
{%- set g = cookiecutter.__grpc_pkg -%}
"""The gRPC API of {{ cookiecutter.owner }}: {{ e }}.v1.{{ E }}Service, the gRPC health service, and
server reflection only when ``GRPC_REFLECTION=1``.

Run: ``python -m {{ cookiecutter.__owner_pkg }}.grpc_server`` (reads ``GRPC_PORT``, ``GRPC_REFLECTION``,
``DATABASE_URL``). The contract is contracts/proto/{{ e }}/v1/{{ e }}.proto; its stubs are generated
(``make stubs``). The HTTP API (app.py) stays: the writes, the SDK and the export use it.

Every request is checked at the door with the HTTP API's limits: a body that is no valid
message (bad UTF-8 included), an id outside ``ID_PATTERN`` or the id column's length, or a
page size out of range is INVALID_ARGUMENT, never INTERNAL or UNKNOWN. Requests are parsed
here rather than by grpc for that reason: grpc answers a body it cannot parse with UNKNOWN.
"""

from __future__ import annotations

import asyncio
import logging
import re
import signal
from collections.abc import Awaitable, Callable
from typing import Any

import grpc
from google.protobuf.message import DecodeError, Message
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from {{ g }}.{{ e }}.v1 import {{ e }}_pb2

from {{ cookiecutter.__owner_pkg }} import service
from {{ cookiecutter.__owner_pkg }}.db import Database
from {{ cookiecutter.__owner_pkg }}.models import ID_MAX_LENGTH
from {{ cookiecutter.__owner_pkg }}.schemas import ID_PATTERN, {{ E }}Out
from {{ cookiecutter.__owner_pkg }}.settings import Settings

log = logging.getLogger(__name__)
SERVICE = {{ e }}_pb2.DESCRIPTOR.services_by_name["{{ E }}Service"]
#: The export's page sizes, as over HTTP: 0 asks for the default.
DEFAULT_PAGE, MAX_PAGE = 100, 1000
_ID = re.compile(ID_PATTERN)
Behaviour = Callable[[Any, grpc.aio.ServicerContext], Awaitable[Message]]


class InvalidArgument(Exception):
    """A request outside the contract's limits (INVALID_ARGUMENT)."""


def valid_id(value: str, what: str) -> str:
    """``value`` if it is a {{ e }} id the HTTP API would accept, else :class:`InvalidArgument`."""
    if not value or len(value) > ID_MAX_LENGTH or not _ID.fullmatch(value):
        raise InvalidArgument(
            f"{what} must be 1 to {ID_MAX_LENGTH} letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return value


def to_message(found: {{ E }}Out) -> {{ e }}_pb2.{{ E }}:
    """The contract's {{ E }} for a stored one."""
    return {{ e }}_pb2.{{ E }}(**found.model_dump())


class {{ E }}Reads:
    """The methods of {{ E }}Service, over the owner's own database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, request: {{ e }}_pb2.Get{{ E }}Request, context: grpc.aio.ServicerContext) -> Message:
        found = await service.get_{{ e }}(self.db.sessions, valid_id(request.{{ e }}_id, "{{ e }}_id"))
        if found is None:
            await context.abort(grpc.StatusCode.NOT_FOUND, "{{ E }} not found")
        return {{ e }}_pb2.Get{{ E }}Response({{ e }}=to_message(found))

    async def list(self, request: {{ e }}_pb2.List{{ E }}sRequest, context: grpc.aio.ServicerContext) -> Message:
        size = request.page_size or DEFAULT_PAGE
        if not 1 <= size <= MAX_PAGE:
            raise InvalidArgument(f"page_size must be 0 (for {DEFAULT_PAGE}) to {MAX_PAGE}")
        after = valid_id(request.page_token, "page_token") if request.page_token else None
        page = await service.export_page(self.db.sessions, after, size)
        return {{ e }}_pb2.List{{ E }}sResponse(
            {{ e }}s=[to_message(item) for item in page.items], next_page_token=page.next_after or ""
        )


def _unary(
    behaviour: Behaviour, request_type: type[Message], response_type: type[Message]
) -> grpc.RpcMethodHandler:
    """A handler that parses the request itself, so a bad body is INVALID_ARGUMENT."""
    name = request_type.DESCRIPTOR.full_name

    async def handle(raw: bytes, context: grpc.aio.ServicerContext) -> Message:
        try:
            request = request_type.FromString(raw)
        except DecodeError:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"the request is not a valid {name}")
        try:
            return await behaviour(request, context)
        except InvalidArgument as exc:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(exc))
        except grpc.aio.AbortError:
            raise
        except Exception:
            # Say nothing of the cause to the caller (grpc would send the exception's text).
            log.exception("%s failed", name)
            await context.abort(grpc.StatusCode.INTERNAL, "internal error")
        raise AssertionError("unreachable: abort raises")

    return grpc.unary_unary_rpc_method_handler(
        handle, request_deserializer=None, response_serializer=response_type.SerializeToString
    )


def handlers(db: Database) -> grpc.GenericRpcHandler:
    """{{ E }}Service's methods, by name, as the contract declares them."""
    reads = {{ E }}Reads(db)
    return grpc.method_handlers_generic_handler(
        SERVICE.full_name,
        {
            "Get{{ E }}": _unary(reads.get, {{ e }}_pb2.Get{{ E }}Request, {{ e }}_pb2.Get{{ E }}Response),
            "List{{ E }}s": _unary(reads.list, {{ e }}_pb2.List{{ E }}sRequest, {{ e }}_pb2.List{{ E }}sResponse),
        },
    )


async def start(
    db: Database, port: int, *, with_reflection: bool = False, host: str = "[::]"
) -> tuple[grpc.aio.Server, int]:
    """Start the server on ``host:port`` (0: a free port); returns it and the port bound.

    No TLS here: terminate it in front of the service (mesh, ingress), or pass server
    credentials to ``add_secure_port`` instead.
    """
    server = grpc.aio.server()
    server.add_generic_rpc_handlers((handlers(db),))
    checks = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(checks, server)
    if with_reflection:
        # Reflection tells any caller every method and message: on only when asked for.
        reflection.enable_server_reflection(
            (SERVICE.full_name, health.SERVICE_NAME, reflection.SERVICE_NAME), server
        )
    bound = server.add_insecure_port(f"{host}:{port}")
    await server.start()
    for name in (health.OVERALL_HEALTH, SERVICE.full_name):
        await checks.set(name, health_pb2.HealthCheckResponse.SERVING)
    return server, bound


async def serve() -> None:
    """Run until SIGINT or SIGTERM, then stop, letting calls in flight finish (5 s at most)."""
    settings = Settings()
    db = Database(settings.database_url)
    await db.create_all()
    server, port = await start(db, settings.grpc_port, with_reflection=settings.grpc_reflection)
    log.info("gRPC on port %d (reflection %s)", port, "on" if settings.grpc_reflection else "off")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await server.stop(5)
    await db.dispose()


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    asyncio.run(serve())
