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
        lines += [f"    broker{{{{{_label(broker)}}}}}", f"    dlq[({_label('dead letters')})]"]
        lines += _publisher(rec, entity)
        lines += ["    broker --> consumer", "    consumer -. poison .-> dlq"]
    if "replica" in rec.patterns:
        lines += [
            f"    replica[({_label('local ' + entity + ' replica, read-only')})]",
            f"    consumer -->|{_label('projector applies events')}| replica",
        ]
    return "\n".join(lines) + "\n"


def _publisher(rec: Recommendation, entity: str) -> list[str]:
    """How changes reach the broker, by where they originate (the change_origin answer)."""
    events = _label(entity + " events")
    origin = rec.answers.get("change_origin", "owned-database")
    if origin == "unchangeable-database":
        return [
            f"    cdc[{_label('change data capture, e.g. Debezium')}]",
            f"    ownerdb -->|{_label('transaction log')}| cdc",
            f"    cdc -->|{events}| broker",
        ]
    if origin == "stream":
        return [f"    owner -->|{events}| broker"]
    return [
        f"    outbox[({_label('outbox')})]",
        f"    relay[{_label('outbox relay')}]",
        f"    owner -->|{_label('change + event, one transaction')}| outbox",
        "    outbox --> relay",
        f"    relay -->|{events}| broker",
    ]
