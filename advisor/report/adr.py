"""The recommendation as an Architecture Decision Record (MADR), the one every command writes.

:func:`adr_markdown` is the only producer: ``advisor recommend --format markdown`` and
the ADR ``advisor new`` puts into a generated project both call it, so they agree.
Everything in it comes from the recommendation (its decisive rules, runner-ups, flip
points and cited sources); the text is wrapped at 80 columns and passes pymarkdown's
default rules. The same recommendation, names, status and date give the same bytes.
"""

from __future__ import annotations

import datetime
import re
import textwrap
from pathlib import Path
from typing import Literal

from advisor.recommendation import Flip, RankedOption, Recommendation
from advisor.report.diagram import mermaid
from advisor.types import RUNS_ON, AnswerValue, Api, Broker, Strategy

Status = Literal["proposed", "accepted"]

LABELS: dict[Strategy, str] = {
    "api": "Synchronous API (REST)",
    "event": "Event-driven (publish changes)",
    "replica": "Local read replica fed by events",
    "sdk": "Shared SDK",
}
BROKER_LABELS: dict[Broker, str] = {
    "kafka": "Apache Kafka",
    "rabbitmq": "RabbitMQ",
    "nats": "NATS JetStream",
    "sns-sqs": "Amazon SNS/SQS",
    "rabbitmq-streams": "RabbitMQ streams",
}
API_LABELS: dict[Api, str] = {"http": "HTTP/JSON", "grpc": "gRPC"}


def api_note(rec: Recommendation) -> str:
    """ ", the API served over gRPC" when the api pattern is not served over plain HTTP."""
    if rec.api is None or rec.api == "http":
        return ""
    return f", the API served over {API_LABELS[rec.api]}"


#: What each pattern costs to run, whatever the answers: the "Bad, because" a team
#: signs up for with it. Costs that depend on the answers come from the rules.
COSTS: dict[Strategy, tuple[str, ...]] = {
    "api": (
        "the consumer depends on the owner at run time: each uncached read adds "
        "the owner's latency, and the owner's outages reach the consumer unless a "
        "fallback answers",
        "the owner must be sized for every consumer's peak read load",
    ),
    "event": (
        "events become a public contract: their schemas must be versioned, "
        "checked for compatibility and governed like an API",
        "consumers see a change only after it is delivered (eventual "
        "consistency), and a flow across services is harder to trace and debug",
        "every consumer must handle redelivered and late events (idempotency, "
        "versions), and poison messages need a dead-letter queue someone watches",
    ),
    "replica": (
        "users can see stale data in the consumer's views, up to the replication "
        "lag, which must be measured and alerted on",
        "the copy takes storage, must be bootstrapped from the owner's export, "
        "and must be rebuilt when its shape changes",
    ),
    "sdk": (
        "every consumer must upgrade the SDK to get a fix; releases and supported "
        "versions must be managed",
        "the SDK makes the same network call as the API, so the owner's latency "
        "and outages reach the consumer",
    ),
}

WIDTH = 80
_ADR_NAME = re.compile(r"^(\d{4})-.*\.md$")


def adr_markdown(
    rec: Recommendation,
    *,
    owner: str = "user-service",
    consumer: str = "order-service",
    entity: str = "User",
    status: Status = "proposed",
    date: datetime.date | None = None,
    number: int = 1,
    title: str | None = None,
) -> str:
    """The ADR for ``rec``: ``owner`` shares its ``entity`` data with ``consumer``.

    ``status`` and ``date`` (default: today, UTC) head the record; ``number`` is its
    place among the project's ADRs (see :func:`next_adr_number`); ``title`` replaces
    the heading's subject (default "Share <entity> data with <consumer>").
    """
    day = date or datetime.datetime.now(datetime.UTC).date()
    subject = title or f"Share {entity} data with {consumer}"
    out = _Doc()
    out.line(f"# {number}. {subject}: {LABELS[rec.strategy]}")
    out.blank()
    out.item(f"Status: {status}")
    out.item(f"Date: {day.isoformat()}")
    out.item(f"Deciders: the teams owning {owner} and {consumer}")
    out.heading("## Context and Problem Statement")
    out.para(
        f"{consumer} needs {owner}'s {entity} data. How should it get that data, "
        "and keep it, without coupling the two services' databases and "
        "deployments?"
    )
    _drivers(out, rec)
    _options(out, rec)
    _outcome(out, rec)
    _pros_and_cons(out, rec)
    _flips(out, rec)
    out.heading("## Data Flow")
    out.line("```mermaid")
    out.lines(mermaid(rec, owner=owner, consumer=consumer, entity=entity).rstrip("\n"))
    out.line("```")
    _sources(out, rec)
    return out.text()


def adr_filename(rec: Recommendation, number: int = 1) -> str:
    """The ADR's file name, e.g. ``0001-share-data-via-replica.md``."""
    return f"{number:04d}-share-data-via-{rec.strategy}.md"


