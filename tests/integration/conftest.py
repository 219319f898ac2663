"""Fixtures for real brokers and databases. Everything here is marked ``integration``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import infra


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def rabbitmq_url() -> Iterator[str]:
    """The local RabbitMQ (started if installed and stopped), on a private vhost."""
    with infra.rabbitmq_vhost() as url:
        yield url


@pytest.fixture(scope="session")
def nats_url() -> str:
    """The local NATS server with JetStream (127.0.0.1:4222; `.ci/run` starts one)."""
    return infra.ensure_nats()


@pytest.fixture(scope="session")
def kafka_bootstrap() -> Iterator[str]:
    """A tansu Kafka-protocol broker on a free port for the whole session."""
    with infra.tansu() as bootstrap:
        yield bootstrap


@pytest.fixture
def service_databases(request: pytest.FixtureRequest) -> Iterator[dict[str, str]]:
    """A fresh PostgreSQL database per service name given by ``indirect`` parametrisation."""
    names = getattr(request, "param", ("owner", "consumer"))
    with infra.postgres_databases(*names) as urls:
        yield urls
