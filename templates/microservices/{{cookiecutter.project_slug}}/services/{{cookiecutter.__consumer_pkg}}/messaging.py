{%- set e = cookiecutter.__entity_snake -%}
"""Where {{ cookiecutter.consumer_service }} reads the owner's events and where poison goes.
{% if cookiecutter.broker == 'kafka' %}
Kafka: the topic ``{{ e }}.events`` in the consumer group ``{{ cookiecutter.consumer_service }}``;
offsets are committed by hand, after the handler (and its database transaction) finished.
Dead letters go to the topic ``{{ cookiecutter.consumer_service }}.{{ e }}.events.dlq``.
{%- else %}
RabbitMQ: the durable queue ``{{ cookiecutter.consumer_service }}.{{ e }}.events`` bound to the
topic exchange ``{{ e }}.events`` (routing keys ``{{ e }}.*``), acknowledged after the handler
(and its database transaction) finished. Dead letters go to the durable queue
``{{ cookiecutter.consumer_service }}.{{ e }}.events.dlq``, as persistent messages.
{%- endif %}
"""

from __future__ import annotations

import logging
{% if cookiecutter.broker == 'kafka' %}
import os

from faststream.kafka import KafkaBroker

CHANNEL = "{{ e }}.events"
GROUP = "{{ cookiecutter.consumer_service }}"
DEAD_LETTERS = "{{ cookiecutter.consumer_service }}.{{ e }}.events.dlq"

Broker = KafkaBroker


{% include 'make_broker.py.j2' %}

async def dead_letter(broker: KafkaBroker, raw: bytes, key: bytes | None, headers: dict[str, str]) -> None:
    """Park a message on the dead-letter topic, with why it failed in its headers."""
    await broker.publish(raw, topic=DEAD_LETTERS, key=key, headers=headers)
{%- else %}
from faststream.rabbit import ExchangeType, RabbitBroker, RabbitExchange, RabbitQueue

EXCHANGE = RabbitExchange("{{ e }}.events", type=ExchangeType.TOPIC, durable=True)
QUEUE = RabbitQueue("{{ cookiecutter.consumer_service }}.{{ e }}.events", durable=True, routing_key="{{ e }}.*")
DEAD_LETTERS = RabbitQueue("{{ cookiecutter.consumer_service }}.{{ e }}.events.dlq", durable=True)

Broker = RabbitBroker


{% include 'make_broker.py.j2' %}

async def dead_letter(broker: RabbitBroker, raw: bytes, key: bytes | None, headers: dict[str, str]) -> None:
    """Park a message on the dead-letter queue, with why it failed in its headers."""
    del key  # RabbitMQ keeps order per queue; the key only matters on Kafka
    await broker.publish(raw, queue=DEAD_LETTERS, persist=True, headers=headers)
{%- endif %}
