"""The api pattern's client against a real owner that goes away and comes back."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support import infra
from tests.support.listener import CountingListener
from tests.support.pipeline import Pipeline, eventually
from tests.support.projects import render_project

THRESHOLD = 3


@pytest.fixture
def api_pipeline(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pipeline]:
    """Owner and consumer API of an api-only project (no broker), on PostgreSQL."""
    out = tmp_path_factory.mktemp("resilience")
    project = render_project(out, patterns="api", broker="kafka")
    with infra.postgres_databases("owner", "consumer") as databases:
        running = Pipeline(project, "unused:9092", databases, log_dir=out)
        running.extra_env.update(
            {"OWNER_BREAKER_THRESHOLD": str(THRESHOLD), "OWNER_BREAKER_TTL": "5"}
        )
        try:
            running.start("owner", "consumer-api")
            yield running
        finally:
            running.stop_all()


def test_breaker_opens_fallback_answers_and_calls_recover(api_pipeline: Pipeline) -> None:
    pipeline = api_pipeline
    stored = pipeline.put("known", {"name": "Known", "email": "k@example.com"})
    fresh = pipeline.view("known")
    assert fresh.json() == {"user": stored, "source": "owner"}

    pipeline.process("owner").stop()
    with CountingListener(pipeline.owner_port) as dead_owner:
        # The first calls reach the dead owner (with retries) until the breaker opens.
        for _ in range(THRESHOLD):
            answer = pipeline.view("known")
            assert answer.status_code == 200
            assert answer.json() == {"user": stored, "source": "cache"}  # the declared fallback
        attempts_until_open = dead_owner.connections
        assert attempts_until_open >= THRESHOLD

        # Open: calls fail fast, without a single connection to the owner.
        for _ in range(5):
            assert pipeline.view("known").json()["source"] == "cache"
        unknown = pipeline.view("never-seen")
        assert unknown.status_code == 503
        assert dead_owner.connections == attempts_until_open, pipeline.logs()

    pipeline.process("owner").start()
    recovered = eventually(lambda: pipeline.view("known").json()["source"] == "owner", 60)
    assert recovered, pipeline.logs()
