"""Robyn front end: the same gateway behind Robyn's router.

Robyn 0.88 limits which HubSpot target URLs can be verified, because it cannot give back the exact
URI HubSpot signed:
- it offers no raw query string (only a parsed, reordered map), so the target URL must not have a
  query string;
- it drops a trailing slash from the path, so the target URL must not end with "/".
Requests that break either rule fail signature verification with 401. Use Granian (the default)
for such target URLs.

Robyn 0.88 also reads the whole request body into memory before any handler runs, whatever its
size, and responds with 500 to a `multipart/form-data` content type. Put Robyn behind a proxy that limits
body size (the gateway's own 413 comes too late to protect memory), or use Granian, which stops
reading at the limit.

Shutdown: on SIGTERM, actix stops accepting connections, but Robyn 0.88 neither runs its shutdown
handlers nor returns from its event loop in single-process mode. `install_shutdown_handler()` makes
SIGTERM and SIGINT wait for in-flight requests, flush the producer and exit the process.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from typing import Any
from urllib.parse import urlencode

from robyn import Headers, Response, Robyn

from int_hubspot.config.settings import Settings
from int_hubspot_service.app import Gateway
from int_hubspot_service.http import HttpRequest, HttpResponse

__all__ = ["build_robyn_app", "install_shutdown_handler"]

log = logging.getLogger(__name__)

ROUTES = (("POST", "/webhooks"), ("GET", "/health"), ("GET", "/ready"), ("GET", "/metrics"))
# Routes of the OAuth module; the gateway returns 404 on them when OAuth is off.
OAUTH_ROUTES = (
    ("GET", "/oauth/install"),
    ("GET", "/oauth/callback"),
    ("GET", "/tenants/:portal_id"),
    ("DELETE", "/tenants/:portal_id"),
)


class _InFlight:
    """Counts requests being handled, so shutdown can wait for them."""

    def __init__(self) -> None:
        self.count = 0


def build_robyn_app(settings: Settings) -> tuple[Robyn, Gateway, _InFlight]:
    """Return a Robyn application serving the gateway routes, its `Gateway` and in-flight counter."""
    robyn = Robyn(__file__)
    gateway = Gateway(settings)
    in_flight = _InFlight()
    warned_about_query = False

    @robyn.startup_handler
    def startup() -> None:
        gateway.start()
        log.warning(
            "Robyn buffers whole request bodies before the %d-byte limit is checked; "
            "put it behind a proxy that limits body size, or use INT_HUBSPOT_SERVER=granian",
            settings.max_body_bytes,
        )

    @robyn.shutdown_handler
    def shutdown() -> None:
        gateway.stop()

    async def handle(request: Any) -> Response:
        nonlocal warned_about_query
        received_at_ms = int(time.time() * 1000)

        body = request.body
        if isinstance(body, str):
            # Robyn hands over valid UTF-8 as str; encoding it back gives the exact bytes HubSpot signed.
            body = body.encode()
        if request.query_params.to_dict() and not warned_about_query:
            warned_about_query = True
            log.warning(
                "Robyn cannot rebuild a raw query string, so requests with one fail signature checks; "
                "use a HubSpot target URL without a query string or run with INT_HUBSPOT_SERVER=granian"
            )

        # Only the webhook signature needs the raw query; other routes get one rebuilt from Robyn's map.
        query = "" if request.url.path == "/webhooks" else _rebuild_query(request.query_params.to_dict())
        http_request = HttpRequest(
            request.method,
            request.url.path,
            query,
            request.headers,
            body,
            received_at_ms,
            request.ip_addr or "",
        )
        in_flight.count += 1
        try:
            response = await gateway.dispatch(http_request)
        finally:
            in_flight.count -= 1
        return _to_robyn(response)

    for method, path in ROUTES + OAUTH_ROUTES:
        robyn.add_route(method, path, handle, include_in_schema=False)
    return robyn, gateway, in_flight


def install_shutdown_handler(gateway: Gateway, in_flight: _InFlight) -> None:
    """Make SIGTERM and SIGINT drain in-flight requests, flush the producer and exit with status 0.

    Must run in the main thread before the server starts. The wait is bounded by the ack timeout
    plus two seconds, after which requests still waiting have already received a 503 response.
    """

    def drain_and_exit() -> None:
        deadline = time.monotonic() + gateway.settings.ack_timeout_ms / 1000 + 2.0
        while in_flight.count > 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        if in_flight.count > 0:
            log.warning("%d request(s) still in flight at shutdown", in_flight.count)
        gateway.stop()
        logging.shutdown()
        os._exit(0)

    def on_signal(signum: int, _frame: object) -> None:
        log.info("received %s; draining and stopping", signal.Signals(signum).name)
        threading.Thread(target=drain_and_exit, name="robyn-shutdown", daemon=True).start()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)


def _rebuild_query(params: dict[str, list[str]]) -> str:
    return urlencode([(name, value) for name, values in params.items() for value in values])


def _to_robyn(response: HttpResponse) -> Response:
    headers = Headers({})
    for name, value in response.headers:
        headers.set(name, value)
    return Response(status_code=response.status, headers=headers, description=response.body)