def next_adr_number(directory: Path) -> int:
    """The number after the highest ``NNNN-*.md`` ADR in ``directory`` (1 if none).

    Empty files are not records: ``advisor recommend --format markdown >
    docs/adr/0003-x.md`` has the shell create the file before the ADR is numbered.
    """
    if not directory.is_dir():
        return 1
    numbers = [
        int(m.group(1))
        for p in directory.iterdir()
        if (m := _ADR_NAME.match(p.name)) and p.is_file() and p.stat().st_size > 0
    ]
    return max(numbers, default=0) + 1


class _Doc:
    """Markdown lines, wrapped at :data:`WIDTH`, with the blank lines linters want."""

    def __init__(self) -> None:
        self._lines: list[str] = []

    def line(self, text: str) -> None:
        self._lines.append(text)

    def lines(self, text: str) -> None:
        self._lines.extend(text.split("\n"))

    def blank(self) -> None:
        if self._lines and self._lines[-1] != "":
            self._lines.append("")

    def heading(self, text: str) -> None:
        self.blank()
        self._lines += [text, ""]

    def para(self, text: str) -> None:
        self.blank()
        self._lines += _wrap(text, "", "")
        self._lines.append("")

    def item(self, text: str) -> None:
        self._lines += _wrap(text, "* ", "  ")

    def text(self) -> str:
        while self._lines and self._lines[-1] == "":
            self._lines.pop()
        return "\n".join(self._lines) + "\n"


def _wrap(text: str, first: str, rest: str) -> list[str]:
    return textwrap.wrap(
        " ".join(text.split()),
        WIDTH,
        initial_indent=first,
        subsequent_indent=rest,
        break_long_words=False,
        break_on_hyphens=False,
    )


def _answer(key: str, value: AnswerValue, rec: Recommendation) -> str:
    shown = ("yes" if value else "no") if isinstance(value, bool) else str(value)
    default = "" if key in rec.answers_given else " (default, not given)"
    return f"{key.replace('_', ' ')} {shown}{default}"


def _drivers(out: _Doc, rec: Recommendation) -> None:
    out.heading("## Decision Drivers")
    for decides, lead in (
        ("strategy", "What decided the strategy:"),
        ("broker", "What decided the broker:"),
    ):
        factors = [f for f in rec.factors if f.decides == decides]
        if decides == "broker" and rec.broker is None:
            continue
        out.para(lead)
        if not factors:
            second = rec.runner_up if decides == "strategy" else rec.broker_runner_up
            chosen = rec.strategy if decides == "strategy" else rec.broker
            out.item(
                f"No rule separates {chosen} from {second} for these answers; the tie "
                "goes to the first in the catalogue's order."
            )
        for factor in factors:
            answers = ", ".join(_answer(k, rec.answers[k], rec) for k in factor.answers)
            used = f" (answers: {answers})" if answers else ""
            out.item(f"**{factor.title}**: {factor.explain}{used}")
        out.blank()
    given = [_answer(k, v, rec) for k, v in rec.answers.items() if k in rec.answers_given]
    defaults = [
        _answer(k, v, rec).removesuffix(" (default, not given)")
        for k, v in rec.answers.items()
        if k not in rec.answers_given
    ]
    out.para("Answers given: " + (", ".join(given) or "none") + ".")
    if defaults:
        out.para("Defaults assumed, not given: " + ", ".join(defaults) + ".")


def _options(out: _Doc, rec: Recommendation) -> None:
    out.heading("## Considered Options")
    excluded = {o.strategy for o in rec.ranking if _is_excluded(o)}
    for option in rec.ranking:
        note = ""
        if option.strategy == rec.strategy:
            note = " (chosen)"
        elif option.strategy == rec.runner_up:
            note = " (runner-up)"
        elif option.strategy in excluded:
            note = " (ruled out)"
        out.item(f"{LABELS[option.strategy]}{note}")


def _outcome(out: _Doc, rec: Recommendation) -> None:
    out.heading("## Decision Outcome")
    chosen = _option(rec, rec.strategy)
    out.para(
        f'Chosen option: "{LABELS[rec.strategy]}", for the drivers above'
        + (f", with events on {BROKER_LABELS[rec.broker]}" if rec.broker else "")
        + api_note(rec)
        + "."
    )
    if rec.runner_up is not None:
        second = _option(rec, rec.runner_up)
        if second.score == chosen.score:
            why = "it tied, and ties go to the first in the catalogue's order"
        else:
            why = f"the strategy drivers above favour {rec.strategy} over it"
        out.para(f"The runner-up was {LABELS[rec.runner_up]}: {why}.")
    if rec.broker is not None and rec.broker_runner_up is not None:
        out.para(f"The runner-up broker was {BROKER_LABELS[rec.broker_runner_up]}.")
    out.heading("### Consequences")
    for reason in _pros(chosen):
        out.item(f"Good, because {_lower(reason)}")
    for pattern in rec.patterns:
        for cost in COSTS[pattern]:
            out.item(f"Bad, because {cost}.")
    broker_cost = _broker_cost(rec)
    if broker_cost:
        out.item(f"Bad, because {broker_cost}")
    for reason in _cons(chosen):
        out.item(f"Bad, because {reason}")
    if rec.warnings:
        out.heading("### Risks to act on")
        for warning in rec.warnings:
            out.item(f"**{warning.level}** `{warning.id}`: {warning.message}")
    if rec.practices:
        out.heading("### Practices the implementation follows")
        for practice in rec.practices:
            out.item(f"`{practice.id}`: {practice.why}")


