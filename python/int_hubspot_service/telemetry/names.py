"""Names, units and bucket bounds of every metric the gateway exports, declared once.

The OpenTelemetry names below are also the Prometheus names, except that the Prometheus exporter appends
`_total` to counters. `docs/metrics.md`, the Grafana dashboard and the alerting rules use the Prometheus
names. An integration test checks that each dashboard query returns data from a running gateway.
"""

from __future__ import annotations

from typing import Final, Literal

__all__ = [
    "ACK_LATENCY",
    "ACK_LATENCY_BUCKETS",
    "DEAD_LETTER_RECORDS",
    "DELIVERY_ERRORS",
    "EVENTS_PRODUCED",
    "HTTP_REQUESTS",
    "KAFKA_LATENCY",
    "KAFKA_LATENCY_BUCKETS",
    "OAUTH_INSTALLS",
    "PRODUCER_QUEUE_DEPTH",
    "RATE_LIMIT_WAITS",
    "RATE_LIMIT_WAIT_SECONDS",
    "SIGNATURE_CHECKS",
    "TENANT_EVENTS",
    "TENANT_UNINSTALLS",
    "TOKEN_REFRESHES",
    "TOKEN_REFRESH_OUTCOMES",
    "MetricName",
    "TokenRefreshOutcome",
]

MetricName = Literal[
    # Counter {route, status}: HTTP responses sent, by route template and status code.
    "int_hubspot_http_server_requests",
    # Counter {outcome, version}: webhook signature checks; outcome is "ok" or the failure reason.
    "int_hubspot_webhook_signature_checks",
    # Counter: OCEL event records acknowledged by Kafka on the events topic.
    "int_hubspot_events_produced",
    # Counter {portal_id}: event records acknowledged per tenant; only portals listed in
    # INT_HUBSPOT_METRICS_PORTAL_IDS get their own value, every other portal counts as "other".
    "int_hubspot_tenant_events",
    # Counter {reason}: poison records acknowledged by Kafka on the dead-letter topic.
    "int_hubspot_dead_letter_records",
    # Counter {error}: records Kafka did not accept or acknowledge, by librdkafka error name, or
    # "queue_full" and "ack_timeout" for the gateway's own limits.
    "int_hubspot_kafka_delivery_errors",
    # Gauge: records handed to librdkafka whose delivery report has not arrived yet.
    "int_hubspot_kafka_producer_queue_depth",
    # Histogram {status}: seconds from receiving a webhook request to sending the response.
    "int_hubspot_webhook_ack_latency_seconds",
    # Histogram: seconds from the earliest `occurredAt` of a batch to Kafka's last delivery report for it.
    "int_hubspot_webhook_to_kafka_latency_seconds",
    # Counter {outcome}: OAuth access-token refreshes, by outcome.
    "int_hubspot_token_refreshes",
    # Counter {outcome}: OAuth install steps: "started", "completed" or the reason of a failure.
    "int_hubspot_oauth_installs",
    # Counter {outcome}: tenant uninstalls through the admin API: "completed" or the reason of a failure.
    "int_hubspot_tenant_uninstalls",
    # Counter: outbound HubSpot calls that waited for a rate-limit token.
    "int_hubspot_rate_limit_waits",
    # Counter: total seconds outbound HubSpot calls spent waiting for rate-limit tokens.
    "int_hubspot_rate_limit_wait_seconds",
]

HTTP_REQUESTS: Final[MetricName] = "int_hubspot_http_server_requests"
SIGNATURE_CHECKS: Final[MetricName] = "int_hubspot_webhook_signature_checks"
EVENTS_PRODUCED: Final[MetricName] = "int_hubspot_events_produced"
TENANT_EVENTS: Final[MetricName] = "int_hubspot_tenant_events"
DEAD_LETTER_RECORDS: Final[MetricName] = "int_hubspot_dead_letter_records"
DELIVERY_ERRORS: Final[MetricName] = "int_hubspot_kafka_delivery_errors"
PRODUCER_QUEUE_DEPTH: Final[MetricName] = "int_hubspot_kafka_producer_queue_depth"
ACK_LATENCY: Final[MetricName] = "int_hubspot_webhook_ack_latency_seconds"
KAFKA_LATENCY: Final[MetricName] = "int_hubspot_webhook_to_kafka_latency_seconds"
TOKEN_REFRESHES: Final[MetricName] = "int_hubspot_token_refreshes"  # noqa: S105 - a metric name
OAUTH_INSTALLS: Final[MetricName] = "int_hubspot_oauth_installs"
TENANT_UNINSTALLS: Final[MetricName] = "int_hubspot_tenant_uninstalls"
RATE_LIMIT_WAITS: Final[MetricName] = "int_hubspot_rate_limit_waits"
RATE_LIMIT_WAIT_SECONDS: Final[MetricName] = "int_hubspot_rate_limit_wait_seconds"

# From a fast local acknowledgement (1 ms) up to HubSpot's 5 s timeout, with bounds near the timeout so
# that a p95 close to 5 s is resolved.
ACK_LATENCY_BUCKETS: Final = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 4.0, 5.0)

# The service level objective is 60 s from `occurredAt` to Kafka. HubSpot retries failed deliveries for
# 24 h, so late events land in the upper buckets instead of being clipped at the objective.
KAFKA_LATENCY_BUCKETS: Final = (0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 45.0, 60.0, 120.0, 300.0, 900.0, 3600.0)

# Outcomes the OAuth module reports through `Metrics.record_token_refresh`. Each is exported from start-up
# with a zero count, so dashboards and alerts find the series before the first refresh.
TokenRefreshOutcome = Literal["success", "error", "invalid_grant"]
TOKEN_REFRESH_OUTCOMES: Final[tuple[TokenRefreshOutcome, ...]] = ("success", "error", "invalid_grant")
