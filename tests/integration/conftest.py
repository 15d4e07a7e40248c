"""Fixtures that run the real gateway against the local Kafka broker started by scripts/kafka.sh.

Each test module gets fresh topics with a random suffix, so counts never include records of earlier
runs. Gateways run as subprocesses on free loopback ports and are stopped by their PID.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from int_hubspot.webhook.signature import sign_v3

ROOT = Path(__file__).resolve().parents[2]
BOOTSTRAP = os.environ.get("INT_HUBSPOT_KAFKA_BOOTSTRAP", "127.0.0.1:9092")
SECRET = "integration-test-secret"
OLD_SECRET = "integration-test-old-secret"


@pytest.fixture(scope="session")
def kafka_bootstrap() -> str:
    """Start (or reuse) the local broker through the project's script."""
    subprocess.run([str(ROOT / "scripts" / "kafka.sh"), "start"], check=True, timeout=300)
    return BOOTSTRAP


@dataclass
class Topics:
    events: str
    dlq: str


def create_topics(bootstrap: str, prefix: str) -> Topics:
    suffix = uuid.uuid4().hex[:10]
    topics = Topics(events=f"{prefix}.events.{suffix}", dlq=f"{prefix}.dlq.{suffix}")
    admin = AdminClient({"bootstrap.servers": bootstrap})
    futures = admin.create_topics(
        [NewTopic(topics.events, num_partitions=12, replication_factor=1), NewTopic(topics.dlq, 3, 1)]
    )
    for future in futures.values():
        future.result(timeout=30)
    return topics


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Gateway:
    """A running gateway subprocess and the settings it was started with."""

    server: str
    port: int
    topics: Topics
    process: subprocess.Popen[bytes]
    log_path: Path
    env: dict[str, str] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def post(
        self,
        body: bytes,
        *,
        path: str = "/webhooks",
        secret: str = SECRET,
        timestamp_ms: int | None = None,
        signed_body: bytes | None = None,
        signed_uri: str | None = None,
    ) -> httpx.Response:
        """POST `body` with a v3 signature computed over `signed_body` (default: the body itself)."""
        headers = self.signed_headers(
            signed_body if signed_body is not None else body,
            path=path,
            secret=secret,
            timestamp_ms=timestamp_ms,
            signed_uri=signed_uri,
        )
        return httpx.post(self.base_url + path, content=body, headers=headers, timeout=10)

    def signed_headers(
        self,
        body: bytes,
        *,
        path: str = "/webhooks",
        secret: str = SECRET,
        timestamp_ms: int | None = None,
        signed_uri: str | None = None,
    ) -> dict[str, str]:
        """Return the content type and v3 signature headers of a POST of `body` to `path`."""
        timestamp = str(timestamp_ms if timestamp_ms is not None else int(time.time() * 1000))
        uri = signed_uri or self.base_url + path
        return {
            "content-type": "application/json",
            "x-hubspot-signature-v3": sign_v3(secret.encode(), "POST", uri, body, timestamp),
            "x-hubspot-request-timestamp": timestamp,
        }

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")


def start_gateway(server: str, topics: Topics, tmp_dir: Path, **overrides: str) -> Gateway:
    port = free_port()
    env = dict(os.environ)
    env.update(
        {
            "INT_HUBSPOT_CLIENT_SECRET": f"{SECRET},{OLD_SECRET}",
            "INT_HUBSPOT_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "INT_HUBSPOT_KAFKA_BOOTSTRAP": BOOTSTRAP,
            "INT_HUBSPOT_EVENTS_TOPIC": topics.events,
            "INT_HUBSPOT_DLQ_TOPIC": topics.dlq,
            "INT_HUBSPOT_PORT": str(port),
            "INT_HUBSPOT_HOST": "127.0.0.1",
            "INT_HUBSPOT_SERVER": server,
            "INT_HUBSPOT_READY_CHECK_INTERVAL_MS": "500",
        }
    )
    env.update(overrides)
    log_path = tmp_dir / f"gateway-{server}-{port}.log"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "int_hubspot_service.cli", "serve"],
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    gateway = Gateway(server, port, topics, process, log_path, env)
    _wait_until_serving(gateway, expect_ready=overrides.get("INT_HUBSPOT_KAFKA_BOOTSTRAP") is None)
    return gateway


