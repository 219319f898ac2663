{%- set e = cookiecutter.__entity_snake -%}
"""Publishing to {{ 'Kafka' if cookiecutter.broker == 'kafka' else 'RabbitMQ' }} (FastStream).
{% if cookiecutter.broker == 'kafka' %}
Events go to the topic ``{{ e }}.events`` keyed by the {{ e }} id, so every change of one
{{ e }} lands in one partition, in order. The producer waits for all in-sync replicas
(``acks="all"``) and is idempotent, so a retried send is not duplicated in the log.
{%- else %}
Events go to the durable topic exchange ``{{ e }}.events`` with the event type as routing
key, as persistent messages; FastStream opens channels with publisher confirms, so a
publish returns only once the broker has taken responsibility for the message.
{%- endif %}
"""

from __future__ import annotations

import json
import logging
from typing import Any
{% if cookiecutter.broker == 'kafka' %}
import os

from aiokafka import errors
from faststream.kafka import KafkaBroker

from {{ cookiecutter.__owner_pkg }}.events import CHANNEL

Broker = KafkaBroker
#: Publish errors retrying cannot fix: the relay parks the row instead.
PERMANENT_PUBLISH_ERRORS: tuple[type[Exception], ...] = (
    errors.MessageSizeTooLargeError,
    errors.RecordListTooLargeError,
    errors.RecordTooLargeError,
    errors.TopicAuthorizationFailedError,
)


{% include 'make_broker.py.j2' %}

async def publish(broker: KafkaBroker, envelope: dict[str, Any]) -> None:
    """Publish one event and wait for the broker's acknowledgement."""
    await broker.publish(
        json.dumps(envelope).encode(),
        topic=CHANNEL,
        key=envelope["subject"].encode(),
        headers={"content-type": "application/cloudevents+json", "ce_type": envelope["type"]},
    )
{%- else %}
from aiormq.exceptions import ChannelAccessRefused, ChannelPreconditionFailed
from faststream.rabbit import ExchangeType, RabbitBroker, RabbitExchange

from {{ cookiecutter.__owner_pkg }}.events import CHANNEL

Broker = RabbitBroker
#: Publish errors retrying cannot fix (no permission; over the broker's max_message_size):
#: the relay parks the row instead.
PERMANENT_PUBLISH_ERRORS: tuple[type[Exception], ...] = (ChannelAccessRefused, ChannelPreconditionFailed)
EXCHANGE = RabbitExchange(CHANNEL, type=ExchangeType.TOPIC, durable=True)


{% include 'make_broker.py.j2' %}

async def publish(broker: RabbitBroker, envelope: dict[str, Any]) -> None:
    """Publish one persistent event; returns once the broker confirmed it."""
    await broker.publish(
        json.dumps(envelope).encode(),
        exchange=EXCHANGE,
        routing_key=envelope["type"],
        persist=True,
        message_id=envelope["id"],
        content_type="application/cloudevents+json",
        headers={"ce_type": envelope["type"]},
    )
{%- endif %}
