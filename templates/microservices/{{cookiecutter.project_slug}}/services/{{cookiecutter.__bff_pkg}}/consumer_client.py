{%- set e = cookiecutter.__entity_snake -%}
"""{{ cookiecutter.consumer }}'s part of the page: one GET with timeouts and a declared fallback.

No retries and no breaker state here, on purpose: {{ cookiecutter.consumer }} already retries
its own calls to {{ cookiecutter.owner }}, and retrying at both layers would multiply the load
on a struggling service while a person waits for the page. A failed or slow answer leaves this
part out of the page instead.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Literal

import httpx

from {{ cookiecutter.__bff_pkg }}.metrics import CONSUMER_CALLS

log = logging.getLogger(__name__)
TIMEOUT = httpx.Timeout(2.0, connect=1.0)
#: The fallback, declared: what the page shows when {{ cookiecutter.consumer }} cannot answer.
FALLBACK = "the page without this part, marked unavailable"
Source = Literal["consumer", "unavailable"]


def consumer_path({{ e }}_id: str) -> str:
    """What the page shows from {{ cookiecutter.consumer }}: point it at the consumer's own resource.
{%- if cookiecutter.__event and not cookiecutter.__replica %}

    Here: the changes the consumer recorded from the owner's events (its own database).
{%- elif cookiecutter.__replica %}

    Here: the consumer's view, served from its local replica.
{%- else %}

    Here: the consumer's view of the {{ cookiecutter.entity }}.
{%- endif %}
    """
    return f"/{{ e }}s/{ {{- e }}_id}/{{ 'changes' if cookiecutter.__event and not cookiecutter.__replica else 'view' }}"


@dataclass(frozen=True)
class Part:
    """One part of the page: the consumer's JSON answer (None if it has none) and its source."""

    data: Any
    source: Source


class ConsumerClient:
    """Reads {{ cookiecutter.consumer }}'s part of the page."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout: httpx.Timeout = TIMEOUT,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._http = httpx.AsyncClient(base_url=base_url, timeout=timeout, transport=transport)

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def part(self, {{ e }}_id: str) -> Part:
        """The consumer's answer for ``{{ e }}_id``; the declared fallback if it cannot answer."""
        try:
            response = await self._http.get(consumer_path({{ e }}_id))
            if response.status_code == 404:
                data = None
            else:
                response.raise_for_status()
                data = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            log.warning(
                "reading {{ cookiecutter.consumer }}'s part for %s failed: %s",
                {{ e }}_id,
                exc,
            )
            CONSUMER_CALLS.labels(outcome="failed").inc()
            return Part(None, "unavailable")
        CONSUMER_CALLS.labels(outcome="ok").inc()
        return Part(data, "consumer")
