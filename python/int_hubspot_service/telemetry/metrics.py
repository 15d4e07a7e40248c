"""Prometheus metrics of the gateway, declared in one place.

Each metric lives in its own registry per process. With several worker processes each process exports
its own series; run one worker per container (the default) and let Prometheus sum across pods.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

__all__ = ["CONTENT_TYPE", "Metrics"]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

# Buckets span a fast local ack (1 ms) up to HubSpot's 5 s timeout.
ACK_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 4.0, 5.0)


class Metrics:
    """Holds every metric the gateway exports; one instance per process."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.webhook_requests = Counter(
            "int_hubspot_webhook_requests",
            "Webhook requests answered, by HTTP status code.",
            ["status"],
            registry=self.registry,
        )
        self.signature_checks = Counter(
            "int_hubspot_signature_checks",
            "Webhook signature checks, by outcome (ok or a failure reason) and signature version.",
            ["outcome", "version"],
            registry=self.registry,
        )
        self.events_produced = Counter(
            "int_hubspot_events_produced",
            "OCEL event records acknowledged by Kafka on the events topic.",
            registry=self.registry,
        )
        self.dead_letter_records = Counter(
            "int_hubspot_dead_letter_records",
            "Poison records acknowledged by Kafka on the dead-letter topic, by reason code.",
            ["reason"],
            registry=self.registry,
        )
        self.delivery_errors = Counter(
            "int_hubspot_delivery_errors",
            "Records Kafka did not accept or acknowledge, by error name.",
            ["error"],
            registry=self.registry,
        )
        self.ack_latency = Histogram(
            "int_hubspot_ack_latency_seconds",
            "Time from receiving a webhook request to answering it, by HTTP status code.",
            ["status"],
            buckets=ACK_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.pending_records = Gauge(
            "int_hubspot_producer_pending_records",
            "Records produced but not yet acknowledged by Kafka.",
            registry=self.registry,
        )

    def render(self) -> bytes:
        """Return the Prometheus text exposition of every metric."""
        return generate_latest(self.registry)
