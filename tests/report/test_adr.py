"""The ADR (MADR) and the mermaid diagram."""

from __future__ import annotations

import datetime
import os
import re
from pathlib import Path

import pytest
import yaml
from pymarkdown.api import PyMarkdownApi

from advisor.engine.evaluate import recommend
from advisor.questions.model import validate_answers
from advisor.recommendation import Recommendation
from advisor.report.adr import adr_filename, adr_markdown, next_adr_number
from advisor.report.diagram import mermaid

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted((Path(__file__).parents[1] / "engine" / "cases").glob("*.yaml"))
DAY = datetime.date(2026, 12, 1)
#: A legacy customer database replicated to three services, with personal data in it.
LEGACY_CUSTOMERS = {
    "freshness": "seconds",
    "reads_per_second": 5000,
    "writes_per_second": 100,
    "consumers": 3,
    "personal_data": True,
    "change_origin": "unchangeable-database",
}


def _rec(answers: dict[str, object]) -> Recommendation:
    return recommend(validate_answers(answers), given=answers)


@pytest.fixture
def replica() -> Recommendation:
    return _rec(
        {
            "freshness": "seconds",
            "reads_per_second": 2000,
            "writes_per_second": 5,
            "shared_database": True,
        }
    )


def lint(text: str) -> list[str]:
    failures = PyMarkdownApi().scan_string(text).scan_failures
    return [f"{f.line_number}: {f.rule_id} {f.rule_description}" for f in failures]


def test_the_reviewed_golden_adr() -> None:
    """A named, dated, numbered ADR, byte for byte (ADVISOR_REGOLD=1 rewrites it)."""
    text = adr_markdown(
        _rec(LEGACY_CUSTOMERS),
        owner="customer-service",
        consumer="order-service",
        entity="Customer",
        date=DAY,
        number=3,
    )
    golden = GOLDEN / "0003-customer-replica.md"
    if os.environ.get("ADVISOR_REGOLD") == "1":
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")
    assert lint(text) == []


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_every_scenario_gives_an_adr_the_linter_passes(case: Path) -> None:
    answers = yaml.safe_load(case.read_text(encoding="utf-8"))["answers"]
    text = adr_markdown(_rec(answers), date=DAY)
    assert lint(text) == []


def test_madr_sections_in_order(replica: Recommendation) -> None:
    text = adr_markdown(replica, date=DAY)
    sections = [
        "## Context and Problem Statement",
        "## Decision Drivers",
        "## Considered Options",
        "## Decision Outcome",
        "### Consequences",
        "### Risks to act on",
        "## Pros and Cons of the Options",
        "## What Would Change the Decision",
        "## Data Flow",
        "## Sources",
    ]
    positions = [text.index(s) for s in sections]
    assert positions == sorted(positions)
    assert 'Chosen option: "Local read replica fed by events"' in text
    assert "**error** `shared-db`" in text
    assert "```mermaid\nflowchart LR" in text
    assert "* Date: 2026-12-01" in text and "* Status: proposed" in text


def test_names_status_number_and_determinism(replica: Recommendation) -> None:
    text = adr_markdown(
        replica,
        owner="billing",
        consumer="shop",
        entity="Invoice",
        status="accepted",
        date=DAY,
        number=12,
    )
    assert text.startswith("# 12. Share Invoice data with shop: ")
    assert "shop needs billing's Invoice data" in text and "user-service" not in text
    assert "* Status: accepted" in text
    assert text == adr_markdown(
        replica.model_copy(),
        owner="billing",
        consumer="shop",
        entity="Invoice",
        status="accepted",
        date=DAY,
        number=12,
    )
    assert adr_filename(replica) == "0001-share-data-via-replica.md"
    assert adr_filename(replica, 12) == "0012-share-data-via-replica.md"


def test_given_answers_are_told_apart_from_defaults(replica: Recommendation) -> None:
    text = adr_markdown(replica, date=DAY)
    given = text.split("Answers given: ", 1)[1].split("\n\n", 1)[0]
    assert "reads per second 2000" in given and "consumers" not in given
    defaults = text.split("Defaults assumed, not given: ", 1)[1].split("\n\n", 1)[0]
    assert "consumers 1" in " ".join(defaults.split())
    # The broker was decided by an answer nobody gave: the ADR says so.
    assert "needs replay no (default, not given)" in " ".join(text.split())