def _broker_cost(rec: Recommendation) -> str | None:
    """What carrying the events costs beside the messaging already run, if anything.

    With no broker run today the rules say what introducing one costs (a reason
    against the option, listed with the others).
    """
    existing = rec.answers.get("existing_broker")
    if rec.broker is None or existing in (None, "none"):
        return None
    broker = BROKER_LABELS[rec.broker]
    if existing == rec.broker:
        return f"the flow adds topics, queues and load to the {broker} already run."
    host = RUNS_ON.get(rec.broker)
    if host is not None and existing == host:
        return (
            f"the flow adds {broker} (and what their retention keeps on disk) "
            f"to the {BROKER_LABELS[host]} already run."
        )
    return (
        f"{broker} must be introduced and operated beside the {existing} already run: "
        "provisioning, security, monitoring, upgrades and on-call."
    )


def _pros_and_cons(out: _Doc, rec: Recommendation) -> None:
    out.heading("## Pros and Cons of the Options")
    for option in rec.ranking:
        out.heading(f"### {LABELS[option.strategy]}")
        pros, cons = _pros(option), _cons(option)
        for reason in pros:
            out.item(f"Good, because {_lower(reason)}")
        if _is_excluded(option):
            for reason in cons:
                out.item(f"Ruled out, because {reason}")
        else:
            for reason in cons:
                out.item(f"Bad, because {reason}")
        if not pros and not cons:
            out.item("Neutral: no rule spoke for or against it for these answers.")


def _flips(out: _Doc, rec: Recommendation) -> None:
    out.heading("## What Would Change the Decision")
    if not rec.flips:
        out.para("No single answer, changed alone, changes the strategy or the broker.")
        return
    out.para(
        "The nearest single-answer changes that change the strategy or the broker, "
        "worked out from the rules. Revisit this decision when one of them comes "
        "true:"
    )
    for flip in rec.flips:
        out.item(flip_text(flip, rec))


def flip_text(flip: Flip, rec: Recommendation) -> str:
    """One flip point in words: "reads per second at most 999 (now 5000): Event-driven"."""
    label = flip.answer.replace("_", " ")
    to = ("yes" if flip.to else "no") if isinstance(flip.to, bool) else str(flip.to)
    now = ("yes" if flip.now else "no") if isinstance(flip.now, bool) else str(flip.now)
    given = "" if flip.answer in rec.answers_given else ", a default"
    condition = {
        "eq": f"{label} {to}",
        "lte": f"{label} at most {to}",
        "gte": f"{label} at least {to}",
    }[flip.bound]
    result = LABELS[flip.strategy]
    if flip.broker is not None:
        result += f" over {BROKER_LABELS[flip.broker]}"
    return f"{condition} (now {now}{given}): {result}"


def _sources(out: _Doc, rec: Recommendation) -> None:
    out.heading("## Sources")
    out.para("Each rule this decision applied, and where it comes from:")
    for ref in rec.rules:
        links = " ".join(f"<{url}>" for url in ref.urls)
        out.item(f"`{ref.id}` {ref.title}: {links}")


def _option(rec: Recommendation, strategy: Strategy) -> RankedOption:
    return next(o for o in rec.ranking if o.strategy == strategy)


def _is_excluded(option: RankedOption) -> bool:
    return any(r.startswith("excluded: ") for r in option.reasons)


def _pros(option: RankedOption) -> list[str]:
    return [r for r in option.reasons if not r.startswith(("why not: ", "excluded: "))]


def _cons(option: RankedOption) -> list[str]:
    """The reasons against an option, in plain words, each ending with a full stop.

    The engine's reminder that another option scored higher is not a reason against it
    but the decision itself; what would make it win is what the flip points list.
    """
    return [
        _sentence(r.split(": ", 1)[1])
        for r in option.reasons
        if r.startswith(("why not: ", "excluded: "))
        and not r.startswith("why not: the rules that apply favour ")
    ]


def _sentence(text: str) -> str:
    text = _lower(text)
    return text if text.endswith(".") else text + "."


def _lower(text: str) -> str:
    """A sentence's first letter in lower case, unless it starts a name (RabbitMQ, SNS)."""
    word = text.split(" ", 1)[0]
    if not text or sum(char.isupper() for char in word) > 1:
        return text
    return text[0].lower() + text[1:]
