"""Replay on the RabbitMQ already run: recommended as RabbitMQ streams, rendered without a flag."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.support.cli import advisor

ANSWERS = (
    "freshness: seconds\nreads_per_second: 2000\nwrites_per_second: 20\n"
    "existing_broker: rabbitmq\nneeds_replay: true\n"
)


def test_replay_on_rabbitmq_is_recommended_as_streams_and_rendered_from_the_answers(
    tmp_path: Path,
) -> None:
    given = tmp_path / "given.yml"
    given.write_text(ANSWERS, encoding="utf-8")
    saved = tmp_path / "answers.yml"
    done = advisor("recommend", "--answers", str(given), "--format", "json", "--save", str(saved))
    assert done.returncode == 0, done.stderr
    assert '"broker": "rabbitmq-streams"' in done.stdout
    assert '"id": "rabbitmq-streams"' in done.stdout  # the retention warning

    dest = tmp_path / "shop"
    done = advisor("new", str(dest), "--from", str(saved), "--no-input", timeout=120)
    assert done.returncode == 0, done.stderr
    record = yaml.safe_load((dest / ".advisor-answers.yml").read_text("utf-8"))
    assert record["project"]["broker"] == "rabbitmq-streams"
    consumer = dest / "services" / "order_service"
    assert (consumer / "replay.py").is_file()
    assert "queue_type=QueueType.STREAM" in (consumer / "messaging.py").read_text("utf-8")
    readme = (dest / "README.md").read_text("utf-8")
    assert "Broker: rabbitmq-streams." in readme and "### Retention" in readme
    assert "make replay" in readme
    adr = next((dest / "docs" / "adr").iterdir()).read_text("utf-8")
    assert "RabbitMQ streams" in adr and "retention" in adr
