"""Independent broker clients: they share no code with the generated projects.

confluent-kafka (librdkafka) and pika read and write what the projects' FastStream
clients (aiokafka, aio-pika) wrote, proving the events are plain Kafka records and
plain AMQP messages. For NATS, nats-py is the client FastStream wraps too, used here
directly through JetStream's own API (no FastStream in between). For SNS/SQS (moto's
server), boto3: synchronous, where the projects use aiobotocore (both wrap botocore).
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any, cast

import boto3
import nats
import pika
import pika.exceptions
from confluent_kafka import Consumer, Message, Producer, TopicPartition
from nats.js.api import DeliverPolicy
from pika.adapters.blocking_connection import BlockingChannel


@dataclass(frozen=True)
class Record:
    """One message as an independent client saw it."""

    key: bytes | None
    value: bytes
    headers: dict[str, bytes]

    def json(self) -> Any:
        return json.loads(self.value)


def kafka_value(message: Message) -> bytes:
    """A consumed record's value; the projects write none without one (no tombstones)."""
    value = message.value()
    assert value is not None, f"a record without a value at offset {message.offset()}"
    return value


def kafka_headers(message: Message) -> list[tuple[str, bytes | None]]:
    """A consumed record's headers in order (a name may repeat)."""
    # librdkafka gives a consumed record's headers as (name, bytes or None) pairs; the stub's
    # wider type (a dict, str values) is what a producer may pass in.
    return cast("list[tuple[str, bytes | None]]", message.headers() or [])


def kafka_read(bootstrap: str, topic: str, want: int, deadline_s: float = 30) -> list[Record]:
    """Read a topic from the start by assigning its partitions directly.

    (Against tansu, librdkafka's group subscription was seen to read nothing.)
    """
    consumer = Consumer(
        {"bootstrap.servers": bootstrap, "group.id": f"probe-{uuid.uuid4().hex[:6]}"}
    )
    try:
        end = time.monotonic() + deadline_s
        partitions: list[int] = []
        while not partitions and time.monotonic() < end:
            metadata = consumer.list_topics(topic, timeout=5).topics.get(topic)
            partitions = list(metadata.partitions) if metadata and not metadata.error else []
            if not partitions:
                time.sleep(0.5)
        consumer.assign([TopicPartition(topic, p, 0) for p in partitions])
        records: list[Record] = []
        while len(records) < want and time.monotonic() < end:
            message = consumer.poll(0.5)
            if message is None or message.error() is not None:
                continue
            headers = {k: v or b"" for k, v in kafka_headers(message)}
            records.append(Record(message.key(), kafka_value(message), headers))
        return records
    finally:
        consumer.close()


def kafka_publish(
    bootstrap: str,
    topic: str,
    records: list[tuple[bytes | None, bytes]],
    headers: dict[str, bytes] | None = None,
) -> None:
    """Publish raw records (key, value) with librdkafka."""
    producer = Producer({"bootstrap.servers": bootstrap})
    for key, value in records:
        producer.produce(topic, key=key, value=value, headers=list((headers or {}).items()))
    assert producer.flush(30) == 0, "librdkafka could not deliver every record"


@dataclass(frozen=True)
class RabbitTap:
    """A private queue bound to an exchange, and the channel to read it on."""

    channel: BlockingChannel
    queue: str


@contextmanager
def rabbit_tap(url: str, exchange: str, routing_key: str = "#") -> Iterator[RabbitTap]:
    """A private queue bound to ``exchange``: what the exchange routes from now on."""
    connection = pika.BlockingConnection(pika.URLParameters(url))
    channel = connection.channel()
    queue = channel.queue_declare("", exclusive=True).method.queue
    channel.queue_bind(queue, exchange, routing_key=routing_key)
    try:
        yield RabbitTap(channel, queue)
    finally:
        connection.close()


def rabbit_drain(tap: RabbitTap, want: int, deadline_s: float = 30) -> list[Record]:
    """Read up to ``want`` messages from a tap's queue."""
    records: list[Record] = []
    end = time.monotonic() + deadline_s
    while len(records) < want and time.monotonic() < end:
        method, properties, body = tap.channel.basic_get(tap.queue, auto_ack=True)
        if method is None or properties is None or body is None:
            time.sleep(0.1)
            continue
        headers = {k: str(v).encode() for k, v in (properties.headers or {}).items()}
        key = method.routing_key.encode() if method.routing_key else None
        records.append(Record(key, body, headers))
    return records


