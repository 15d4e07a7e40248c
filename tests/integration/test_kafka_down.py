"""The gateway responds with 503 and Retry-After when Kafka cannot confirm the records in time."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.integration.conftest import Gateway, Topics, free_port, start_gateway, stop_gateway

pytestmark = pytest.mark.integration

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "hubspot" / "samples"


@pytest.fixture(params=["granian", "robyn"])
def gateway_without_kafka(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Gateway]:
    # Nothing listens on this port, so no record can ever be acknowledged.
    topics = Topics(events="hubspot.events", dlq="hubspot.events.dlq")
    running = start_gateway(
        str(request.param),
        topics,
        tmp_path,
        INT_HUBSPOT_KAFKA_BOOTSTRAP=f"127.0.0.1:{free_port()}",
        INT_HUBSPOT_ACK_TIMEOUT_MS="500",
        INT_HUBSPOT_RETRY_AFTER_S="7",
    )
    yield running
    stop_gateway(running)


def test_unreachable_kafka_gets_503_with_retry_after(gateway_without_kafka: Gateway) -> None:
    response = gateway_without_kafka.post((SAMPLES / "batch-005-0.json").read_bytes())

    assert response.status_code == 503
    assert response.headers["retry-after"] == "7"
    assert response.json()["error"] == "ack_timeout"


def test_unreachable_kafka_is_not_ready(gateway_without_kafka: Gateway) -> None:
    response = httpx.get(gateway_without_kafka.base_url + "/ready", timeout=5)

    assert response.status_code == 503
    assert "kafka" in response.json()["failures"]
