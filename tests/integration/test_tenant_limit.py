"""The inbound per-tenant limit responds with 429 with Retry-After and produces nothing for that request."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.conftest import Gateway, create_topics, start_gateway, stop_gateway, topic_end_offsets

pytestmark = pytest.mark.integration

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "hubspot" / "samples"


@pytest.fixture(params=["granian", "robyn"])
def limited_gateway(
    request: pytest.FixtureRequest, kafka_bootstrap: str, tmp_path: Path
) -> Iterator[Gateway]:
    topics = create_topics(kafka_bootstrap, "test.limit")
    running = start_gateway(
        str(request.param),
        topics,
        tmp_path,
        INT_HUBSPOT_TENANT_EVENTS_PER_SECOND="1",
        INT_HUBSPOT_TENANT_BURST_EVENTS="10",
    )
    yield running
    stop_gateway(running)


def test_portal_over_rate_gets_429(limited_gateway: Gateway) -> None:
    body = (SAMPLES / "batch-005-0.json").read_bytes()

    first = limited_gateway.post(body)
    second = limited_gateway.post(body)
    produced = topic_end_offsets(limited_gateway.topics.events)
    third = limited_gateway.post(body)

    assert (first.status_code, second.status_code) == (204, 204)
    assert third.status_code == 429
    assert int(third.headers["retry-after"]) >= 1
    assert third.json()["error"] == "tenant_rate_limited"
    assert topic_end_offsets(limited_gateway.topics.events) == produced


def test_other_portal_not_limited(limited_gateway: Gateway) -> None:
    limited = (SAMPLES / "batch-005-0.json").read_bytes()  # portal 62515
    other = (SAMPLES / "batch-005-1.json").read_bytes()  # portal 4410022

    statuses = [limited_gateway.post(limited).status_code for _ in range(3)]

    assert statuses[-1] == 429
    assert limited_gateway.post(other).status_code == 204
