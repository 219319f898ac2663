"""The ADR (MADR) and the mermaid diagram."""

from __future__ import annotations

import pytest

from advisor.engine.evaluate import recommend
from advisor.questions.model import validate_answers
from advisor.recommendation import Recommendation
from advisor.report.adr import adr_filename, adr_markdown
from advisor.report.diagram import mermaid


@pytest.fixture
def replica() -> Recommendation:
    return recommend(
        validate_answers(
            {
                "freshness": "seconds",
                "reads_per_second": 2000,
                "writes_per_second": 5,
                "shared_database": True,
            }
        )
    )


def test_madr_sections_in_order(replica: Recommendation) -> None:
    text = adr_markdown(replica)
    sections = [
        "## Context and Problem Statement",
        "## Decision Drivers",
        "## Considered Options",
        "## Decision Outcome",
        "### Consequences",
        "## Pros and Cons of the Options",
        "## Data Flow",
    ]
    positions = [text.index(s) for s in sections]
    assert positions == sorted(positions)
    assert 'Chosen option: "Local read replica fed by events"' in text
    assert "**error** `shared-db`" in text
    assert "```mermaid\nflowchart LR" in text


def test_deterministic_and_named(replica: Recommendation) -> None:
    assert adr_markdown(replica) == adr_markdown(replica.model_copy())
    assert adr_filename(replica) == "0001-share-data-via-replica.md"


def test_diagram_follows_the_patterns(replica: Recommendation) -> None:
    flow = mermaid(replica, owner="billing", consumer="shop", entity="Invoice")
    assert "outbox" in flow and "replica" in flow and "kafka" in flow
    assert '"GET /invoices/{id}"' not in flow  # no synchronous call in this design
    api = replica.model_copy(update={"patterns": ["api"], "broker": None})
    assert '"GET /users/{id}"' in mermaid(api) and "outbox" not in mermaid(api)


def test_labels_are_escaped(replica: Recommendation) -> None:
    flow = mermaid(replica, owner='a"b')
    assert "a#quot;b" in flow and 'a"b' not in flow


def test_every_losing_option_says_why_it_lost() -> None:
    # No rule scores sdk or replica down for these answers; they still lost, and say why.
    rec = recommend(
        validate_answers({"freshness": "seconds", "reads_per_second": 20, "writes_per_second": 5})
    )
    text = adr_markdown(rec)
    assert "Neutral" not in text
    sdk = text.split("### Shared SDK\n", 1)[1].split("\n## ", 1)[0]
    assert "* Bad, because it scores 0, 2 below event (2)" in sdk
    assert "internal_tooling = true (is false)" in sdk
