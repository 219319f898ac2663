"""Run a generated project's outbox relay, killing it right after its Nth confirmed publish.

``python crashing_relay.py <owner_pkg> <N>``: the Nth event has reached the broker but its
outbox row is not yet marked sent, the window in which a crash makes the relay publish
the same event again after a restart.
"""

from __future__ import annotations

import importlib
import os
import runpy
import signal
import sys
from typing import Any


def main(owner_pkg: str, crash_after: int) -> None:
    # The generated project's module: its attributes are unknown to the type checker here.
    messaging: Any = importlib.import_module(f"{owner_pkg}.messaging")
    publish = messaging.publish
    published = 0

    async def publish_then_crash(broker: Any, envelope: dict[str, Any]) -> None:
        nonlocal published
        await publish(broker, envelope)
        published += 1
        if published >= crash_after:
            os.kill(os.getpid(), signal.SIGKILL)

    messaging.publish = publish_then_crash
    sys.argv[1:] = []  # the relay reads its own arguments (none: run it)
    runpy.run_module(f"{owner_pkg}.relay", run_name="__main__")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