def rabbit_publish(
    url: str,
    exchange: str,
    messages: list[tuple[str, bytes]],
    headers: dict[str, str] | None = None,
) -> None:
    """Publish raw persistent messages (routing key, body) with pika."""
    connection = pika.BlockingConnection(pika.URLParameters(url))
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        for routing_key, body in messages:
            channel.basic_publish(
                exchange,
                routing_key,
                body,
                properties=pika.BasicProperties(
                    delivery_mode=2, content_type="application/json", headers=headers
                ),
            )
    finally:
        connection.close()


def rabbit_queue_read(url: str, queue: str) -> list[Record]:
    """Every message waiting in a durable queue, taken off it."""
    connection = pika.BlockingConnection(pika.URLParameters(url))
    try:
        channel = connection.channel()
        records: list[Record] = []
        while True:
            method, properties, body = channel.basic_get(queue, auto_ack=True)
            if method is None or properties is None or body is None:
                return records
            headers = {k: str(v).encode() for k, v in (properties.headers or {}).items()}
            records.append(Record(None, body, headers))
    finally:
        connection.close()


def rabbit_stream_read(
    url: str, stream: str, want: int, offset: int | str = "first", deadline_s: float = 30
) -> list[Record]:
    """Up to ``want`` messages of a RabbitMQ stream from ``offset``, with pika over AMQP 0.9.1
    (a stream consumer: a prefetch limit, manual acknowledgements, ``x-stream-offset``).
    Each record's key is its routing key; its ``x-stream-offset`` header is its offset."""
    connection = pika.BlockingConnection(pika.URLParameters(url))
    records: list[Record] = []
    try:
        channel = connection.channel()
        channel.basic_qos(prefetch_count=500)

        def take(channel: Any, method: Any, properties: Any, body: bytes) -> None:
            headers = {k: str(v).encode() for k, v in (properties.headers or {}).items()}
            records.append(Record(method.routing_key.encode(), body, headers))
            channel.basic_ack(method.delivery_tag)

        channel.basic_consume(stream, take, arguments={"x-stream-offset": offset})
        end = time.monotonic() + deadline_s
        while len(records) < want and time.monotonic() < end:
            connection.process_data_events(time_limit=0.1)
    finally:
        # pika hands back the deliveries it holds on closing, by a nack a stream refuses
        # (closing the connection, 540): nothing is lost on a stream, so that is harmless.
        with suppress(pika.exceptions.ConnectionClosedByBroker):
            connection.close()
    return records[:want]


def nats_stream_read(url: str, stream: str, subject: str, deadline_s: float = 5) -> list[Record]:
    """Every message a JetStream stream holds on ``subject``, from its first (the stream
    keeps them: nothing is taken off)."""

    async def read() -> list[Record]:
        connection = await nats.connect(url)
        try:
            jetstream = connection.jetstream()
            info = await jetstream.stream_info(stream)
            # An ephemeral consumer from the first message: it leaves no trace behind.
            subscription = await jetstream.pull_subscribe(
                subject,
                stream=stream,
                config=nats.js.api.ConsumerConfig(
                    deliver_policy=DeliverPolicy.ALL, inactive_threshold=30.0
                ),
            )
            records: list[Record] = []
            end = time.monotonic() + deadline_s
            while len(records) < info.state.messages and time.monotonic() < end:
                try:
                    batch = await subscription.fetch(500, timeout=1)
                except nats.errors.TimeoutError:
                    continue
                for message in batch:
                    headers = {k: v.encode() for k, v in (message.headers or {}).items()}
                    records.append(Record(message.subject.encode(), message.data, headers))
                    await message.ack()
            return records
        finally:
            await connection.close()

    return asyncio.run(read())


def nats_publish(
    url: str, subject: str, bodies: list[bytes], headers: dict[str, str] | None = None
) -> list[bool]:
    """Publish raw messages to the JetStream stream of ``subject``; per message, whether the
    stream dropped it as a duplicate (by its ``Nats-Msg-Id``)."""

    async def publish() -> list[bool]:
        connection = await nats.connect(url)
        try:
            jetstream = connection.jetstream()
            acks = [
                await jetstream.publish(subject, body, headers=headers, timeout=10)
                for body in bodies
            ]
            return [bool(ack.duplicate) for ack in acks]
        finally:
            await connection.close()

    return asyncio.run(publish())


