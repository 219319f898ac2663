"""A rendered project's services running as real processes against real infrastructure.

Names the template gives things (modules, routes, topics) live in :class:`Layout`, so
the tests read as behaviour.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx

from . import infra
from .processes import ServiceProcess, uvicorn, wait_http

T = TypeVar("T")


@dataclass(frozen=True)
class Layout:
    """How the microservices template names the parts the tests drive (default names)."""

    owner_pkg: str = "user_service"
    consumer_pkg: str = "order_service"
    entity: str = "user"
    sdk_dir: str = "libs/user-sdk"

    @property
    def collection(self) -> str:
        return f"/{self.entity}s"

    @property
    def id_field(self) -> str:
        return f"{self.entity}_id"

    @property
    def channel(self) -> str:
        """Kafka topic and RabbitMQ exchange of the owner's events."""
        return f"{self.entity}.events"


@dataclass
class Pipeline:
    """Owner API, outbox relay, consumer worker and consumer API of one rendered project."""

    project: Path
    broker_url: str
    databases: dict[str, str]
    log_dir: Path
    layout: Layout = field(default_factory=Layout)
    owner_port: int = field(default_factory=infra.free_port)
    consumer_port: int = field(default_factory=infra.free_port)
    metrics_port: int = field(default_factory=infra.free_port)
    processes: dict[str, ServiceProcess] = field(default_factory=dict)
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def owner_url(self) -> str:
        return f"http://127.0.0.1:{self.owner_port}"

    @property
    def consumer_url(self) -> str:
        return f"http://127.0.0.1:{self.consumer_port}"

    def _env(self, database: str) -> dict[str, str]:
        return {
            "PYTHONPATH": f"services:{self.layout.sdk_dir}",
            "DATABASE_URL": self.databases[database],
            "BROKER_URL": self.broker_url,
            "OWNER_URL": self.owner_url,
            "CONSUMER_METRICS_PORT": str(self.metrics_port),
            "CONSUMER_BACKOFF_SECONDS": "0.05",
            # tansu, the Kafka-protocol broker here, has no idempotent-producer ids.
            "KAFKA_IDEMPOTENCE": "false",
            **infra.MOTO_ENV,
            **self.extra_env,
        }

    def process(self, name: str) -> ServiceProcess:
        """The process called ``name``, created on first use (not started)."""
        if name not in self.processes:
            owner, consumer = self.layout.owner_pkg, self.layout.consumer_pkg
            commands = {
                "owner": (uvicorn(f"{owner}.app:app", self.owner_port), "owner"),
                "relay": ([sys.executable, "-m", f"{owner}.relay"], "owner"),
                "consumer": ([sys.executable, "-m", f"{consumer}.consumer"], "consumer"),
                "consumer-api": (uvicorn(f"{consumer}.app:app", self.consumer_port), "consumer"),
            }
            args, database = commands[name]
            self.processes[name] = ServiceProcess(
                name, args, cwd=self.project, env=self._env(database), log_dir=self.log_dir
            )
        return self.processes[name]

    def custom(self, name: str, args: list[str], database: str) -> ServiceProcess:
        """A process of the test's own making, with the environment of ``database``'s service."""
        self.processes[name] = ServiceProcess(
            name, args, cwd=self.project, env=self._env(database), log_dir=self.log_dir
        )
        return self.processes[name]

    def start(self, *names: str) -> None:
        """Start the named processes, waiting for the HTTP ones to answer."""
        for name in names:
            process = self.process(name).start()
            if name == "owner":
                wait_http(f"{self.owner_url}/health", 60, process)
            elif name == "consumer-api":
                wait_http(f"{self.consumer_url}/health", 60, process)
            elif name == "consumer":
                # Its metrics answer once its tables exist, before it consumes anything.
                wait_http(f"http://127.0.0.1:{self.metrics_port}/metrics", 60, process)

    def stop_all(self) -> None:
        for process in self.processes.values():
            process.stop()

    def logs(self) -> str:
        """The end of every process's log, for assertion messages."""
        return "\n".join(f"--- {n}\n{p.tail(1500)}" for n, p in self.processes.items())

    # --- the owner -----------------------------------------------------------------

    def put(self, entity_id: str, body: dict[str, Any]) -> dict[str, Any]:
        response = httpx.put(
            f"{self.owner_url}{self.layout.collection}/{entity_id}", json=body, timeout=10
        )
        assert response.status_code < 300, response.text
        result: dict[str, Any] = response.json()
        return result

    def owner_rows(self) -> dict[str, dict[str, Any]]:
        """Every entity the owner holds, through its paginated export."""
        rows: dict[str, dict[str, Any]] = {}
        after: str | None = None
        while True:
            params: dict[str, Any] = {"limit": 500}
            if after is not None:
                params["after"] = after
            page = httpx.get(
                f"{self.owner_url}{self.layout.collection}", params=params, timeout=10
            ).json()
            for item in page["items"]:
                rows[item[self.layout.id_field]] = item
            after = page["next_after"]
            if after is None:
                return rows

    # --- the consumer --------------------------------------------------------------

    def view(self, entity_id: str) -> httpx.Response:
        """The consumer API's view of one entity."""
        return httpx.get(
            f"{self.consumer_url}{self.layout.collection}/{entity_id}/view", timeout=30
        )

    def metrics(self) -> str:
        """The consumer worker's Prometheus metrics."""
        return httpx.get(f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=10).text


async def put_once(http: httpx.AsyncClient, path: str, body: dict[str, Any]) -> None:
    """PUT ``body``, making the change exactly once even if the connection breaks under it.

    A server may close a kept-alive connection just as a request goes out on it; the
    change may or may not have been made then. Each change here has a body of its own and
    one writer per entity, so a GET tells which, and only a change not made is sent again.
    """
    try:
        response = await http.put(path, json=body)
    except httpx.TransportError:
        current = await http.get(path)
        if current.status_code == 200 and body.items() <= current.json().items():
            return
        response = await http.put(path, json=body)
    response.raise_for_status()


def eventually(check: Callable[[], T], deadline_s: float, interval_s: float = 0.25) -> T:
    """Call ``check`` until it returns something truthy or the deadline passes; the last value."""
    end = time.monotonic() + deadline_s
    value = check()
    while not value and time.monotonic() < end:
        time.sleep(interval_s)
        value = check()
    return value
