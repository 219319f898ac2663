{%- set E = cookiecutter.entity -%}
{%- set e = cookiecutter.__entity_snake -%}
"""A resilient client for {{ cookiecutter.owner_service }}'s HTTP API.

- explicit timeouts on every call (connect 1 s, read 2 s by default);
- retries with exponential backoff and full jitter, on idempotent reads only
  (a retried POST could create twice), and only for transient failures:
  transport errors and 5xx answers;
- a circuit breaker (purgatory) around each logical call: after ``breaker_threshold``
  failures in a row it opens for ``breaker_ttl`` seconds and calls fail fast;
- a declared fallback, used when the owner cannot answer: the last value this
  process read for that id, marked ``stale`` (``source="cache"``), else
  ``source="unavailable"`` so the caller can answer 503.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Literal

import httpx
from purgatory import AsyncCircuitBreakerFactory
from purgatory.domain.model import OpenedState
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_random_exponential

from {{ cookiecutter.__consumer_pkg }}.metrics import OWNER_CALLS

log = logging.getLogger(__name__)
TIMEOUT = httpx.Timeout(2.0, connect=1.0)
CIRCUIT = "{{ cookiecutter.owner_service }}"
#: The fallback, declared: what a read returns when the owner cannot answer.
FALLBACK = "last value read by this process (stale), else unavailable"
Source = Literal["owner", "cache", "unavailable"]


class OwnerError(Exception):
    """The owner answered with a server error (worth retrying)."""


@dataclass(frozen=True)
class Lookup:
    """The result of a read: the {{ e }} (None if absent or unknown) and where it came from."""

    {{ e }}: dict[str, Any] | None
    source: Source

    @property
    def stale(self) -> bool:
        """True when the value is the fallback's, not the owner's current answer."""
        return self.source != "owner"


def _transient(exc: BaseException) -> bool:
    return isinstance(exc, (httpx.TransportError, OwnerError))


class {{ E }}Client:
    """Reads {{ e }}s from the owner; one instance per process (it holds the breaker state)."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout: httpx.Timeout = TIMEOUT,
        attempts: int = 3,
        backoff_max: float = 2.0,
        breaker_threshold: int = 5,
        breaker_ttl: float = 30.0,
        cache_size: int = 1024,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._http = httpx.AsyncClient(base_url=base_url, timeout=timeout, transport=transport)
        self._attempts = attempts
        self._backoff_max = backoff_max
        self._breakers = AsyncCircuitBreakerFactory(
            default_threshold=breaker_threshold, default_ttl=breaker_ttl
        )
        self._cache: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._cache_size = cache_size

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def get_{{ e }}(self, {{ e }}_id: str) -> Lookup:
        """The {{ e }} from the owner; the declared fallback if the owner cannot answer."""
        try:
            async with await self._breakers.get_breaker(CIRCUIT):
                found = await self._get_with_retries(f"/{{ e }}s/{ {{- e }}_id}")
        except OpenedState:
            OWNER_CALLS.labels(outcome="short_circuited").inc()
            return self._fallback({{ e }}_id)
        except (httpx.HTTPError, OwnerError) as exc:
            log.warning("reading {{ e }} %s failed: %s", {{ e }}_id, exc)
            OWNER_CALLS.labels(outcome="failed").inc()
            return self._fallback({{ e }}_id)
        OWNER_CALLS.labels(outcome="ok").inc()
        if found is None:
            self._cache.pop({{ e }}_id, None)
            return Lookup(None, "owner")
        self._remember({{ e }}_id, found)
        return Lookup(found, "owner")

    async def _get_with_retries(self, path: str) -> dict[str, Any] | None:
        # GET is idempotent: safe to retry. A 404 is an answer, not a failure.
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self._attempts),
            wait=wait_random_exponential(multiplier=0.1, max=self._backoff_max),
            retry=retry_if_exception(_transient),
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                response = await self._http.get(path)
                if response.status_code == 404:
                    return None
                if response.status_code >= 500:
                    raise OwnerError(f"owner answered {response.status_code}")
                response.raise_for_status()
                body: dict[str, Any] = response.json()
                return body
        raise AssertionError("unreachable: tenacity re-raises the last error")

    def _remember(self, {{ e }}_id: str, value: dict[str, Any]) -> None:
        self._cache[{{ e }}_id] = value
        self._cache.move_to_end({{ e }}_id)
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    def _fallback(self, {{ e }}_id: str) -> Lookup:
        cached = self._cache.get({{ e }}_id)
        return Lookup(cached, "cache") if cached is not None else Lookup(None, "unavailable")
