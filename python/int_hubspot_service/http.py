"""Server-neutral HTTP request and response types shared by the front ends and the route handlers.

The Granian and Robyn adapters translate their own request objects into `HttpRequest` and write an
`HttpResponse` back, so route handlers never see either server's API.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class HttpRequest:
    """One HTTP request as the route handlers see it."""

    method: str
    path: str  # as received, without the query string
    query: str  # raw query string without the leading "?", "" when absent
    headers: Mapping[str, str]  # lower-case names
    body: bytes
    received_at_ms: int
    client: str = ""

    def header(self, name: str) -> str | None:
        """Return the value of header `name` (case-insensitive), or None when absent."""
        return self.headers.get(name.lower())

    def __repr__(self) -> str:
        # The body and headers may carry secrets or personal data: never print them.
        return f"HttpRequest({self.method} {self.path}, {len(self.body)} body bytes)"


@dataclass(slots=True)
class HttpResponse:
    """One HTTP response; `headers` is a list of (name, value) pairs."""

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""


Handler = Callable[[HttpRequest], Awaitable[HttpResponse]]


@dataclass(frozen=True, slots=True)
class Route:
    """A handler for one method and either an exact path or, with `prefix=True`, a path prefix."""

    method: str
    path: str
    handler: Handler
    prefix: bool = False

    def matches(self, method: str, path: str) -> bool:
        """Return True when this route serves `method` on `path`."""
        if method != self.method:
            return False
        if self.prefix:
            return path.startswith(self.path)
        return path == self.path
