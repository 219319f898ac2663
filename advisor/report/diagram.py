"""A mermaid flowchart of the recommended data flow."""

from __future__ import annotations

from advisor.recommendation import Recommendation


def _label(text: str) -> str:
    """A mermaid node label: quoted, with quotes escaped as mermaid entities."""
    return '"' + text.replace('"', "#quot;") + '"'


def mermaid(
    rec: Recommendation,
    *,
    owner: str = "user-service",
    consumer: str = "order-service",
    entity: str = "User",
) -> str:
    """The flowchart (mermaid source, no fences) of how ``consumer`` gets ``owner``'s data."""
    lines = [
        "flowchart LR",
        f"    owner[{_label(owner)}]",
        f"    ownerdb[({_label(owner + ' database')})]",
        f"    consumer[{_label(consumer)}]",
        f"    consumerdb[({_label(consumer + ' database')})]",
        "    owner --- ownerdb",
        "    consumer --- consumerdb",
    ]
    path = f"/{entity.lower()}s/{{id}}"
    if "api" in rec.patterns:
        lines.append(f"    consumer -->|{_label('GET ' + path)}| owner")
    if "sdk" in rec.patterns:
        sdk = owner.removesuffix("-service") + "-sdk"
        lines += [
            f"    sdk[{_label(sdk)}]",
            "    consumer --> sdk",
            f"    sdk -->|{_label('GET ' + path)}| owner",
        ]
    if "event" in rec.patterns:
        broker = rec.broker or "broker"
        lines += [
            f"    outbox[({_label('outbox')})]",
            f"    relay[{_label('outbox relay')}]",
            f"    broker{{{{{_label(broker)}}}}}",
            f"    dlq[({_label('dead letters')})]",
            f"    owner -->|{_label('change + event, one transaction')}| outbox",
            "    outbox --> relay",
            f"    relay -->|{_label(entity + ' events')}| broker",
            "    broker --> consumer",
            "    consumer -. poison .-> dlq",
        ]
    if "replica" in rec.patterns:
        lines += [
            f"    replica[({_label('local ' + entity + ' replica, read-only')})]",
            f"    consumer -->|{_label('projector applies events')}| replica",
        ]
    return "\n".join(lines) + "\n"
