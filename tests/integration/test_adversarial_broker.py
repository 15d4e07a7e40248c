"""Broker failure tests on a private broker: 503 while Kafka is away, recovery once it returns."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.integration.conftest import Gateway, Topics, read_records, start_gateway, stop_gateway
from tests.integration.own_broker import OwnBroker, new_broker

pytestmark = pytest.mark.integration

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "hubspot" / "samples"


@pytest.fixture
def own_broker(tmp_path: Path) -> Iterator[OwnBroker]:
    broker = new_broker(tmp_path / "broker")
    broker.start()
    yield broker
    broker.stop()


def _wait_for_ready(gateway: Gateway, expected: int, timeout_s: float = 60.0) -> int:
    """Poll /ready until it returns `expected`; return the last status seen."""
    deadline = time.monotonic() + timeout_s
    status = 0
    while time.monotonic() < deadline:
        status = httpx.get(gateway.base_url + "/ready", timeout=5).status_code
        if status == expected:
            break
        time.sleep(0.2)
    return status


def _post_until_accepted(gateway: Gateway, body: bytes, attempts: int = 20) -> httpx.Response:
    """POST until a 204, at most `attempts` times; a producer's first records wait for its set-up.

    With the 1 s ack timeout used here, the first request of a new producer (metadata, idempotent
    producer id) can exceed the timeout on a loaded machine and get 503, which HubSpot would retry.
    """
    response = gateway.post(body)
    for _ in range(attempts - 1):
        if response.status_code == 204:
            break
        time.sleep(0.5)
        response = gateway.post(body)
    return response


@pytest.mark.parametrize("server", ["granian", "robyn"])
@pytest.mark.parametrize("outage", ["stopped", "frozen"])
def test_recovers_after_broker_outage(
    own_broker: OwnBroker, tmp_path: Path, server: str, outage: str
) -> None:
    topics = Topics(events="own.events", dlq="own.dlq")
    own_broker.create_topics(topics.events, topics.dlq)
    gateway = start_gateway(
        server,
        topics,
        tmp_path,
        INT_HUBSPOT_KAFKA_BOOTSTRAP=own_broker.bootstrap,
        INT_HUBSPOT_ACK_TIMEOUT_MS="1000",
        # Shorter than the outage, so records of the failed requests time out inside librdkafka.
        INT_HUBSPOT_KAFKA_MESSAGE_TIMEOUT_MS="2000",
    )
    body = (SAMPLES / "batch-005-0.json").read_bytes()
    try:
        assert _wait_for_ready(gateway, 200) == 200
        assert _post_until_accepted(gateway, body).status_code == 204

        assert own_broker.process is not None
        if outage == "stopped":
            own_broker.stop()
        else:
            own_broker.process.send_signal(signal.SIGSTOP)
        during = [gateway.post(body) for _ in range(3)]
        ready_during = _wait_for_ready(gateway, 503)
        time.sleep(3)  # lets the queued records pass INT_HUBSPOT_KAFKA_MESSAGE_TIMEOUT_MS
        if outage == "stopped":
            own_broker.start()
        else:
            own_broker.process.send_signal(signal.SIGCONT)
        ready_after = _wait_for_ready(gateway, 200)
        # The broker responds to metadata requests before the producer's connection has recovered, so
        # the first posts may still get 503, as HubSpot's own retries would; recovery must follow.
        after = _post_until_accepted(gateway, body)
    finally:
        stop_gateway(gateway)

    assert [response.status_code for response in during] == [503, 503, 503]
    assert all(response.headers.get("retry-after") for response in during)
    assert ready_during == 503
    assert ready_after == 200
    assert after.status_code == 204
    # The first and the last request were acknowledged, so at least their ten records are stored.
    assert len(read_records(topics.events, bootstrap=own_broker.bootstrap)) >= 10
