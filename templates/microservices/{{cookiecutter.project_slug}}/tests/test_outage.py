"""Outages are said once when they start and once when they end; the client is quiet."""

from __future__ import annotations

import asyncio
import logging
import sys
from typing import Any

import pytest
from {{ cookiecutter.__consumer_pkg }} import messaging, outage


class FlakyBroker:
    """Answers pings as told: False while ``down``."""

    def __init__(self, answers: list[bool]) -> None:
        self.answers = answers

    async def ping(self, timeout: float | None) -> bool:
        return self.answers.pop(0) if self.answers else True


async def test_an_outage_is_one_line_down_and_one_line_back(caplog: pytest.LogCaptureFixture) -> None:
    log = logging.getLogger("test.outage")
    watched = outage.Outage("the broker", log)
    broker: Any = FlakyBroker([True, False, False, False, True, True])
    caplog.set_level(logging.INFO, logger="test.outage")
    watching = asyncio.create_task(outage.watch(broker, watched, every=0.01, timeout=0.01))
    await asyncio.sleep(0.3)
    watching.cancel()
    lines = [r.getMessage() for r in caplog.records if r.name == "test.outage"]
    assert len(lines) == 2, lines
    assert lines[0].startswith("the broker is unavailable (no answer to a ping")
    assert lines[1].startswith("the broker is back after")


def test_the_client_says_one_warning_per_window_without_its_traceback() -> None:
    quiet = outage._OnePer(messaging.CLIENT_LOGGERS, seconds=60)
    name = messaging.CLIENT_LOGGERS[0]

    def record(level: int, message: str) -> logging.LogRecord:
        try:
            raise ConnectionError("refused")
        except ConnectionError:
            return logging.LogRecord(name, level, __file__, 1, message, (), sys.exc_info())

    first = record(logging.ERROR, "lost")
    again = record(logging.ERROR, "lost")
    info = record(logging.INFO, "hi")
    assert quiet.filter(first) and first.exc_info is None
    assert not quiet.filter(again)
    assert not quiet.filter(info)
    quiet.quiet_until = 0.0  # the window is over
    later = record(logging.WARNING, "still lost")
    assert quiet.filter(later)
    assert later.getMessage() == "still lost (and 1 before, not logged)"
    ours = logging.LogRecord("order", logging.ERROR, __file__, 1, "ours", (), None)
    assert quiet.filter(ours)
