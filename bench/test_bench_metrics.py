"""Per-request cost of recording the gateway's metrics: prometheus_client vs OpenTelemetry vs `Metrics`.

Each benchmark records what one 100-event webhook request records: the HTTP response count, one
signature check, events produced, one dead-letter record, the ack latency and the webhook-to-Kafka
latency. The three ways:
- `prometheus_client`: labelled counters and histograms, one call each (the previous implementation);
- `opentelemetry_sdk`: the same calls on OpenTelemetry SDK synchronous instruments;
- `gateway_metrics`: the gateway's `Metrics` object, which adds to in-process aggregates and leaves the
  OpenTelemetry work to collection time.
Each benchmark checks its own result (`correct` in extra_info) after the timed loop. Timings are reported,
never asserted.

Run with `pytest bench/test_bench_metrics.py --benchmark-only`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from opentelemetry.exporter.prometheus import PrometheusMetricReader
from opentelemetry.sdk.metrics import MeterProvider
from prometheus_client import CollectorRegistry, Counter, Histogram
from pytest_benchmark.fixture import BenchmarkFixture

from int_hubspot_service.telemetry import names
from int_hubspot_service.telemetry.metrics import Metrics, earliest_occurred_at_ms

NOW_MS = int(time.time() * 1000)
RECORDS = [
    (b"62515", b"{}", [("portal_id", b"62515"), ("occurred_at", str(NOW_MS - 1_000 - i).encode())])
    for i in range(100)
]


@dataclass
class Outcome:
    delivered: int = 100
    dead_lettered: dict[str, int] = field(default_factory=lambda: {"invalid_event": 1})
    errors: dict[str, int] = field(default_factory=dict)


OUTCOME = Outcome()


def earliest_seconds(records: list[tuple[bytes, bytes, list[tuple[str, bytes]]]]) -> float:
    # The same per-batch pass the gateway makes, so all three pay for finding the earliest occurredAt.
    return (earliest_occurred_at_ms(records) or 0) / 1000


def prometheus_client_request() -> tuple[Callable[[], None], Callable[[], float]]:
    registry = CollectorRegistry()
    requests = Counter("requests", "", ["route", "status"], registry=registry)
    signatures = Counter("signatures", "", ["outcome", "version"], registry=registry)
    produced = Counter("produced", "", registry=registry)
    dead_letters = Counter("dead_letters", "", ["reason"], registry=registry)
    ack = Histogram("ack", "", ["status"], buckets=names.ACK_LATENCY_BUCKETS, registry=registry)
    kafka = Histogram("kafka", "", buckets=names.KAFKA_LATENCY_BUCKETS, registry=registry)

    def record() -> None:
        requests.labels("/webhooks", "204").inc()
        signatures.labels("ok", "v3").inc()
        produced.inc(OUTCOME.delivered)
        dead_letters.labels("invalid_event").inc(1)
        ack.labels("204").observe(0.003)
        kafka.observe(time.time() - earliest_seconds(RECORDS))

    def produced_count() -> float:
        return float(registry.get_sample_value("produced_total") or 0)

    return record, produced_count


def opentelemetry_sdk_request() -> tuple[Callable[[], None], Callable[[], float]]:
    registry = CollectorRegistry()
    provider = MeterProvider(
        metric_readers=[PrometheusMetricReader(scope_info_enabled=False, registry=registry)]
    )
    meter = provider.get_meter("bench")
    requests = meter.create_counter("requests")
    signatures = meter.create_counter("signatures")
    produced = meter.create_counter("produced")
    dead_letters = meter.create_counter("dead_letters")
    ack = meter.create_histogram(
        "ack", unit="s", explicit_bucket_boundaries_advisory=names.ACK_LATENCY_BUCKETS
    )
    kafka = meter.create_histogram(
        "kafka", unit="s", explicit_bucket_boundaries_advisory=names.KAFKA_LATENCY_BUCKETS
    )
    request_attributes = {"route": "/webhooks", "status": "204"}
    signature_attributes = {"outcome": "ok", "version": "v3"}
    reason_attributes = {"reason": "invalid_event"}
    status_attributes = {"status": "204"}

    def record() -> None:
        requests.add(1, request_attributes)
        signatures.add(1, signature_attributes)
        produced.add(OUTCOME.delivered)
        dead_letters.add(1, reason_attributes)
        ack.record(0.003, status_attributes)
        kafka.record(time.time() - earliest_seconds(RECORDS))

    def produced_count() -> float:
        return float(registry.get_sample_value("produced_total") or 0)

    return record, produced_count


def gateway_metrics_request() -> tuple[Callable[[], None], Callable[[], float]]:
    metrics = Metrics(environ={})

    def record() -> None:
        metrics.count_request("/webhooks", 204)
        metrics.record_signature("ok", "v3")
        metrics.record_delivery(OUTCOME, RECORDS)
        metrics.record_ack(204, 0.003)

    def produced_count() -> float:
        return float(metrics.export.registry.get_sample_value(names.EVENTS_PRODUCED + "_total") or 0)

    return record, produced_count


IMPLEMENTATIONS = {
    "prometheus_client": prometheus_client_request,
    "opentelemetry_sdk": opentelemetry_sdk_request,
    "gateway_metrics": gateway_metrics_request,
}


@pytest.mark.parametrize("implementation", list(IMPLEMENTATIONS))
def test_metrics_per_request(benchmark: BenchmarkFixture, implementation: str) -> None:
    benchmark.group = "metrics per 100-event request"
    record, _ = IMPLEMENTATIONS[implementation]()

    benchmark(record)

    # A fresh instance recording one request must show exactly that request's events.
    check_record, check_produced = IMPLEMENTATIONS[implementation]()
    check_record()
    correct = check_produced() == OUTCOME.delivered
    benchmark.extra_info["correct"] = correct
    assert correct
