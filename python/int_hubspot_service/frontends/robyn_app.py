"""Robyn front end: the same gateway behind Robyn's router.

Robyn 0.88 limits which HubSpot target URLs can be verified, because it cannot give back the exact
URI HubSpot signed:
- it offers no raw query string (only a parsed, reordered map), so the target URL must not have a
  query string;
- it drops a trailing slash from the path, so the target URL must not end with "/".
Requests that break either rule fail signature verification with 401. Use Granian (the default)
for such target URLs.
"""

from __future__ import annotations

import logging
import time
from typing import Any
from urllib.parse import urlencode

from robyn import Headers, Response, Robyn

from int_hubspot.config.settings import Settings
from int_hubspot_service.app import Gateway
from int_hubspot_service.http import HttpRequest, HttpResponse

__all__ = ["build_robyn_app"]

log = logging.getLogger(__name__)

ROUTES = (("POST", "/webhooks"), ("GET", "/health"), ("GET", "/ready"), ("GET", "/metrics"))
# Routes of the OAuth module; the gateway returns 404 on them when OAuth is off.
OAUTH_ROUTES = (
    ("GET", "/oauth/install"),
    ("GET", "/oauth/callback"),
    ("GET", "/tenants/:portal_id"),
    ("DELETE", "/tenants/:portal_id"),
)


def build_robyn_app(settings: Settings) -> Robyn:
    """Return a Robyn application serving the gateway routes; one `Gateway` per Robyn process."""
    robyn = Robyn(__file__)
    gateway = Gateway(settings)
    warned_about_query = False

    @robyn.startup_handler
    def startup() -> None:
        gateway.start()

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
        response = await gateway.dispatch(http_request)
        return _to_robyn(response)

    for method, path in ROUTES + OAUTH_ROUTES:
        robyn.add_route(method, path, handle, include_in_schema=False)
    return robyn


def _rebuild_query(params: dict[str, list[str]]) -> str:
    return urlencode([(name, value) for name, values in params.items() for value in values])


def _to_robyn(response: HttpResponse) -> Response:
    headers = Headers({})
    for name, value in response.headers:
        headers.set(name, value)
    return Response(status_code=response.status, headers=headers, description=response.body)
