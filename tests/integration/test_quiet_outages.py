"""A broker outage after start-up costs the relay and the consumer one log line each way.

The generated relay and consumer run as real processes against a real broker and
PostgreSQL; once events flow, the broker goes away for ten seconds (Kafka: every
connection through a fault-injecting proxy dropped and refused; NATS: a private server
stopped and started; RabbitMQ: the local application stopped and started, which other
tests share: run this one under ``flock /tmp/advisor-rabbit-restart.lock``). Changes made
during the outage must all arrive after it, and each process's log for the outage holds
a timestamped "unavailable" line, a timestamped "back" line and at most a few others,
where the clients' own per-attempt errors used to write one line every 100 ms or so.
"""

from __future__ import annotations

import contextlib
import re
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.support import infra
from tests.support.pipeline import Pipeline, eventually
from tests.support.projects import broker_profiles, render_project
from tests.support.proxy import FaultProxy

OUTAGE_S = 10.0
#: Lines a process may write for one outage besides its "unavailable" and "back" lines
#: (a client's own note that it lost or regained its connection, say).
OTHER_LINES = 4
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")


@contextlib.contextmanager
def broker_with_outage(name: str) -> Iterator[tuple[str, Callable[[], None]]]:
    """A private broker of kind ``name``: its URL and a function that takes it away."""
    if name == "kafka":
        port, proxy_port = infra.free_port(), infra.free_port()
        with FaultProxy(proxy_port, "127.0.0.1", port) as proxy, infra.tansu(port, proxy_port):

            def cut() -> None:
                proxy.cut(OUTAGE_S)
                time.sleep(OUTAGE_S)

            yield f"127.0.0.1:{proxy_port}", cut
    elif name == "nats":
        with infra.nats_server() as server:
            yield server.url, lambda: server.restart(down_s=OUTAGE_S)
    else:
        with infra.rabbitmq_vhost() as url:
            yield url, lambda: infra.restart_rabbitmq_app(down_s=OUTAGE_S)


def applied(pipeline: Pipeline) -> int:
    try:
        text = httpx.get(f"http://127.0.0.1:{pipeline.metrics_port}/metrics", timeout=5).text
    except httpx.HTTPError:
        return -1
    found = re.search(r'^events_total\{outcome="applied"\} (\S+)$', text, re.MULTILINE)
    return int(float(found.group(1))) if found else 0


def written_since(log: Path, offset: int) -> list[str]:
    return log.read_bytes()[offset:].decode(errors="replace").splitlines()


# SNS/SQS (moto) is not here yet: its outage is a network cut in front of moto, which this
# test does not build (issue 16); its consumer's receive loop says when SQS goes and returns.
@pytest.mark.parametrize("name", [name for name in broker_profiles() if name != "sns-sqs"])
def test_an_outage_after_start_up_is_one_line_down_and_one_line_back(
    name: str, tmp_path: Path
) -> None:
    project = render_project(tmp_path / "render", patterns="event", broker=name)
    with (
        broker_with_outage(name) as (url, outage),
        infra.postgres_databases("owner", "consumer") as databases,
    ):
        pipeline = Pipeline(project, url, databases, log_dir=tmp_path)
        try:
            pipeline.start("owner", "relay", "consumer")
            pipeline.put("before", {"name": "Before", "email": "b@example.com"})
            assert eventually(lambda: applied(pipeline) >= 1, 90), pipeline.logs()
            time.sleep(2)  # settled: the start-up lines are behind us
            logs = {n: pipeline.process(n).log for n in ("relay", "consumer")}
            marks = {n: log.stat().st_size for n, log in logs.items()}

            taking_away = threading.Thread(target=outage)
            taking_away.start()
            time.sleep(1)
            for i in range(5):  # the relay has work while the broker is away
                pipeline.put(f"during-{i}", {"name": f"During {i}", "email": "d@example.com"})
                time.sleep(1)
            taking_away.join()
            assert eventually(lambda: applied(pipeline) >= 6, 120), pipeline.logs()
            time.sleep(3)  # the "back" lines of a process that noticed late

            problems = []
            for process, log in logs.items():
                lines = written_since(log, marks[process])
                down = [line for line in lines if "unavailable" in line]
                back = [line for line in lines if " is back" in line]
                report = f"{name} {process}: {len(lines)} lines, {len(down)} down, {len(back)} back"
                print(report)
                if not (
                    len(down) == 1
                    and len(back) == 1
                    and TIMESTAMP.match(down[0])
                    and TIMESTAMP.match(back[0])
                    and len(lines) <= 2 + OTHER_LINES
                    and not any("Traceback" in line for line in lines)
                ):
                    problems.append(report + "\n" + "\n".join(lines[-40:]))
            assert problems == [], "\n\n".join(problems)
        finally:
            pipeline.stop_all()