def nats_stream_messages(url: str, stream: str) -> int:
    """How many messages a JetStream stream holds."""

    async def count() -> int:
        connection = await nats.connect(url)
        try:
            info = await connection.jetstream().stream_info(stream)
            return int(info.state.messages)
        finally:
            await connection.close()

    return asyncio.run(count())


# --- Amazon SNS/SQS (moto's server) --------------------------------------------------------

#: moto takes any credentials: dummy ones, so that no real key is ever sent.
_MOTO = {
    "region_name": "us-east-1",
    "aws_access_key_id": "moto-dummy",
    "aws_secret_access_key": "moto-dummy",
}


def aws(service: str, endpoint: str) -> Any:
    """A boto3 client of ``service`` ("sns" or "sqs") at ``endpoint``."""
    return boto3.client(service, endpoint_url=endpoint, **_MOTO)


@contextmanager
def sns_tap(endpoint: str, topic: str) -> Iterator[tuple[Any, str]]:
    """A private FIFO queue subscribed to the FIFO topic ``topic`` with raw delivery: what
    the topic fans out from now on. Yields the SQS client and the queue's URL."""
    sns, sqs = aws("sns", endpoint), aws("sqs", endpoint)
    topic_arn = sns.create_topic(Name=topic, Attributes={"FifoTopic": "true"})["TopicArn"]
    name = f"tap-{uuid.uuid4().hex[:8]}.fifo"
    url = sqs.create_queue(QueueName=name, Attributes={"FifoQueue": "true"})["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    subscription = sns.subscribe(
        TopicArn=topic_arn,
        Protocol="sqs",
        Endpoint=arn,
        Attributes={"RawMessageDelivery": "true"},
        ReturnSubscriptionArn=True,
    )["SubscriptionArn"]
    try:
        yield sqs, url
    finally:
        sns.unsubscribe(SubscriptionArn=subscription)
        sqs.delete_queue(QueueUrl=url)


def _sqs_record(message: dict[str, Any]) -> Record:
    system = message.get("Attributes", {})
    headers = {
        name: str(value.get("StringValue", "")).encode()
        for name, value in message.get("MessageAttributes", {}).items()
    }
    if "MessageDeduplicationId" in system:
        headers["MessageDeduplicationId"] = system["MessageDeduplicationId"].encode()
    group = system.get("MessageGroupId")
    return Record(group.encode() if group else None, message["Body"].encode(), headers)


def sqs_drain(sqs: Any, url: str, want: int, deadline_s: float = 30) -> list[Record]:
    """Take up to ``want`` messages off a queue (``want`` 0: until it stays empty for a
    second), with their message group as key and their attributes as headers."""
    records: list[Record] = []
    end = time.monotonic() + deadline_s
    while (not want or len(records) < want) and time.monotonic() < end:
        found = sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=0,  # moto's long poll spins on FIFO queues: short polls
            MessageAttributeNames=["All"],
            MessageSystemAttributeNames=["All"],
        ).get("Messages", [])
        if not found:
            if not want:
                break
            time.sleep(0.05)
            continue
        records.extend(map(_sqs_record, found))
        sqs.delete_message_batch(
            QueueUrl=url,
            Entries=[
                {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(found)
            ],
        )
    return records


def sqs_queue_read(endpoint: str, queue: str) -> list[Record]:
    """Every message waiting in the queue called ``queue``, taken off it."""
    sqs = aws("sqs", endpoint)
    return sqs_drain(sqs, sqs.get_queue_url(QueueName=queue)["QueueUrl"], 0)


def sqs_send(endpoint: str, queue: str, bodies: list[bytes], group: str) -> None:
    """Send raw bodies to the FIFO queue called ``queue``, in one message group, each with a
    de-duplication id of its own."""
    sqs = aws("sqs", endpoint)
    url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
    for body in bodies:
        sqs.send_message(
            QueueUrl=url,
            MessageBody=body.decode(),
            MessageGroupId=group,
            MessageDeduplicationId=uuid.uuid4().hex,
        )
