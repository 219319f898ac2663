{%- set E = cookiecutter.entity -%}
{%- set e = cookiecutter.__entity_snake -%}
"""The async client: transport only (timeouts, retries on idempotent calls), no business rules."""

from __future__ import annotations

from collections.abc import AsyncIterator
from types import TracebackType

import httpx
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_random_exponential

from {{ cookiecutter.__sdk_pkg }}.models import (
    {{ E }},
    {{ E }}In,
    {{ E }}Page,
)

DEFAULT_TIMEOUT = httpx.Timeout(5.0, connect=2.0)


class SdkError(Exception):
    """The service answered with an error."""


class NotFound(SdkError):
    """No such {{ e }}."""


class _Transient(SdkError):
    """A 5xx answer: worth retrying on an idempotent call."""


def _retryable(exc: BaseException) -> bool:
    return isinstance(exc, (httpx.TransportError, _Transient))


class {{ E }}Client:
    """Calls {{ cookiecutter.owner }}; use as ``async with {{ E }}Client(url) as client``."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        attempts: int = 3,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._http = httpx.AsyncClient(base_url=base_url, timeout=timeout, transport=transport)
        self._attempts = attempts

    async def __aenter__(self) -> {{ E }}Client:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def _send(self, method: str, path: str, *, idempotent: bool, **kwargs: object) -> httpx.Response:
        attempts = self._attempts if idempotent else 1
        retrying = AsyncRetrying(
            stop=stop_after_attempt(attempts),
            wait=wait_random_exponential(multiplier=0.1, max=2),
            retry=retry_if_exception(_retryable),
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                response = await self._http.request(method, path, **kwargs)  # type: ignore[arg-type]
                if response.status_code == 404:
                    raise NotFound(f"{method} {path}: not found")
                if response.status_code >= 500:
                    raise _Transient(f"{method} {path}: {response.status_code}")
                if response.is_error:
                    raise SdkError(f"{method} {path}: {response.status_code} {response.text[:200]}")
                return response
        raise AssertionError("unreachable: tenacity re-raises the last error")

    async def get(self, {{ e }}_id: str) -> {{ E }}:
        """``GET /{{ e }}s/{ {{- e }}_id}``."""
        response = await self._send(
            "GET",
            f"/{{ e }}s/{ {{- e }}_id}",
            idempotent=True,
        )
        return {{ E }}.model_validate(response.json())

    async def create(self, data: {{ E }}In) -> {{ E }}:
        """``POST /{{ e }}s`` (not retried: a retry could create twice)."""
        response = await self._send(
            "POST",
            "/{{ e }}s",
            idempotent=False,
            json=data.model_dump(),
        )
        return {{ E }}.model_validate(response.json())

    async def put(
        self,
        {{ e }}_id: str,
        data: {{ E }}In,
    ) -> {{ E }}:
        """``PUT /{{ e }}s/{ {{- e }}_id}``: create or replace."""
        response = await self._send(
            "PUT",
            f"/{{ e }}s/{ {{- e }}_id}",
            idempotent=True,
            json=data.model_dump(),
        )
        return {{ E }}.model_validate(response.json())

    async def delete(self, {{ e }}_id: str) -> None:
        """``DELETE /{{ e }}s/{ {{- e }}_id}``."""
        await self._send(
            "DELETE",
            f"/{{ e }}s/{ {{- e }}_id}",
            idempotent=True,
        )

    async def page(self, after: str | None = None, limit: int = 100) -> {{ E }}Page:
        """``GET /{{ e }}s?after=&limit=``: one page of the export."""
        params: dict[str, str | int] = {"limit": limit}
        if after is not None:
            params["after"] = after
        response = await self._send("GET", "/{{ e }}s", idempotent=True, params=params)
        return {{ E }}Page.model_validate(response.json())

    async def iterate(self, limit: int = 100) -> AsyncIterator[{{ E }}]:
        """Every {{ e }}, page by page."""
        after: str | None = None
        while True:
            current = await self.page(after, limit)
            for item in current.items:
                yield item
            if current.next_after is None:
                return
            after = current.next_after
