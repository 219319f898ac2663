"""The integration harness itself works against the real services on this machine."""

from __future__ import annotations

import asyncio
import socket
import time
import uuid

import nats
import pika
import pytest
from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition

from tests.support import clients, infra
from tests.support.proxy import FaultProxy


def test_rabbitmq_round_trip(rabbitmq_url: str) -> None:
    queue = f"advisor-test-{uuid.uuid4().hex[:8]}"
    connection = pika.BlockingConnection(pika.URLParameters(rabbitmq_url))
    try:
        channel = connection.channel()
        channel.queue_declare(queue, auto_delete=True)
        channel.basic_publish("", queue, b"ping")
        body = None
        for _ in range(50):
            _, _, body = channel.basic_get(queue, auto_ack=True)
            if body:
                break
            time.sleep(0.1)
        assert body == b"ping"
    finally:
        connection.close()


def test_nats_jetstream_round_trip_on_the_shared_server(nats_url: str) -> None:
    # Names of this run only: the shared server is used by others at the same time.
    run = uuid.uuid4().hex[:8]
    stream, subject = f"harness-{run}", f"harness.{run}"

    async def create(delete: bool = False) -> None:
        connection = await nats.connect(nats_url)
        try:
            jetstream = connection.jetstream()
            if delete:
                await jetstream.delete_stream(stream)
            else:
                await jetstream.add_stream(name=stream, subjects=[subject], duplicate_window=60)
        finally:
            await connection.close()

    asyncio.run(create())
    try:
        headers = {"Nats-Msg-Id": f"{run}-1"}
        assert clients.nats_publish(nats_url, subject, [b"ping", b"ping"], headers) == [False, True]
        [record] = clients.nats_stream_read(nats_url, stream, subject)
        assert record.value == b"ping"
    finally:
        asyncio.run(create(delete=True))


def _produce(bootstrap: str, topic: str, count: int) -> None:
    producer = Producer({"bootstrap.servers": bootstrap})
    for i in range(count):
        producer.produce(topic, key=f"k{i % 3}".encode(), value=f"v{i}".encode())
    assert producer.flush(15) == 0


def _read_all(bootstrap: str, topic: str, expected: int, deadline_s: float = 15) -> list[bytes]:
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "harness"})
    try:
        partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
        consumer.assign([TopicPartition(topic, p, 0) for p in partitions])
        values: list[bytes] = []
        end = time.monotonic() + deadline_s
        while len(values) < expected and time.monotonic() < end:
            message = consumer.poll(0.5)
            if message is not None and message.error() is None:
                values.append(clients.kafka_value(message))
        return values
    finally:
        consumer.close()


def test_tansu_round_trip_with_an_independent_client(kafka_bootstrap: str) -> None:
    topic = f"harness-{uuid.uuid4().hex[:8]}"
    _produce(kafka_bootstrap, topic, 30)
    values = _read_all(kafka_bootstrap, topic, 30)
    assert sorted(values) == sorted(f"v{i}".encode() for i in range(30))


def test_postgres_gives_each_service_its_own_database() -> None:
    with infra.postgres_databases("user-service", "order-service") as urls:
        assert set(urls) == {"user-service", "order-service"}
        assert len(set(urls.values())) == 2
        assert all(url.startswith("postgresql+asyncpg://") for url in urls.values())


def _dropped(sock: socket.socket) -> bool:
    """Whether the peer closed or reset the connection."""
    sock.settimeout(5)
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True


def test_free_ports_are_never_handed_out_twice() -> None:
    # The kernel offers a just-released port again often enough that 200 bare probes
    # repeated one in most runs; services given one port twice collide.
    ports = [infra.free_port() for _ in range(200)]
    assert len(set(ports)) == len(ports)
    for port in ports[:5]:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", port))  # and each was free


def test_fault_proxy_forwards_then_cuts_then_recovers() -> None:
    listen = infra.free_port()
    with (
        socket.create_server(("127.0.0.1", 0)) as upstream,
        FaultProxy(listen, "127.0.0.1", upstream.getsockname()[1]) as proxy,
    ):
        client = socket.create_connection(("127.0.0.1", listen), timeout=5)
        server_side, _ = upstream.accept()
        client.sendall(b"hello")
        assert server_side.recv(5) == b"hello"

        proxy.cut(1.0)
        assert _dropped(client)
        assert _dropped(socket.create_connection(("127.0.0.1", listen), timeout=5))
        time.sleep(1.2)
        again = socket.create_connection(("127.0.0.1", listen), timeout=5)
        again.sendall(b"back")
        server_again, _ = upstream.accept()
        assert server_again.recv(4) == b"back"
        for sock in (client, server_side, again, server_again):
            sock.close()


def test_kafka_clients_survive_a_cut_through_the_proxy() -> None:
    broker_port, proxy_port = infra.free_port(), infra.free_port()
    with (
        infra.tansu(port=broker_port, advertised_port=proxy_port),
        FaultProxy(proxy_port, "127.0.0.1", broker_port) as proxy,
    ):
        bootstrap = f"127.0.0.1:{proxy_port}"
        topic = f"cut-{uuid.uuid4().hex[:8]}"
        _produce(bootstrap, topic, 10)
        proxy.cut(2.0)
        try:
            _produce(bootstrap, topic, 10)
        except KafkaException:  # pragma: no cover - librdkafka retries through the cut
            pytest.fail("the producer did not ride out a 2 s network cut")
        assert len(_read_all(bootstrap, topic, 20)) == 20
        assert proxy.cuts == 1
