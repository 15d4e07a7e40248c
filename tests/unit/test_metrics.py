"""The gateway's metrics: aggregates, Prometheus names and values, bounded tenant labels, OTLP export."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import ClassVar

import pytest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest

from int_hubspot_service.telemetry import names
from int_hubspot_service.telemetry.aggregates import HistogramSet
from int_hubspot_service.telemetry.metrics import Metrics, earliest_occurred_at_ms


@dataclass
class Outcome:
    delivered: int = 0
    dead_lettered: dict[str, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)


def record(portal_id: str, occurred_at_ms: int) -> tuple[bytes, bytes, list[tuple[str, bytes]]]:
    key = portal_id.encode()
    return key, b"{}", [("portal_id", key), ("occurred_at", str(occurred_at_ms).encode())]


def sample(metrics: Metrics, name: str, labels: dict[str, str] | None = None) -> float | None:
    metrics.render()  # a scrape collects the aggregates into the registry
    return metrics.export.registry.get_sample_value(name, labels or {})


def test_histogram_buckets_follow_upper_bounds() -> None:
    histograms = HistogramSet(("status",), (0.1, 1.0))

    for value in (0.05, 0.1, 0.5, 1.0, 7.0):
        histograms.observe(("204",), value)

    snapshot = histograms.snapshot()[("204",)]
    assert snapshot.bucket_counts == (2, 2, 1)
    assert snapshot.count == 5
    assert snapshot.sum == pytest.approx(8.65)
    assert snapshot.min == 0.05
    assert snapshot.max == 7.0


def test_histogram_rejects_unsorted_bounds() -> None:
    with pytest.raises(ValueError, match="strictly increasing"):
        HistogramSet((), (1.0, 0.5))


def test_request_metrics_exported_with_prometheus_names() -> None:
    metrics = Metrics(environ={})

    metrics.count_request("/webhooks", 204)
    metrics.count_request("/webhooks", 204)
    metrics.record_signature("signature_mismatch", "v3")
    metrics.record_ack(204, 0.003)

    assert (
        sample(metrics, "int_hubspot_http_server_requests_total", {"route": "/webhooks", "status": "204"})
        == 2
    )
    assert (
        sample(
            metrics,
            "int_hubspot_webhook_signature_checks_total",
            {"outcome": "signature_mismatch", "version": "v3"},
        )
        == 1
    )
    assert (
        sample(metrics, "int_hubspot_webhook_ack_latency_seconds_bucket", {"status": "204", "le": "0.0025"})
        == 0
    )
    assert (
        sample(metrics, "int_hubspot_webhook_ack_latency_seconds_bucket", {"status": "204", "le": "0.005"})
        == 1
    )
    assert sample(metrics, "int_hubspot_webhook_ack_latency_seconds_count", {"status": "204"}) == 1


def test_delivery_records_events_dead_letters_and_latency() -> None:
    metrics = Metrics(environ={})
    now_ms = int(time.time() * 1000)
    records = [record("62515", now_ms - 30_000), record("62515", now_ms - 2_000)]

    metrics.record_delivery(Outcome(delivered=2, dead_lettered={"invalid_json": 1}), records)

    assert sample(metrics, "int_hubspot_events_produced_total") == 2
    assert sample(metrics, "int_hubspot_dead_letter_records_total", {"reason": "invalid_json"}) == 1
    # The batch sample is taken from its earliest occurredAt, 30 s ago.
    assert sample(metrics, "int_hubspot_webhook_to_kafka_latency_seconds_bucket", {"le": "20.0"}) == 0
    assert sample(metrics, "int_hubspot_webhook_to_kafka_latency_seconds_bucket", {"le": "45.0"}) == 1


def test_failed_delivery_counts_errors_without_latency() -> None:
    metrics = Metrics(environ={})

    metrics.record_delivery(
        Outcome(delivered=1, errors={"_MSG_TIMED_OUT": 1}), [record("1", 0), record("1", 0)]
    )
    metrics.record_delivery_error("ack_timeout")

    assert sample(metrics, "int_hubspot_kafka_delivery_errors_total", {"error": "_MSG_TIMED_OUT"}) == 1
    assert sample(metrics, "int_hubspot_kafka_delivery_errors_total", {"error": "ack_timeout"}) == 1
    assert sample(metrics, "int_hubspot_webhook_to_kafka_latency_seconds_count") is None


def test_tenant_labels_only_for_listed_portals() -> None:
    metrics = Metrics(portal_ids=["62515"], environ={})
    now_ms = int(time.time() * 1000)
    records = [
        record("62515", now_ms),
        record("62515", now_ms),
        record("999", now_ms),
        record("1000", now_ms),
    ]

    metrics.record_delivery(Outcome(delivered=4), records)

    assert sample(metrics, "int_hubspot_tenant_events_total", {"portal_id": "62515"}) == 2
    assert sample(metrics, "int_hubspot_tenant_events_total", {"portal_id": "other"}) == 2
    assert sample(metrics, "int_hubspot_tenant_events_total", {"portal_id": "999"}) is None


def test_seeded_series_exported_before_first_event() -> None:
    metrics = Metrics(environ={})

    for outcome in names.TOKEN_REFRESH_OUTCOMES:
        assert sample(metrics, "int_hubspot_token_refreshes_total", {"outcome": outcome}) == 0
    assert sample(metrics, "int_hubspot_kafka_delivery_errors_total", {"error": "queue_full"}) == 0
    assert sample(metrics, "int_hubspot_rate_limit_waits_total") == 0
    assert sample(metrics, "int_hubspot_kafka_producer_queue_depth") == 0


def test_token_refresh_and_rate_limit_methods() -> None:
    metrics = Metrics(environ={})
    metrics.observe_producer(lambda: 42)

    metrics.record_token_refresh("invalid_grant")
    metrics.record_rate_limit_wait(0.25)
    metrics.record_rate_limit_wait(0.5)

    assert sample(metrics, "int_hubspot_token_refreshes_total", {"outcome": "invalid_grant"}) == 1
    assert sample(metrics, "int_hubspot_rate_limit_waits_total") == 2
    assert sample(metrics, "int_hubspot_rate_limit_wait_seconds_total") == 0.75
    assert sample(metrics, "int_hubspot_kafka_producer_queue_depth") == 42


def test_every_declared_name_exported() -> None:
    metrics = Metrics(environ={})
    metrics.record_ack(204, 0.01)
    metrics.record_delivery(Outcome(delivered=1), [record("1", int(time.time() * 1000))])
    metrics.count_request("/webhooks", 204)
    metrics.record_signature("ok", "v3")
    metrics.record_delivery(Outcome(dead_lettered={"invalid_json": 1}), [])

    text = metrics.render().decode()

    for name in names.MetricName.__args__:
        assert f"# TYPE {name}" in text, name


def test_earliest_occurred_at_orders_numbers() -> None:
    assert (
        earliest_occurred_at_ms([record("1", 1_700_000_000_500), record("1", 1_700_000_000_100)])
        == 1_700_000_000_100
    )
    # Mixed lengths must compare as numbers, not as bytes.
    assert earliest_occurred_at_ms([record("1", 90), record("1", 100)]) == 90
    assert earliest_occurred_at_ms([(b"1", b"{}", [("portal_id", b"1")])]) is None
    assert earliest_occurred_at_ms([(b"1", b"{}", [("occurred_at", b"soon")])]) is None


class _OtlpReceiver(BaseHTTPRequestHandler):
    bodies: ClassVar[list[bytes]] = []

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length", "0"))
        _OtlpReceiver.bodies.append(self.rfile.read(length))
        self.send_response(200)
        self.send_header("content-type", "application/x-protobuf")
        self.end_headers()

    def log_message(self, *_args: object) -> None:
        return


def test_otlp_export_to_configured_endpoint() -> None:
    server = HTTPServer(("127.0.0.1", 0), _OtlpReceiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    endpoint = f"http://127.0.0.1:{server.server_port}"
    try:
        with pytest.MonkeyPatch.context() as patch:
            # The OTLP exporter reads the standard variables from the process environment itself.
            patch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint)
            metrics = Metrics(environ={"OTEL_EXPORTER_OTLP_ENDPOINT": endpoint})
        metrics.record_ack(204, 0.01)
        metrics.count_request("/webhooks", 204)
        metrics.shutdown()  # exports once more before stopping
    finally:
        server.shutdown()
        server.server_close()

    assert metrics.export.otlp_enabled
    assert _OtlpReceiver.bodies
    exported = set()
    for body in _OtlpReceiver.bodies:
        request = ExportMetricsServiceRequest()
        request.ParseFromString(body)
        for resource_metrics in request.resource_metrics:
            for scope_metrics in resource_metrics.scope_metrics:
                exported.update(metric.name for metric in scope_metrics.metrics)
    assert names.ACK_LATENCY in exported
    assert names.HTTP_REQUESTS in exported
