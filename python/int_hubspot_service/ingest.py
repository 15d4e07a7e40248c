"""The ingest core: verify a webhook request, normalize its events, respond once Kafka has them.

The core does not depend on the HTTP server in front of it. It responds with:
- 204 when every event is acknowledged by Kafka (poison events acknowledged on the dead-letter topic);
- 401 when the signature is missing or invalid or the timestamp is outside the window (nothing is
  parsed and nothing is produced);
- 413 when the body is larger than the limit;
- 429 with Retry-After when the portal is over its inbound event rate (off unless configured);
- 503 with Retry-After when Kafka does not accept or confirm the records in time, so HubSpot retries.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from urllib.parse import quote

import orjson

from int_hubspot.config.settings import Settings
from int_hubspot.ratelimit import TenantBuckets
from int_hubspot.webhook import SignatureError, normalize_batch, verify_signature
from int_hubspot_service.http import HttpRequest, HttpResponse
from int_hubspot_service.kafka.producer import DeadLetter, EventProducer, ProducerQueueFullError
from int_hubspot_service.kafka.record_size import fit_records
from int_hubspot_service.logs import bind_request, new_request_id, portal_id_var
from int_hubspot_service.telemetry.metrics import Metrics

__all__ = ["IngestCore", "signed_uri"]

log = logging.getLogger(__name__)

# Characters that may stand unescaped in a URI path (RFC 3986 unreserved, sub-delims, ":", "@", "/")
# plus "%", which keeps escapes that the server left in place.
_PATH_SAFE = "/:@!$&'()*+,;=-._~%"

_SIGNATURE_HEADERS = {
    "v3": "x-hubspot-signature-v3",
    "v2": "x-hubspot-signature",
    "v1": "x-hubspot-signature",
}


def signed_uri(public_url: str, path: str, query: str) -> str:
    """Return the URI HubSpot signed: the public base URL, the path and the query as received.

    Servers that hand over a percent-decoded path (Granian RSGI) turn `%20` into a space; re-escaping
    characters that cannot stand in a URI restores such escapes. The twelve escapes that HubSpot
    decodes before signing need no restoring.
    """
    uri = public_url + quote(path, safe=_PATH_SAFE)
    if query:
        uri += "?" + query
    return uri


class _RejectedError(Exception):
    """Carries an error response out of a nested step."""

    def __init__(self, response: HttpResponse) -> None:
        super().__init__(response.status)
        self.response = response


class IngestCore:
    """Handles `POST /webhooks` for any front end."""

    def __init__(self, settings: Settings, producer: EventProducer, metrics: Metrics) -> None:
        self.settings = settings
        self.producer = producer
        self.metrics = metrics
        self._secrets = list(settings.client_secrets.values)
        self._retry_after = [("retry-after", str(settings.retry_after_s))]
        self._ack_timeout_s = settings.ack_timeout_ms / 1000
        self._tenant_buckets: TenantBuckets | None = None
        if settings.tenant_events_per_second > 0:
            self._tenant_buckets = TenantBuckets(
                settings.tenant_events_per_second, settings.tenant_burst_events
            )

    async def handle_webhook(self, request: HttpRequest) -> HttpResponse:
        """Handle one webhook request; the module docstring lists the status codes."""
        with bind_request(new_request_id()):
            try:
                response = await self._ingest(request)
            except _RejectedError as rejection:
                response = rejection.response
        elapsed_s = max(0.0, time.time() - request.received_at_ms / 1000)
        self.metrics.record_ack(response.status, elapsed_s)
        return response

    async def _ingest(self, request: HttpRequest) -> HttpResponse:
        if len(request.body) > self.settings.max_body_bytes:
            return _json_error(
                413,
                "body_too_large",
                f"request body is {len(request.body)} bytes; the limit is {self.settings.max_body_bytes}",
            )

        self._verify(request)

        records, poison = normalize_batch(request.body, request.received_at_ms)
        if records:
            portal_id_var.set(records[0][0].decode())  # reset when bind_request() exits
        if self._tenant_buckets is not None and records:
            self._check_tenant_rate(records[0][0], len(records))
        dead_letters = [_dead_letter(item, request.received_at_ms) for item in poison]
        if poison:
            log.warning(
                "batch has %d poison item(s); first reason %s; sending them to the dead-letter topic",
                len(poison),
                poison[0][1],
                extra={"portal_id": _portal_of(poison[0][4])},
            )

        event_records, dead_letters = fit_records(
            [(key, value, headers) for key, value, headers, _event_id in records],
            dead_letters,
            self.settings.kafka_max_record_bytes,
        )
        try:
            future = self.producer.submit(event_records, dead_letters)
        except ProducerQueueFullError as error:
            self.metrics.record_delivery_error(error.code)
            log.warning("Kafka did not accept a record (%s); responding with 503", error)
            if error.code == "queue_full":
                return self._unavailable("producer_queue_full", "the Kafka producer queue is full")
            return self._unavailable("produce_failed", f"Kafka did not accept a record: {error.code}")

        try:
            outcome = await asyncio.wait_for(asyncio.shield(future), self._ack_timeout_s)
        except TimeoutError:
            self.metrics.record_delivery_error("ack_timeout")
            log.warning(
                "Kafka did not acknowledge %d record(s) within %d ms; responding with 503",
                len(event_records) + len(dead_letters),
                self.settings.ack_timeout_ms,
            )
            return self._unavailable("ack_timeout", "Kafka did not acknowledge the events in time")

        self.metrics.record_delivery(outcome, event_records)
        if not outcome.ok:
            log.error("Kafka rejected records of a batch: %s; responding with 503", outcome.errors)
            return self._unavailable("delivery_failed", "Kafka rejected some of the events")
        return HttpResponse(204)

    def _verify(self, request: HttpRequest) -> None:
        """Check the configured signature versions; raise `_RejectedError` (401) when none verifies."""
        uri = signed_uri(self.settings.public_url, request.path, request.query)
        now_ms = int(time.time() * 1000)
        failure: SignatureError | None = None
        failed_version = ""
        for version in self.settings.signature_versions:
            try:
                verify_signature(
                    version=version,
                    secrets=self._secrets,
                    method=request.method,
                    uri=uri,
                    body=request.body,
                    signature=request.headers.get(_SIGNATURE_HEADERS[version]),
                    timestamp=request.headers.get("x-hubspot-request-timestamp"),
                    now_ms=now_ms,
                    max_age_ms=self.settings.signature_max_age_ms,
                )
            except SignatureError as error:
                if failure is None:
                    failure, failed_version = error, version
                continue
            self.metrics.record_signature("ok", version)
            return

        assert failure is not None
        self.metrics.record_signature(failure.reason, failed_version)
        log.info("rejected webhook request: %s (%s)", failure.reason, failure)
        raise _RejectedError(_json_error(401, failure.reason, str(failure)))

    def _check_tenant_rate(self, portal_id: bytes, event_count: int) -> None:
        """Charge the batch to its portal's bucket; raise `_RejectedError` (429) when over the rate.

        HubSpot batches carry one portal's events, so the first record's key names the tenant.
        """
        assert self._tenant_buckets is not None
        wait_s = self._tenant_buckets.take(portal_id, event_count, time.monotonic())
        if wait_s == 0.0:
            return
        retry_after = str(max(1, math.ceil(wait_s)))
        log.info(
            "portal %s is over its inbound rate of %d events/s; responding with 429",
            portal_id.decode(),
            self.settings.tenant_events_per_second,
        )
        response = _json_error(
            429,
            "tenant_rate_limited",
            f"portal {portal_id.decode()} sent more than {self.settings.tenant_events_per_second} "
            f"events/s; retry after {retry_after} s",
        )
        response.headers.append(("retry-after", retry_after))
        raise _RejectedError(response)

    def _unavailable(self, code: str, message: str) -> HttpResponse:
        response = _json_error(503, code, message)
        response.headers.extend(self._retry_after)
        return response


def _dead_letter(item: tuple[int, str, str, bytes, int | None], received_at_ms: int) -> DeadLetter:
    index, reason, detail, raw, portal_id = item
    headers = [
        ("dead_letter_reason", reason.encode()),
        ("dead_letter_error", detail.encode()),
        ("batch_index", str(index).encode()),
        ("received_at", str(received_at_ms).encode()),
    ]
    key = None
    if portal_id is not None:
        key = str(portal_id).encode()
        headers.append(("portal_id", key))
    return reason, key, raw, headers


def _portal_of(portal_id: int | None) -> str | None:
    return None if portal_id is None else str(portal_id)


def _json_error(status: int, code: str, message: str) -> HttpResponse:
    body = orjson.dumps({"error": code, "message": message})
    return HttpResponse(status, [("content-type", "application/json")], body)
