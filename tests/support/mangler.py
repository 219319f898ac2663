"""Delivery faults a broker can cause, injected with independent clients.

A mangler taps the owner's events as they pass and, for each one, delivers to the
consumer's channel:

- an exact copy (same event id), so every message arrives twice;
- after a random delay, a late replay of the same change under a fresh event id, so an
  older change of an entity arrives after newer ones and only the version check can
  tell it is stale.

It uses confluent-kafka and pika, which share no code with the generated project,
nats-py directly for NATS (the generated project reaches it through FastStream), and
boto3 for SNS/SQS (the generated project uses aiobotocore).
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import json
import random
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import nats
import pika
import pika.exceptions
from confluent_kafka import OFFSET_BEGINNING, OFFSET_END, Consumer, Producer, TopicPartition

from tests.support import clients

MARK = "x-mangled"


@dataclass
class Counts:
    """What a mangler injected."""

    copies: int = 0
    late_replays: int = 0
    seen: set[str] = field(default_factory=set)  # ids of the original events


@dataclass
class _Delayed:
    """Late replays waiting for their time, in release order."""

    heap: list[tuple[float, int, Any]] = field(default_factory=list)
    order: itertools.count[int] = field(default_factory=itertools.count)

    def push(self, delay_s: float, item: Any) -> None:
        heapq.heappush(self.heap, (time.monotonic() + delay_s, next(self.order), item))

    def due(self, flush: bool = False) -> list[Any]:
        ready = []
        while self.heap and (flush or self.heap[0][0] <= time.monotonic()):
            ready.append(heapq.heappop(self.heap)[2])
        return ready


def _late(raw: bytes) -> bytes:
    envelope = json.loads(raw)
    envelope["id"] = uuid.uuid4().hex
    return json.dumps(envelope).encode()


class Mangler(threading.Thread):
    """Base: a thread that copies every event and replays it late, until stopped."""

    def __init__(self, max_delay_s: float = 1.5) -> None:
        super().__init__(daemon=True)
        self.counts = Counts()
        self.max_delay_s = max_delay_s
        self.error: BaseException | None = None
        self._stop_event = threading.Event()
        self._delayed = _Delayed()
        self._ready = threading.Event()

    def __enter__(self) -> Mangler:
        self.start()
        assert self._ready.wait(30), "the mangler did not start"
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop_event.set()
        self.join(60)
        if self.error is not None and exc[0] is None:
            raise AssertionError(f"the mangler failed: {self.error!r}")

    def run(self) -> None:
        try:
            self._open()
            self._ready.set()
            while not self._stop_event.is_set():
                polled = self._poll()
                for raw, key in polled:
                    self.counts.seen.add(json.loads(raw)["id"])
                    self._delayed.push(random.uniform(0.1, self.max_delay_s), (_late(raw), key))
                self._send_all(polled)
                self.counts.copies += len(polled)
                due = self._delayed.due()
                self._send_all(due)
                self.counts.late_replays += len(due)
            due = self._delayed.due(flush=True)
            self._send_all(due)
            self.counts.late_replays += len(due)
            self._close()
        except BaseException as exc:  # reported to the test in __exit__
            self.error = exc
            self._ready.set()

    def _open(self) -> None:
        raise NotImplementedError

    def _poll(self) -> list[tuple[bytes, bytes | None]]:
        raise NotImplementedError

    def _send(self, raw: bytes, key: bytes | None) -> None:
        raise NotImplementedError

    def _send_all(self, messages: list[tuple[bytes, bytes | None]]) -> None:
        """Deliver each message (in order); a mangler whose broker takes batches batches."""
        for raw, key in messages:
            self._send(raw, key)

    def _close(self) -> None:
        raise NotImplementedError


class KafkaMangler(Mangler):
    """Reads the topic from its current end; writes copies back to it, marked to skip."""

    def __init__(self, bootstrap: str, topic: str, max_delay_s: float = 1.5) -> None:
        super().__init__(max_delay_s)
        self.bootstrap, self.topic = bootstrap, topic

    def _open(self) -> None:
        self.consumer = Consumer(
            {"bootstrap.servers": self.bootstrap, "group.id": f"mangler-{uuid.uuid4().hex[:6]}"}
        )
        self.producer = Producer({"bootstrap.servers": self.bootstrap, "linger.ms": 5})
        # A topic that exists is read from its end; one the relay has yet to create, from
        # its beginning once it appears.
        self.start_at = OFFSET_END if self._partitions() else OFFSET_BEGINNING
        self.assigned = False

    def _partitions(self) -> list[int]:
        topic = self.consumer.list_topics(self.topic, timeout=5).topics.get(self.topic)
        return list(topic.partitions) if topic is not None and topic.error is None else []

    def _poll(self) -> list[tuple[bytes, bytes | None]]:
        if not self.assigned:
            partitions = self._partitions()
            if not partitions:
                time.sleep(0.2)
                return []
            self.consumer.assign([TopicPartition(self.topic, p, self.start_at) for p in partitions])
            self.assigned = True
        message = self.consumer.poll(0.05)
        if message is None or message.error() is not None:
            return []
        if any(name == MARK for name, _ in clients.kafka_headers(message)):
            return []  # our own copy coming round
        return [(clients.kafka_value(message), message.key())]

    def _send(self, raw: bytes, key: bytes | None) -> None:
        self.producer.produce(self.topic, value=raw, key=key, headers=[(MARK, b"1")])
        self.producer.poll(0)

    def _close(self) -> None:
        assert self.producer.flush(30) == 0, "librdkafka could not deliver every copy"
        self.consumer.close()


class RabbitMangler(Mangler):
    """Taps the exchange with a private queue; sends copies straight to the consumer's queue."""

    def __init__(self, url: str, exchange: str, queue: str, max_delay_s: float = 1.5) -> None:
        super().__init__(max_delay_s)
        self.url, self.exchange, self.queue = url, exchange, queue

    def _open(self) -> None:
        self.connection = pika.BlockingConnection(pika.URLParameters(self.url))
        self.channel = self.connection.channel()
        self.channel.confirm_delivery()
        self.tap = self.channel.queue_declare("", exclusive=True).method.queue
        self.channel.queue_bind(self.tap, self.exchange, routing_key="#")

    def _poll(self) -> list[tuple[bytes, bytes | None]]:
        method, _, body = self.channel.basic_get(self.tap, auto_ack=True)
        if method is None or body is None:
            self.connection.sleep(0.02)
            return []
        key = method.routing_key
        return [(body, None if key is None else key.encode())]

    def _send(self, raw: bytes, key: bytes | None) -> None:
        # The default exchange routes by queue name: only the consumer's queue gets it.
        self.channel.basic_publish(
            "",
            self.queue,
            raw,
            properties=pika.BasicProperties(delivery_mode=2, headers={MARK: "1"}),
        )

    def _close(self) -> None:
        self.connection.close()


