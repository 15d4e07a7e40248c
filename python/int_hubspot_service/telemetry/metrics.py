"""The gateway's metrics: one `Metrics` object per worker process, recorded once per request.

The names are declared in `names.py`. The request path calls a few `record_*` methods per request, never
one per event. These methods only add to in-process aggregates. OpenTelemetry reads the aggregates when
Prometheus scrapes `/metrics` or the OTLP reader exports (see `aggregates.py` and `export.py`).

Each worker process exports its own series; run one worker per container (the default) and let
Prometheus sum across pods. Tenant labels are bounded: only the portals listed in
INT_HUBSPOT_METRICS_PORTAL_IDS get their own `portal_id` value.
"""

from __future__ import annotations

import logging
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from operator import itemgetter
from typing import Protocol

from opentelemetry.metrics import CallbackOptions, Observation
from opentelemetry.sdk.metrics.export import MetricExporter
from prometheus_client import generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from int_hubspot_service.telemetry import names
from int_hubspot_service.telemetry.aggregates import CounterSet, HistogramSet
from int_hubspot_service.telemetry.export import HistogramSpec, MetricsExport, counter_callback

__all__ = ["CONTENT_TYPE", "OTHER_PORTALS", "Metrics", "earliest_occurred_at_ms"]

log = logging.getLogger(__name__)

CONTENT_TYPE = CONTENT_TYPE_LATEST

# The `portal_id` value of every tenant not listed in INT_HUBSPOT_METRICS_PORTAL_IDS.
OTHER_PORTALS = "other"

# The route label of requests that matched no route; the raw path is never a label value.
UNMATCHED_ROUTE = "unmatched"

OCCURRED_AT_HEADER = "occurred_at"

# (key, value, headers) as produced to the events topic; the key is the portal id.
Record = tuple[bytes, bytes, list[tuple[str, bytes]]]


class DeliveryResult(Protocol):
    """Kafka's delivery report counts for the records of one request (`kafka.delivery.DeliveryOutcome`)."""

    delivered: int
    dead_lettered: dict[str, int]
    errors: dict[str, int]


