"""End-to-end webhook tests: signed HubSpot batches through each front end into the real broker."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest

from tests.integration.conftest import (
    OLD_SECRET,
    Gateway,
    partition_offsets,
    read_records,
    topic_end_offsets,
)
from tests.integration.murmur2 import as_signed, java_partition, murmur2

pytestmark = pytest.mark.integration

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "hubspot" / "samples"


def sample(name: str) -> bytes:
    path = SAMPLES / name
    if not path.exists():
        pytest.fail(f"shared sample {path} is missing; the tests need the shared/ folder beside the repo")
    return path.read_bytes()


def post_and_read(gateway: Gateway, body: bytes, **kwargs: object) -> tuple[int, list, list]:
    """POST a batch and return (status, new event records, new dead-letter records)."""
    events_before = partition_offsets(gateway.topics.events)
    dlq_before = partition_offsets(gateway.topics.dlq)
    response = gateway.post(body, **kwargs)  # type: ignore[arg-type]
    events = read_records(gateway.topics.events, events_before)
    dead_letters = read_records(gateway.topics.dlq, dlq_before)
    return response.status_code, events, dead_letters


def test_murmur2_matches_java_vectors() -> None:
    # Expected values from Apache Kafka's UtilsTest.testMurmur2.
    vectors = {
        b"21": -973932308,
        b"foobar": -790332482,
        b"a-little-bit-long-string": -985981536,
        b"a-little-bit-longer-string": -1486304829,
        b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8": -58897971,
        b"abc": 479470107,
    }
    for data, expected in vectors.items():
        assert as_signed(murmur2(data)) == expected, data


@pytest.mark.parametrize(
    "name", ["batch-001-0.json", "batch-005-1.json", "batch-020-2.json", "batch-100-0.json"]
)
def test_signed_batch_lands_in_kafka(gateway: Gateway, name: str) -> None:
    body = sample(name)
    events = json.loads(body)

    status, records, dead_letters = post_and_read(gateway, body)

    assert status == 204
    assert len(records) == len(events)
    assert dead_letters == []
    portal_ids = {str(event["portalId"]).encode() for event in events}
    for record in records:
        assert record.key in portal_ids
        assert record.partition == java_partition(record.key, 12)
        assert record.headers["portal_id"] == record.key
        for header in ("event_id", "subscription_type", "occurred_at", "received_at"):
            assert header in record.headers, header
        document = json.loads(record.value)
        assert len(document["events"]) == 1
        assert document["events"][0]["id"] == record.headers["event_id"].decode()


def test_records_load_with_pm4py(gateway: Gateway, tmp_path: Path) -> None:
    pm4py = pytest.importorskip("pm4py")
    status, records, _ = post_and_read(gateway, sample("batch-020-0.json"))

    assert status == 204
    for index, record in enumerate(records):
        path = tmp_path / f"record-{index}.jsonocel"
        path.write_bytes(record.value)
        ocel = pm4py.read_ocel2_json(str(path))
        assert len(ocel.events) == 1
        assert len(ocel.objects) >= 1


def test_old_secret_still_accepted(gateway: Gateway) -> None:
    status, records, _ = post_and_read(gateway, sample("batch-001-1.json"), secret=OLD_SECRET)

    assert status == 204
    assert len(records) == 1


def test_retry_keeps_event_ids(gateway: Gateway) -> None:
    first = sample("batch-005-0.json")
    retry = first.replace(b'"attemptNumber":0', b'"attemptNumber":1')
    assert retry != first

    status_first, records_first, _ = post_and_read(gateway, first)
    status_retry, records_retry, _ = post_and_read(gateway, retry)

    assert (status_first, status_retry) == (204, 204)
    ids_first = sorted(record.headers["event_id"] for record in records_first)
    ids_retry = sorted(record.headers["event_id"] for record in records_retry)
    assert ids_first == ids_retry
    assert len(set(ids_first)) == 5


@pytest.mark.parametrize(
    ("case", "expected_reason"),
    [
        ("wrong_secret", b"mismatch"),
        ("stale_timestamp", b"timestamp_too_old"),
        ("future_timestamp", b"timestamp_in_future"),
        ("tampered_body", b"mismatch"),
        ("wrong_uri", b"mismatch"),
    ],
)
def test_bad_signature_rejected_without_producing(
    gateway: Gateway, case: str, expected_reason: bytes
) -> None:
    body = sample("batch-005-2.json")
    now_ms = int(time.time() * 1000)
    kwargs: dict[str, object] = {
        "wrong_secret": {"secret": "not-the-secret"},
        "stale_timestamp": {"timestamp_ms": now_ms - 301_000},
        "future_timestamp": {"timestamp_ms": now_ms + 301_000},
        "tampered_body": {"signed_body": body.replace(b"62515", b"62516")},
        "wrong_uri": {"signed_uri": gateway.base_url + "/webhooks/"},
    }[case]
    before = topic_end_offsets(gateway.topics.events) + topic_end_offsets(gateway.topics.dlq)

    response = gateway.post(body, **kwargs)  # type: ignore[arg-type]

    assert response.status_code == 401
    assert expected_reason in response.content
    time.sleep(0.5)
    assert topic_end_offsets(gateway.topics.events) + topic_end_offsets(gateway.topics.dlq) == before


def test_missing_signature_rejected(gateway: Gateway) -> None:
    response = httpx.post(gateway.base_url + "/webhooks", content=sample("batch-001-0.json"), timeout=10)

    assert response.status_code == 401
    assert b"missing_header" in response.content


def test_poison_body_goes_to_dead_letter_topic(gateway: Gateway) -> None:
    body = b'{"this is": "not an array"'

    status, records, dead_letters = post_and_read(gateway, body)

    assert status == 204
    assert records == []
    assert len(dead_letters) == 1
    assert dead_letters[0].value == body
    assert dead_letters[0].headers["dead_letter_reason"] == b"invalid_json"
    assert "received_at" in dead_letters[0].headers


def test_poison_event_does_not_block_batch(gateway: Gateway) -> None:
    good = json.loads(sample("batch-005-0.json"))
    body = json.dumps(
        [good[0], {"portalId": 62515, "occurredAt": 1}, 17, good[1]], separators=(",", ":")
    ).encode()

    status, records, dead_letters = post_and_read(gateway, body)

    assert status == 204
    assert len(records) == 2
    reasons = sorted(record.headers["dead_letter_reason"] for record in dead_letters)
    assert reasons == [b"missing_subscription_type", b"not_an_object"]
    raw = sorted(record.value for record in dead_letters)
    assert raw == [b"17", b'{"portalId":62515,"occurredAt":1}']


def test_oversized_body_gets_413(gateway: Gateway) -> None:
    body = b"[" + b" " * (1_048_576 + 10) + b"]"

    response = gateway.post(body)

    assert response.status_code == 413


def test_health_ready_and_metrics(gateway: Gateway) -> None:
    assert httpx.get(gateway.base_url + "/health", timeout=5).status_code == 200
    ready = httpx.get(gateway.base_url + "/ready", timeout=5)
    assert ready.status_code == 200
    assert ready.json()["status"] == "ready"

    metrics = httpx.get(gateway.base_url + "/metrics", timeout=5).text
    for name in (
        "int_hubspot_http_server_requests_total",
        "int_hubspot_webhook_signature_checks_total",
        "int_hubspot_events_produced_total",
        "int_hubspot_dead_letter_records_total",
        "int_hubspot_webhook_ack_latency_seconds_bucket",
        "int_hubspot_webhook_to_kafka_latency_seconds_bucket",
    ):
        assert name in metrics, name
    assert 'int_hubspot_http_server_requests_total{route="/webhooks",status="204"}' in metrics
    assert 'outcome="mismatch"' in metrics


def test_unknown_path_and_method(gateway: Gateway) -> None:
    assert httpx.get(gateway.base_url + "/nope", timeout=5).status_code == 404
    assert httpx.get(gateway.base_url + "/webhooks", timeout=5).status_code in (404, 405)
