"""Outbound rate limits per HubSpot portal: a general window and a separate search window.

HubSpot allows an installed OAuth app 110 requests per rolling 10 s per portal and reports the state
of that window in `X-HubSpot-RateLimit-Max`, `-Remaining` and `-Interval-Milliseconds`. The CRM search
endpoints are outside that limit. They have their own limit of 5 requests per second, and their
responses carry none of those headers. The defaults here stay below both limits (100 per 10 s and 4 per
second).

Requests reach HubSpot later than they start here, by a delay that varies. When a burst sent at the
start of a window reaches HubSpot later than the burst sent one interval afterwards, HubSpot counts
both in one window. Two measures keep that from causing 429s:
- the general window is `general_margin_s` longer than HubSpot's interval;
- searches are spaced evenly (one per `search_interval_s / search_limit`) instead of in bursts,
  because the 1 s search window leaves only one request of headroom.

The limits hold for one `PortalLimiter`, so for one process. Processes that share a portal must split
the budget between them (see docs/hubspot-api.md).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from int_hubspot.ratelimit.window import RollingWindow

__all__ = [
    "GENERAL",
    "HUBSPOT_LIMIT_PER_10S",
    "HUBSPOT_SEARCH_LIMIT_PER_S",
    "SEARCH",
    "LimitKind",
    "PortalLimiter",
    "PortalLimits",
    "RateLimitHeaders",
]

LimitKind = Literal["general", "search"]
GENERAL: LimitKind = "general"
SEARCH: LimitKind = "search"

# HubSpot's documented limits for OAuth apps, per portal.
HUBSPOT_LIMIT_PER_10S = 110
HUBSPOT_SEARCH_LIMIT_PER_S = 5

# Interval headers outside this range are ignored as implausible.
MIN_INTERVAL_MS = 100
MAX_INTERVAL_MS = 60_000

MAX_HEADER = "x-hubspot-ratelimit-max"
REMAINING_HEADER = "x-hubspot-ratelimit-remaining"
INTERVAL_HEADER = "x-hubspot-ratelimit-interval-milliseconds"


@dataclass(frozen=True)
class PortalLimits:
    """Configured budget of one process for each portal: requests per interval, general and search."""

    general_limit: int = 100
    general_interval_s: float = 10.0
    # NOTE: an estimate of how much HubSpot's request latency varies, not a measured value.
    general_margin_s: float = 0.5
    search_limit: int = 4
    search_interval_s: float = 1.0

    def __post_init__(self) -> None:
        if self.general_limit < 1 or self.search_limit < 1:
            raise ValueError(f"limits must be at least 1: {self}")
        if self.general_interval_s <= 0 or self.search_interval_s <= 0:
            raise ValueError(f"intervals must be positive: {self}")
        if self.general_margin_s < 0:
            raise ValueError(f"general_margin_s must not be negative: {self}")


@dataclass(frozen=True)
class RateLimitHeaders:
    """HubSpot's `X-HubSpot-RateLimit-*` values of one response; None where a header is missing or invalid."""

    max: int | None = None
    remaining: int | None = None
    interval_ms: int | None = None

    @classmethod
    def parse(cls, headers: Mapping[str, str]) -> RateLimitHeaders | None:
        """Read the headers (names in any case); return None when the response carries none of them."""
        lowered = {name.lower(): value for name, value in headers.items()}
        values = [
            _non_negative_int(lowered.get(name)) for name in (MAX_HEADER, REMAINING_HEADER, INTERVAL_HEADER)
        ]
        if all(value is None for value in values):
            return None
        return cls(*values)


class _PortalWindows:
    __slots__ = ("general", "search")

    def __init__(self, limits: PortalLimits) -> None:
        self.general = RollingWindow(
            limits.general_limit, limits.general_interval_s + limits.general_margin_s
        )
        self.search = RollingWindow(1, limits.search_interval_s / limits.search_limit)

    def of(self, kind: LimitKind) -> RollingWindow:
        return self.search if kind == SEARCH else self.general


class PortalLimiter:
    """A general and a search `RollingWindow` per portal, corrected by HubSpot's headers.

    At most `max_portals` portals are kept. The least recently used one is forgotten beyond that, and a
    forgotten portal starts again with an empty window.
    """

    def __init__(self, limits: PortalLimits, max_portals: int = 10_000) -> None:
        self.limits = limits
        self.max_portals = max_portals
        self._portals: OrderedDict[str, _PortalWindows] = OrderedDict()

    def take(self, portal_id: str, kind: LimitKind, now_s: float) -> float:
        """Count one request of `portal_id` and return 0.0, or return the seconds to wait first."""
        return self._windows(portal_id).of(kind).take(now_s)

    def remaining(self, portal_id: str, kind: LimitKind, now_s: float) -> int:
        """Return how many requests `portal_id` may start at `now_s` without waiting."""
        return self._windows(portal_id).of(kind).remaining(now_s)

    def interval_s(self, portal_id: str, kind: LimitKind) -> float:
        """Return the current window length with its margin; HubSpot's interval header may change it."""
        return self._windows(portal_id).of(kind).interval_s

    def block(self, portal_id: str, kind: LimitKind, until_s: float) -> None:
        """Admit no request of this kind for `portal_id` before `until_s`, for example after a 429."""
        self._windows(portal_id).of(kind).block_until(until_s)

    def observe(self, portal_id: str, headers: RateLimitHeaders, in_flight: int, now_s: float) -> int:
        """Correct the general window of `portal_id` from HubSpot's headers; return the count drained.

        - `Max` lowers the limit when HubSpot's limit is below the configured one, and the configured
          limit applies again once `Max` is back above it.
        - `Interval-Milliseconds` plus `general_margin_s` replaces the window length.
        - `Remaining` is what HubSpot still allows. It does not yet count the `in_flight` requests that
          this process started after the observed one. When `Remaining - in_flight` is below the local
          remaining count, other clients of the portal are using the budget, so the window is drained
          to match.
        """
        window = self._windows(portal_id).general
        limit = self.limits.general_limit
        if headers.max is not None and headers.max > 0:
            limit = min(limit, headers.max)
        interval_s = window.interval_s
        if headers.interval_ms is not None and MIN_INTERVAL_MS <= headers.interval_ms <= MAX_INTERVAL_MS:
            interval_s = headers.interval_ms / 1000 + self.limits.general_margin_s
        if (limit, interval_s) != (window.limit, window.interval_s):
            window.reconfigure(limit, interval_s)
        if headers.remaining is None:
            return 0
        return window.drain_to(headers.remaining - max(in_flight, 0), now_s)

    def __len__(self) -> int:
        return len(self._portals)

    def _windows(self, portal_id: str) -> _PortalWindows:
        windows = self._portals.get(portal_id)
        if windows is None:
            windows = _PortalWindows(self.limits)
            self._portals[portal_id] = windows
            if len(self._portals) > self.max_portals:
                # NOTE: this drops the least recently used portal even if its window is not empty
                # yet, which takes more than `max_portals` portals active within one window.
                self._portals.popitem(last=False)
        else:
            self._portals.move_to_end(portal_id)
        return windows


def _non_negative_int(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        number = int(value.strip())
    except ValueError:
        return None
    return number if number >= 0 else None