class Metrics:
    """Every metric the gateway exports; one instance per worker process."""

    def __init__(
        self,
        portal_ids: Iterable[str] = (),
        environ: Mapping[str, str] | None = None,
        otlp_exporter: MetricExporter | None = None,
    ) -> None:
        self._tracked_portals = {portal_id.encode(): portal_id for portal_id in portal_ids}
        self._queue_depth: Callable[[], int] | None = None

        self.http_requests = CounterSet(("route", "status"))
        self.signature_checks = CounterSet(("outcome", "version"))
        self.events_produced = CounterSet(())
        self.tenant_events = CounterSet(("portal_id",))
        self.dead_letter_records = CounterSet(("reason",))
        self.delivery_errors = CounterSet(("error",))
        self.token_refreshes = CounterSet(("outcome",))
        self.oauth_installs = CounterSet(("outcome",))
        self.tenant_uninstalls = CounterSet(("outcome",))
        self.rate_limit_waits = CounterSet(())
        self.rate_limit_wait_seconds = CounterSet(())
        self.ack_latency = HistogramSet(("status",), names.ACK_LATENCY_BUCKETS)
        self.kafka_latency = HistogramSet((), names.KAFKA_LATENCY_BUCKETS)
        self._seed_series()

        self.export = MetricsExport(
            [
                HistogramSpec(
                    names.ACK_LATENCY,
                    "Seconds from receiving a webhook request to answering it, by HTTP status code.",
                    "s",
                    self.ack_latency,
                ),
                HistogramSpec(
                    names.KAFKA_LATENCY,
                    "Seconds from the earliest occurredAt of a batch to its last Kafka delivery report.",
                    "s",
                    self.kafka_latency,
                ),
            ],
            os.environ if environ is None else environ,
            otlp_exporter,
        )
        self._register_instruments()

    def _seed_series(self) -> None:
        """Create the series that dashboards and alerts query before the first event occurs."""
        self.events_produced.ensure(())
        self.tenant_events.ensure((OTHER_PORTALS,))
        for portal_id in self._tracked_portals.values():
            self.tenant_events.ensure((portal_id,))
        for error in ("queue_full", "ack_timeout"):
            self.delivery_errors.ensure((error,))
        for outcome in names.TOKEN_REFRESH_OUTCOMES:
            self.token_refreshes.ensure((outcome,))
        for install_outcome in ("started", "completed"):
            self.oauth_installs.ensure((install_outcome,))
        self.tenant_uninstalls.ensure(("completed",))
        self.rate_limit_waits.ensure(())
        self.rate_limit_wait_seconds.ensure(())

    def _register_instruments(self) -> None:
        meter = self.export.meter
        counters = [
            (names.HTTP_REQUESTS, self.http_requests, "HTTP requests answered, by route and status code."),
            (
                names.SIGNATURE_CHECKS,
                self.signature_checks,
                "Webhook signature checks, by outcome (ok or a failure reason) and signature version.",
            ),
            (names.EVENTS_PRODUCED, self.events_produced, "Event records acknowledged by Kafka."),
            (
                names.TENANT_EVENTS,
                self.tenant_events,
                "Event records acknowledged by Kafka, by portal (listed portals only, others as 'other').",
            ),
            (
                names.DEAD_LETTER_RECORDS,
                self.dead_letter_records,
                "Poison records acknowledged by Kafka on the dead-letter topic, by reason code.",
            ),
            (
                names.DELIVERY_ERRORS,
                self.delivery_errors,
                "Records Kafka did not accept or acknowledge, by error name.",
            ),
            (names.TOKEN_REFRESHES, self.token_refreshes, "OAuth access-token refreshes, by outcome."),
            (
                names.OAUTH_INSTALLS,
                self.oauth_installs,
                "OAuth install steps by outcome (started, completed, or the reason of a failure).",
            ),
            (
                names.TENANT_UNINSTALLS,
                self.tenant_uninstalls,
                "Tenant uninstalls through the admin API, by outcome.",
            ),
            (
                names.RATE_LIMIT_WAITS,
                self.rate_limit_waits,
                "HubSpot calls that waited for a rate-limit token.",
            ),
        ]
        for name, counter_set, description in counters:
            meter.create_observable_counter(name, [counter_callback(counter_set)], description=description)
        meter.create_observable_counter(
            names.RATE_LIMIT_WAIT_SECONDS,
            [counter_callback(self.rate_limit_wait_seconds)],
            unit="s",
            description="Seconds HubSpot calls spent waiting for rate-limit tokens.",
        )
        meter.create_observable_gauge(
            names.PRODUCER_QUEUE_DEPTH,
            [self._observe_queue_depth],
            description="Records handed to librdkafka whose delivery report has not arrived yet.",
        )

    def _observe_queue_depth(self, _options: CallbackOptions) -> list[Observation]:
        depth = self._queue_depth() if self._queue_depth is not None else 0
        return [Observation(depth)]

    # Request path: each call is one lock and a few dictionary updates.

    def count_request(self, route: str, status: int) -> None:
        """Count one HTTP response on `route` (a route template or `UNMATCHED_ROUTE`)."""
        self.http_requests.add((route, str(status)))

    def record_signature(self, outcome: str, version: str) -> None:
        """Count one signature check; `outcome` is "ok" or the failure reason."""
        self.signature_checks.add((outcome, version))

    def record_ack(self, status: int, seconds: float) -> None:
        """Record the time from receiving a webhook request to sending its `status` response."""
        self.ack_latency.observe((str(status),), seconds)

    def record_delivery_error(self, error: str, count: int = 1) -> None:
        """Count records that Kafka or the gateway's own limits (queue_full, ack_timeout) refused."""
        self.delivery_errors.add((error,), count)

    def record_delivery(self, outcome: DeliveryResult, records: Sequence[Record]) -> None:
        """Record what Kafka reported for one request: produced, dead-lettered and failed records.

        When every record was delivered, this also records the webhook-to-Kafka latency of the batch
        (from its earliest `occurred_at` header to now) and the per-tenant event counts.
        """
        if outcome.delivered:
            self.events_produced.add((), outcome.delivered)
        for reason, count in outcome.dead_lettered.items():
            self.dead_letter_records.add((reason,), count)
        for error, count in outcome.errors.items():
            self.delivery_errors.add((error,), count)
        if outcome.errors or not records:
            return

        occurred_at_ms = earliest_occurred_at_ms(records)
        if occurred_at_ms is not None:
            self.kafka_latency.observe((), max(0.0, time.time() - occurred_at_ms / 1000))
        if self._tracked_portals:
            self._count_tenants(records)
        else:
            self.tenant_events.add((OTHER_PORTALS,), len(records))

    def _count_tenants(self, records: Sequence[Record]) -> None:
        # Counting the keys in C first keeps the Python work per distinct portal, not per event.
        for key, count in Counter(map(itemgetter(0), records)).items():
            self.tenant_events.add((self._tracked_portals.get(key, OTHER_PORTALS),), count)

    # Other modules: token refreshes and rate limits, reported by the OAuth and HubSpot client code.

    def record_token_refresh(self, outcome: names.TokenRefreshOutcome) -> None:
        """Count one access-token refresh with `outcome`."""
        self.token_refreshes.add((outcome,))

    def record_rate_limit_wait(self, seconds: float) -> None:
        """Count one outbound call that waited `seconds` for a rate-limit token."""
        self.rate_limit_waits.add(())
        self.rate_limit_wait_seconds.add((), seconds)

    # Export.

    def observe_producer(self, queue_depth: Callable[[], int]) -> None:
        """Report the producer queue depth from `queue_depth()` at each collection."""
        self._queue_depth = queue_depth

    def render(self) -> bytes:
        """Return the Prometheus text exposition of every metric."""
        return generate_latest(self.export.registry)

    def shutdown(self) -> None:
        """Send a last OTLP export when enabled and stop the readers."""
        self.export.shutdown()


def earliest_occurred_at_ms(records: Sequence[Record]) -> int | None:
    """Return the smallest `occurred_at` header (epoch ms) of `records`, or None when none has a valid one.

    The native normalizer puts the header at the same index in every record. The fast path takes the
    values at that index with C-level `map` passes (no Python loop per event) and, when all have the same
    number of digits, compares them as bytes, which orders them like their numbers. Any other layout
    falls back to a Python loop over every header.
    """
    # TODO: the native normalizer could return each batch's earliest occurredAt and remove this pass.
    first_headers = records[0][2]
    index = next((i for i, (name, _) in enumerate(first_headers) if name == OCCURRED_AT_HEADER), None)
    if index is None:
        return None
    try:
        pairs = list(map(itemgetter(index), map(itemgetter(2), records)))
        if set(map(itemgetter(0), pairs)) == {OCCURRED_AT_HEADER}:
            values = list(map(itemgetter(1), pairs))
            if len(set(map(len, values))) == 1:
                return int(min(values))
            return min(map(int, values))
    except (IndexError, ValueError):
        pass
    try:
        return min(
            (
                int(value)
                for _k, _v, headers in records
                for name, value in headers
                if name == OCCURRED_AT_HEADER
            ),
            default=None,
        )
    except ValueError:
        log.debug("an occurred_at header is not an integer; skipping the webhook-to-Kafka latency sample")
        return None