class NatsMangler(Mangler):
    """Taps the subject with a plain NATS subscription; writes copies to its stream.

    A copy goes under a ``Nats-Msg-Id`` of its own, so the stream keeps it (as after its
    duplicate window) and only the consumer's processed-ids table can drop it.
    """

    def __init__(self, url: str, subject: str, max_delay_s: float = 1.5) -> None:
        super().__init__(max_delay_s)
        self.url, self.subject = url, subject
        self.tapped: list[tuple[bytes, bytes | None]] = []

    def _open(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.connection = self.loop.run_until_complete(nats.connect(self.url))
        self.jetstream = self.connection.jetstream()

        async def tap(message: Any) -> None:
            if MARK not in (message.headers or {}):  # not our own copy coming round
                self.tapped.append((message.data, None))

        self.loop.run_until_complete(self.connection.subscribe(self.subject, cb=tap))

    def _poll(self) -> list[tuple[bytes, bytes | None]]:
        self.loop.run_until_complete(asyncio.sleep(0.02))  # the tap runs meanwhile
        ready, self.tapped = self.tapped, []
        return ready

    def _send(self, raw: bytes, key: bytes | None) -> None:
        copy_id = f"{json.loads(raw)['id']}.copy-{uuid.uuid4().hex[:8]}"
        headers = {MARK: "1", "Nats-Msg-Id": copy_id}
        self.loop.run_until_complete(
            self.jetstream.publish(self.subject, raw, headers=headers, timeout=10)
        )

    def _close(self) -> None:
        self.loop.run_until_complete(self.connection.close())
        self.loop.close()


class RabbitStreamMangler(Mangler):
    """Reads the stream from its end (offset ``next``); appends copies to it, marked to skip."""

    def __init__(self, url: str, stream: str, max_delay_s: float = 1.5) -> None:
        super().__init__(max_delay_s)
        self.url, self.stream = url, stream
        self.tapped: list[tuple[bytes, bytes | None]] = []

    def _open(self) -> None:
        self.connection = pika.BlockingConnection(pika.URLParameters(self.url))

        def tap(channel: Any, method: Any, properties: Any, body: bytes) -> None:
            if MARK not in (properties.headers or {}):  # not our own copy coming round
                self.tapped.append((body, None))
            channel.basic_ack(method.delivery_tag)

        # Just after a broker restart a stream answers 404 ("down or inaccessible") until
        # its replica is back: a closed channel, so try again on a new one for a while.
        end = time.monotonic() + 60
        while True:
            self.reader = self.connection.channel()
            self.reader.basic_qos(prefetch_count=500)  # a stream consumer must set one
            try:
                self.reader.basic_consume(self.stream, tap, arguments={"x-stream-offset": "next"})
                break
            except pika.exceptions.ChannelClosedByBroker as exc:
                if exc.reply_code != 404 or time.monotonic() > end:
                    raise
                time.sleep(1)
        self.writer = self.connection.channel()
        self.writer.confirm_delivery()

    def _poll(self) -> list[tuple[bytes, bytes | None]]:
        self.connection.process_data_events(time_limit=0.02)
        ready, self.tapped = self.tapped, []
        return ready

    def _send(self, raw: bytes, key: bytes | None) -> None:
        # The default exchange routes by the stream's name.
        self.writer.basic_publish(
            "",
            self.stream,
            raw,
            properties=pika.BasicProperties(delivery_mode=2, headers={MARK: "1"}),
        )

    def _close(self) -> None:
        # pika hands back the deliveries it holds on closing, by a nack a stream refuses
        # (closing the connection, 540): nothing is lost on a stream, so that is harmless.
        with contextlib.suppress(pika.exceptions.ConnectionClosedByBroker):
            self.connection.close()


class SqsMangler(Mangler):
    """Taps the SNS topic with a queue of its own; sends copies straight to the consumer's
    queue, in the event's message group (its entity) under a de-duplication id of their
    own, so the queue keeps them and only the consumer's processed-ids table can drop them.
    """

    def __init__(self, endpoint: str, topic: str, queue: str, max_delay_s: float = 1.5) -> None:
        super().__init__(max_delay_s)
        self.endpoint, self.topic, self.queue = endpoint, topic, queue

    def _open(self) -> None:
        self.tapping = clients.sns_tap(self.endpoint, self.topic)
        self.sqs, self.tap = self.tapping.__enter__()
        # The consumer declares its queue when it starts, which may still be under way.
        deadline = time.monotonic() + 60
        while True:
            try:
                self.target = self.sqs.get_queue_url(QueueName=self.queue)["QueueUrl"]
                break
            except self.sqs.exceptions.QueueDoesNotExist:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def _poll(self) -> list[tuple[bytes, bytes | None]]:
        return [
            (r.value, r.key) for r in clients.sqs_drain(self.sqs, self.tap, 10, deadline_s=0.05)
        ]

    def _send_all(self, messages: list[tuple[bytes, bytes | None]]) -> None:
        # Ten a request (SQS's most): one request per message would leave the tap far
        # behind the relay on moto, which answers one request at a time.
        for start in range(0, len(messages), 10):
            entries = []
            for n, (raw, key) in enumerate(messages[start : start + 10]):
                assert key is not None, "every event has its entity id as message group"
                entries.append(
                    {
                        "Id": str(n),
                        "MessageBody": raw.decode(),
                        "MessageGroupId": key.decode(),
                        "MessageDeduplicationId": uuid.uuid4().hex,
                    }
                )
            answer = self.sqs.send_message_batch(QueueUrl=self.target, Entries=entries)
            assert not answer.get("Failed"), answer["Failed"]

    def _close(self) -> None:
        self.tapping.__exit__(None, None, None)
