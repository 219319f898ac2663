"""The recommendation as an Architecture Decision Record in MADR form.

Deterministic: no dates, no machine facts, so the same answers give the same bytes.
"""

from __future__ import annotations

from advisor.recommendation import Recommendation
from advisor.report.diagram import mermaid
from advisor.types import Strategy

LABELS: dict[Strategy, str] = {
    "api": "Synchronous API (REST)",
    "event": "Event-driven (publish changes)",
    "replica": "Local read replica fed by events",
    "sdk": "Shared SDK",
}


def adr_filename(rec: Recommendation) -> str:
    """The ADR's file name, e.g. ``0001-share-data-via-replica.md``."""
    return f"0001-share-data-via-{rec.strategy}.md"


def adr_markdown(
    rec: Recommendation,
    *,
    title: str | None = None,
    owner: str = "user-service",
    consumer: str = "order-service",
    entity: str = "User",
) -> str:
    """The MADR text: context, drivers, options, outcome, consequences and the data flow."""
    heading = title or f"Share {entity} data between {owner} and {consumer}"
    chosen = next(option for option in rec.ranking if option.strategy == rec.strategy)
    out = [
        f"# {heading}: {LABELS[rec.strategy]}",
        "",
        "* Status: proposed",
        "* Deciders: the teams owning " + f"{owner} and {consumer}",
        "",
        "## Context and Problem Statement",
        "",
        f"{consumer} needs {owner}'s {entity} data. How should it get it, and keep it,",
        "without coupling the two services' databases and deployments?",
        "",
        "## Decision Drivers",
        "",
        *(f"* `{key}`: {_value(value)}" for key, value in rec.answers.items()),
        "",
        "## Considered Options",
        "",
        *(f"* {LABELS[o.strategy]} (`{o.strategy}`, score {o.score:g})" for o in rec.ranking),
        "",
        "## Decision Outcome",
        "",
        f'Chosen option: "{LABELS[rec.strategy]}", because',
        *(f"* {reason}" for reason in chosen.reasons if not _against(reason)),
        "",
        f"Patterns rendered: {', '.join(rec.patterns)}"
        + (f"; events on {rec.broker}." if rec.broker else "."),
        "",
        "### Consequences",
        "",
        *(f"* Good, because {_lower(p.why)} (`{p.id}`)" for p in rec.practices),
        *(f"* Bad, because {_lower(_plain(r))}" for r in chosen.reasons if _against(r)),
        *(f"* **{w.level}** `{w.id}`: {w.message}" for w in rec.warnings),
        "",
        "## Pros and Cons of the Options",
        "",
    ]
    for option in rec.ranking:
        out += [f"### {LABELS[option.strategy]}", ""]
        pros = [r for r in option.reasons if not _against(r)]
        cons = [_plain(r) for r in option.reasons if _against(r)]
        out += [f"* Good, because {_lower(r)}" for r in pros]
        out += [f"* Bad, because {_lower(r)}" for r in cons]
        if not pros and not cons:
            out.append("* Neutral: no rule spoke for or against it for these answers.")
        out.append("")
    out += [
        "## Data Flow",
        "",
        "```mermaid",
        mermaid(rec, owner=owner, consumer=consumer, entity=entity).rstrip("\n"),
        "```",
        "",
        "## Links",
        "",
        *(f"* Rule `{rule_id}`" for rule_id in rec.rules_fired),
        "",
    ]
    return "\n".join(out)


def _against(reason: str) -> bool:
    return reason.startswith(("why not: ", "excluded: "))


def _plain(reason: str) -> str:
    """A reason without its "why not:" or "excluded:" prefix."""
    return reason.split(": ", 1)[1] if _against(reason) else reason


def _lower(text: str) -> str:
    return text[0].lower() + text[1:] if text else text


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)
