"""The gateway application: routes, per-process resources and their start and stop.

One `Gateway` exists per worker process. Front ends call `start()` in each worker before serving and
`dispatch()` per request. On shutdown they call `stop()`, which flushes the producer so that records
already handed to Kafka are delivered before the process exits.
"""

from __future__ import annotations

import logging

import orjson

from int_hubspot.config.settings import Settings
from int_hubspot_service.http import HttpRequest, HttpResponse, Route
from int_hubspot_service.ingest import IngestCore
from int_hubspot_service.kafka.producer import EventProducer
from int_hubspot_service.oauth.module import OAuthModule, build_oauth_module
from int_hubspot_service.readiness import KafkaReadiness
from int_hubspot_service.telemetry.metrics import CONTENT_TYPE, UNMATCHED_ROUTE, Metrics

__all__ = ["Gateway"]

log = logging.getLogger(__name__)

_NOT_FOUND = HttpResponse(404, [("content-type", "application/json")], b'{"error":"not_found"}')
_METHOD_NOT_ALLOWED = b'{"error":"method_not_allowed"}'


class Gateway:
    """Owns the producer, metrics and routes of one worker process."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.metrics = Metrics(settings.metrics_portal_ids)
        self.producer: EventProducer | None = None
        self.readiness: KafkaReadiness | None = None
        self.ingest: IngestCore | None = None
        self.routes: list[Route] = []
        self.oauth: OAuthModule | None = None

    def start(self) -> None:
        """Create the Kafka producer and readiness checker of this process and build the routes."""
        self.producer = EventProducer(self.settings)
        topics = (self.settings.events_topic, self.settings.dlq_topic)
        self.readiness = KafkaReadiness(self.producer.producer, topics, self.settings.ready_check_interval_s)
        self.readiness.start()
        self.metrics.observe_producer(lambda: self.producer.pending if self.producer is not None else 0)
        self.ingest = IngestCore(self.settings, self.producer, self.metrics)
        self.routes = [
            Route("POST", "/webhooks", self.ingest.handle_webhook),
            # A HubSpot target URL may end with "/". Robyn strips the slash before routing, so only
            # Granian sees this path, and the signed URI keeps the slash.
            Route("POST", "/webhooks/", self.ingest.handle_webhook),
            Route("GET", "/health", self.health),
            Route("GET", "/ready", self.ready),
            Route("GET", "/metrics", self.render_metrics),
        ]
        # OAuth install, tenant admin and token refresh: only when INT_HUBSPOT_HUBSPOT_CLIENT_ID is set.
        self.oauth = build_oauth_module(self.settings, self.metrics)
        if self.oauth is not None:
            self.oauth.start()
            self.routes.extend(self.oauth.routes())
        log.info(
            "gateway worker started: server=%s events_topic=%s dlq_topic=%s signature_versions=%s",
            self.settings.server,
            self.settings.events_topic,
            self.settings.dlq_topic,
            ",".join(self.settings.signature_versions),
        )

    def stop(self) -> None:
        """Stop the readiness checker and flush the producer."""
        if self.readiness is not None:
            self.readiness.stop()
        if self.oauth is not None:
            self.oauth.stop()
        if self.producer is not None:
            undelivered = self.producer.close(timeout_s=10.0)
            log.info("gateway worker stopped; %d records left undelivered", undelivered)
        self.metrics.shutdown()

    async def dispatch(self, request: HttpRequest) -> HttpResponse:
        """Route one request to its handler."""
        path_known = False
        for route in self.routes:
            if route.matches(request.method, request.path):
                response = await route.handler(request)
                self.metrics.count_request(route.path, response.status)
                return response
            if route.path == request.path:
                path_known = True
        if path_known:
            self.metrics.count_request(request.path, 405)
            return HttpResponse(405, [("content-type", "application/json")], _METHOD_NOT_ALLOWED)
        self.metrics.count_request(UNMATCHED_ROUTE, 404)
        return _NOT_FOUND

    async def health(self, _request: HttpRequest) -> HttpResponse:
        return HttpResponse(200, [("content-type", "application/json")], b'{"status":"ok"}')

    async def ready(self, _request: HttpRequest) -> HttpResponse:
        failures = self.readiness.failures() if self.readiness is not None else {"gateway": "not started"}
        status = 503 if failures else 200
        report: dict[str, object] = {"status": "not_ready" if failures else "ready", "failures": failures}
        if self.oauth is not None:
            # Keycloak is reported but does not fail readiness: webhooks must keep flowing without it.
            report["degraded"] = self.oauth.degraded()
        body = orjson.dumps(report)
        return HttpResponse(status, [("content-type", "application/json")], body)

    async def render_metrics(self, _request: HttpRequest) -> HttpResponse:
        return HttpResponse(200, [("content-type", CONTENT_TYPE)], self.metrics.render())
