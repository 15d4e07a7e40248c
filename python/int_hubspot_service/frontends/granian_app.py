"""Granian RSGI front end: translates RSGI scopes into `HttpRequest` and back.

Granian calls `__rsgi_init__` once per worker process, so each worker owns one `Gateway` and one
Kafka producer. RSGI hands over the raw query string but a percent-decoded path; `signed_uri()`
re-escapes what cannot stand in a URI.
"""

from __future__ import annotations

import asyncio
import os
import time
from typing import Any

from int_hubspot.config.settings import load_settings
from int_hubspot_service.app import Gateway
from int_hubspot_service.http import HttpRequest, HttpResponse
from int_hubspot_service.logs import configure_logging
from int_hubspot_service.telemetry.metrics import UNMATCHED_ROUTE

__all__ = ["RsgiApplication", "app"]


class RsgiApplication:
    """The RSGI application object Granian loads as `int_hubspot_service.frontends.granian_app:app`."""

    def __init__(self) -> None:
        self.gateway: Gateway | None = None

    def __rsgi_init__(self, _loop: asyncio.AbstractEventLoop) -> None:
        settings = load_settings(os.environ)
        configure_logging(settings.log_level, settings.client_secrets.values)
        self.gateway = Gateway(settings)
        self.gateway.start()

    def __rsgi_del__(self, _loop: asyncio.AbstractEventLoop) -> None:
        if self.gateway is not None:
            self.gateway.stop()

    async def __rsgi__(self, scope: Any, proto: Any) -> None:
        if scope.proto != "http":
            return
        gateway = self.gateway
        assert gateway is not None, "Granian did not call __rsgi_init__"
        received_at_ms = int(time.time() * 1000)

        headers = scope.headers
        body = await _read_body(proto, headers.get("content-length"), gateway.settings.max_body_bytes)
        if body is None:
            response = HttpResponse(
                413, [("content-type", "application/json")], b'{"error":"body_too_large"}'
            )
            gateway.metrics.count_request(scope.path if scope.path == "/webhooks" else UNMATCHED_ROUTE, 413)
        else:
            request = HttpRequest(
                scope.method, scope.path, scope.query_string, headers, body, received_at_ms, scope.client
            )
            response = await gateway.dispatch(request)

        if response.body:
            proto.response_bytes(response.status, response.headers, response.body)
        else:
            proto.response_empty(response.status, response.headers)


async def _read_body(proto: Any, content_length: str | None, limit: int) -> bytes | None:
    """Read the request body; return None as soon as it is known to exceed `limit` bytes."""
    if content_length is not None and content_length.isdigit():
        if int(content_length) > limit:
            return None
        body: bytes = await proto()
        return body

    # Without Content-Length (chunked), read chunk by chunk so an endless body cannot exhaust memory.
    chunks: list[bytes] = []
    size = 0
    async for chunk in proto:
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


app = RsgiApplication()