def _wait_until_serving(gateway: Gateway, expect_ready: bool, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    path = "/ready" if expect_ready else "/health"
    while time.monotonic() < deadline:
        if gateway.process.poll() is not None:
            raise RuntimeError(f"gateway exited with {gateway.process.returncode}:\n{gateway.log_text()}")
        try:
            if httpx.get(gateway.base_url + path, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    stop_gateway(gateway)
    raise RuntimeError(f"gateway did not serve {path} within {timeout_s:g} s:\n{gateway.log_text()}")


def stop_gateway(gateway: Gateway) -> None:
    """Send SIGTERM to the gateway's process group (it was started in its own session) and wait."""
    if gateway.process.poll() is None:
        os.killpg(gateway.process.pid, 15)
        try:
            gateway.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(gateway.process.pid, 9)
            gateway.process.wait(timeout=5)


@pytest.fixture(scope="module", params=["granian", "robyn"])
def gateway(
    request: pytest.FixtureRequest, kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Gateway]:
    """A gateway on fresh topics, once per front end."""
    server = str(request.param)
    topics = create_topics(kafka_bootstrap, f"test.{server}")
    running = start_gateway(server, topics, tmp_path_factory.mktemp(server))
    yield running
    stop_gateway(running)


def topic_end_offsets(topic: str) -> int:
    """Return the sum of the high watermarks of every partition of `topic`."""
    consumer = Consumer({"bootstrap.servers": BOOTSTRAP, "group.id": f"offsets-{uuid.uuid4()}"})
    try:
        metadata = consumer.list_topics(topic, timeout=10)
        total = 0
        for partition in metadata.topics[topic].partitions:
            _low, high = consumer.get_watermark_offsets(TopicPartition(topic, partition), timeout=10)
            total += high
        return total
    finally:
        consumer.close()


@dataclass
class ConsumedRecord:
    key: bytes | None
    value: bytes
    headers: dict[str, bytes]
    partition: int
    offset: int


def read_records(
    topic: str,
    start_offsets: dict[int, int] | None = None,
    timeout_s: float = 15.0,
    bootstrap: str = BOOTSTRAP,
) -> list[ConsumedRecord]:
    """Read every record of `topic` (from `start_offsets` per partition, else the beginning)."""
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"reader-{uuid.uuid4()}",
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
        }
    )
    try:
        metadata = consumer.list_topics(topic, timeout=10)
        ends: dict[int, int] = {}
        assignments = []
        for partition in metadata.topics[topic].partitions:
            low, high = consumer.get_watermark_offsets(TopicPartition(topic, partition), timeout=10)
            start = (start_offsets or {}).get(partition, low)
            if high > start:
                ends[partition] = high
                assignments.append(TopicPartition(topic, partition, start))
        if not assignments:
            return []
        consumer.assign(assignments)
        records: list[ConsumedRecord] = []
        done: set[int] = set()
        deadline = time.monotonic() + timeout_s
        while len(done) < len(ends) and time.monotonic() < deadline:
            message = consumer.poll(0.5)
            if message is None or message.error():
                continue
            records.append(
                ConsumedRecord(
                    message.key(),
                    message.value(),
                    dict(message.headers() or []),
                    message.partition(),
                    message.offset(),
                )
            )
            if message.offset() + 1 >= ends[message.partition()]:
                done.add(message.partition())
        return records
    finally:
        consumer.close()


def partition_offsets(topic: str) -> dict[int, int]:
    """Return the current high watermark of each partition of `topic`."""
    consumer = Consumer({"bootstrap.servers": BOOTSTRAP, "group.id": f"offsets-{uuid.uuid4()}"})
    try:
        metadata = consumer.list_topics(topic, timeout=10)
        return {
            partition: consumer.get_watermark_offsets(TopicPartition(topic, partition), timeout=10)[1]
            for partition in metadata.topics[topic].partitions
        }
    finally:
        consumer.close()
