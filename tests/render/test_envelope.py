"""The owner's event envelope, built by the rendered code: CloudEvents attributes as specified."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from advisor.render.context import make_spec
from advisor.render.scaffold import render

# RFC 3986 absolute URI: a scheme, ':', then something (CloudEvents' dataschema is a URI).
ABSOLUTE_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s]+")

_ENVELOPES = """
import json
from datetime import UTC, datetime
from billing_service import events
from billing_service.schemas import AccountOut

at = datetime.now(UTC)
account = AccountOut(account_id="a-1", version=2, holder="Ann")
print(json.dumps([events.upserted(account, at), events.deleted("a-1", 3, at)]))
"""


def test_dataschema_is_the_uri_of_the_schema_the_event_follows(tmp_path: Path) -> None:
    spec = make_spec(
        {"patterns": "event", "owner": "billing-service", "entity": "Account", "fields": "holder"}
    )
    project = tmp_path / "project"
    render(spec, project)
    done = subprocess.run(
        [sys.executable, "-c", _ENVELOPES],
        cwd=project,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(project / "services")},
        check=True,
        timeout=120,
    )
    envelopes = json.loads(done.stdout)
    assert [e["type"] for e in envelopes] == ["account.upserted", "account.deleted"]
    for envelope in envelopes:
        assert ABSOLUTE_URI.fullmatch(envelope["dataschema"]), envelope["dataschema"]
        path = (
            project
            / "contracts"
            / "events"
            / envelope["type"]
            / f"v{envelope['schemaversion']}.schema.json"
        )
        schema = json.loads(path.read_text("utf-8"))
        assert envelope["dataschema"] == schema["$id"]
        assert schema["properties"]["dataschema"]["format"] == "uri"
