"""Small HTML pages of the install flow; every value shown is HTML-escaped and no token is ever shown."""

from __future__ import annotations

import html

from int_hubspot_service.http import HttpResponse

__all__ = ["html_page"]

_HEADERS = [
    ("content-type", "text/html; charset=utf-8"),
    ("cache-control", "no-store"),
    ("content-security-policy", "default-src 'none'; style-src 'unsafe-inline'"),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
]


def html_page(
    status: int, title: str, message: str, extra_headers: list[tuple[str, str]] | None = None
) -> HttpResponse:
    """Return a minimal HTML page with `title` and `message` (both escaped here)."""
    body = (
        "<!doctype html><html lang=en><meta charset=utf-8>"
        f"<title>{html.escape(title)}</title>"
        "<body style='font-family:sans-serif;max-width:40em;margin:3em auto'>"
        f"<h1>{html.escape(title)}</h1><p>{html.escape(message)}</p></body></html>"
    )
    return HttpResponse(status, [*_HEADERS, *(extra_headers or [])], body.encode())