def test_consequences_name_the_real_costs() -> None:
    text = " ".join(adr_markdown(_rec(LEGACY_CUSTOMERS), date=DAY).split())
    consequences = text.split("### Consequences", 1)[1].split("## Pros and Cons", 1)[0]
    for cost in ("stale data", "schemas must be versioned", "none is run today"):
        assert cost in consequences
    assert "`personal-data-erasure`" in consequences
    assert "`change-data-capture`" in consequences
    assert "score" not in text.split("## Pros and Cons", 1)[1]


def test_an_api_adr_has_no_event_costs_and_names_the_composition() -> None:
    rec = _rec(
        {
            "freshness": "realtime",
            "reads_per_second": 200,
            "writes_per_second": 10,
            "consumer_kind": "frontend",
            "owners_per_view": 3,
        }
    )
    text = adr_markdown(rec, date=DAY)
    consequences = text.split("### Consequences", 1)[1].split("## Pros and Cons", 1)[0]
    assert "schema" not in consequences and "broker" not in consequences.lower()
    assert "`bff-or-api-composition`" in consequences


def test_flip_points_state_the_boundary() -> None:
    rec = _rec({"freshness": "seconds", "reads_per_second": 5000, "writes_per_second": 100})
    text = " ".join(adr_markdown(rec, date=DAY).split())
    flips = text.split("## What Would Change the Decision", 1)[1].split("## Data Flow", 1)[0]
    assert "reads per second at most 999 (now 5000): Event-driven" in flips
    assert "writes per second at least 301 (now 100): Event-driven" in flips
    assert "needs replay yes (now no, a default)" in flips


def test_every_cited_rule_links_a_public_url(replica: Recommendation) -> None:
    sources = adr_markdown(replica, date=DAY).split("## Sources", 1)[1]
    items = re.split(r"\n\* ", sources)[1:]
    assert len(items) == len(replica.rules_fired)
    assert all("<https://" in item for item in items)


def test_next_number_follows_the_records_there(tmp_path: Path) -> None:
    assert next_adr_number(tmp_path / "missing") == 1
    for name in ("0001-a.md", "0009-b.md", "notes.md", "12-short.md"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    (tmp_path / "0010-being-written.md").touch()  # `> docs/adr/0010-...md` made it
    assert next_adr_number(tmp_path) == 10


def test_diagram_follows_the_patterns(replica: Recommendation) -> None:
    flow = mermaid(replica, owner="billing", consumer="shop", entity="Invoice")
    assert "outbox" in flow and "replica" in flow and "rabbitmq" in flow
    assert '"GET /invoices/{id}"' not in flow  # no synchronous call in this design
    api = replica.model_copy(update={"patterns": ["api"], "broker": None})
    assert '"GET /users/{id}"' in mermaid(api) and "outbox" not in mermaid(api)


def test_diagram_follows_where_changes_originate() -> None:
    cdc = mermaid(_rec(LEGACY_CUSTOMERS))
    assert "Debezium" in cdc and "outbox" not in cdc
    stream = _rec({**LEGACY_CUSTOMERS, "change_origin": "stream"})
    assert "outbox" not in mermaid(stream) and "Debezium" not in mermaid(stream)


def test_labels_are_escaped(replica: Recommendation) -> None:
    flow = mermaid(replica, owner='a"b')
    assert "a#quot;b" in flow and 'a"b' not in flow


def test_reasons_read_as_sentences_after_because() -> None:
    rec = _rec(
        {
            "freshness": "seconds",
            "reads_per_second": 200,
            "writes_per_second": 20,
            "enforces_invariant": True,
        }
    )
    text = " ".join(adr_markdown(rec, date=DAY).split())
    assert "Good, because a limit, stock level or quota" in text
    assert (
        "`cross-service-invariant`" in text
        and "Local read replica fed by events (ruled out)" in text
    )
