"""The rolling window and the per-portal limiter, on a clock the tests advance by hand."""

from __future__ import annotations

import pytest

from int_hubspot.ratelimit import (
    GENERAL,
    SEARCH,
    PortalLimiter,
    PortalLimits,
    RateLimitHeaders,
    RollingWindow,
    TokenBucket,
)


def admitted_in(window: RollingWindow, start_s: float, end_s: float, step_s: float) -> list[float]:
    """Call `take` every `step_s` from `start_s` to `end_s` and return the times it admitted a request."""
    admitted = []
    now = start_s
    while now < end_s:
        if window.take(now) == 0.0:
            admitted.append(now)
        now = round(now + step_s, 6)
    return admitted


def max_in_any_window(times: list[float], interval_s: float) -> int:
    return max(sum(1 for other in times if start <= other < start + interval_s) for start in times)


def test_window_burst_then_waits() -> None:
    window = RollingWindow(100, 10.0)
    waits = [window.take(0.0) for _ in range(100)]
    assert waits == [0.0] * 100
    assert window.take(0.0) == 10.0
    assert window.take(4.0) == 6.0
    assert window.remaining(4.0) == 0


def test_window_frees_oldest_first() -> None:
    window = RollingWindow(3, 10.0)
    for now in (0.0, 2.0, 5.0):
        assert window.take(now) == 0.0
    assert window.take(6.0) == 4.0
    assert window.take(10.0) == 0.0
    assert window.take(10.5) == 1.5
    assert window.remaining(15.0) == 2


def test_window_never_exceeds_limit() -> None:
    window = RollingWindow(100, 10.0)
    admitted = admitted_in(window, 0.0, 60.0, 0.01)
    assert max_in_any_window(admitted, 10.0) == 100
    assert len(admitted) == 600


def test_token_bucket_would_exceed_window() -> None:
    """The reason for a rolling window: a full-burst token bucket admits about twice the limit."""
    bucket = TokenBucket(rate=10.0, burst=100.0, now_s=0.0)
    admitted = []
    now = 0.0
    while now < 10.0:
        if bucket.take(1.0, now) == 0.0:
            admitted.append(now)
        now = round(now + 0.01, 6)
    assert len(admitted) > 190


def test_window_drain_to() -> None:
    window = RollingWindow(100, 10.0)
    for _ in range(10):
        window.take(0.0)
    assert window.drain_to(50, 1.0) == 40
    assert window.remaining(1.0) == 50
    assert window.drain_to(70, 1.0) == 0
    assert window.remaining(1.0) == 50
    assert window.drain_to(-3, 1.0) == 50
    assert window.remaining(1.0) == 0
    # The ten real requests leave at 10 s, the drained ones at 11 s.
    assert window.remaining(10.0) == 10
    assert window.remaining(11.0) == 100


def test_window_block_until() -> None:
    window = RollingWindow(100, 10.0)
    window.block_until(10.0)
    window.block_until(5.0)
    assert window.take(2.0) == 8.0
    assert window.remaining(9.9) == 0
    assert window.take(10.0) == 0.0
    assert window.idle(10.0) is False
    assert window.idle(20.0) is True


def test_window_lower_limit_waits() -> None:
    window = RollingWindow(10, 10.0)
    for now in range(10):
        window.take(float(now))
    window.reconfigure(5, 10.0)
    # Ten requests are in the window; a sixth slot opens when the sixth oldest (at 5 s) leaves.
    assert window.take(10.0) == 5.0


@pytest.mark.parametrize(("limit", "interval_s"), [(0, 10.0), (5, 0.0), (5, -1.0)])
def test_window_rejects_invalid(limit: int, interval_s: float) -> None:
    with pytest.raises(ValueError, match="must be"):
        RollingWindow(limit, interval_s)


def test_limiter_portals_independent() -> None:
    limiter = PortalLimiter(PortalLimits())
    for _ in range(100):
        assert limiter.take("1", GENERAL, 0.0) == 0.0
    assert limiter.take("1", GENERAL, 0.0) > 0.0
    assert limiter.take("2", GENERAL, 0.0) == 0.0
    assert limiter.remaining("2", GENERAL, 0.0) == 99


def test_limiter_search_separate() -> None:
    limiter = PortalLimiter(PortalLimits())
    for _ in range(100):
        limiter.take("1", GENERAL, 0.0)
    assert limiter.remaining("1", GENERAL, 0.0) == 0
    # Searches are spaced evenly: one per 0.25 s at 4 per second, while the general window is empty.
    assert limiter.take("1", SEARCH, 0.0) == 0.0
    assert limiter.take("1", SEARCH, 0.0) == 0.25
    assert limiter.take("1", SEARCH, 0.25) == 0.0


def test_search_burst_stays_under_five() -> None:
    limiter = PortalLimiter(PortalLimits())
    admitted = []
    now = 0.0
    while now < 5.0:
        if limiter.take("1", SEARCH, now) == 0.0:
            admitted.append(now)
        now = round(now + 0.05, 6)
    assert max_in_any_window(admitted, 1.0) == 4


def test_margin_absorbs_latency_skew() -> None:
    """A first burst delayed by 0.4 s and a second burst on time stay within HubSpot's 110 per 10 s."""
    limiter = PortalLimiter(PortalLimits())
    hubspot = RollingWindow(110, 10.0)
    now = 0.0
    limited = 0
    while now < 40.0:
        if limiter.take("1", GENERAL, now) == 0.0:
            delay = 0.4 if now < 1.0 else 0.0
            limited += hubspot.take(now + delay) > 0.0
        now = round(now + 0.01, 6)
    assert limited == 0


def test_search_skew_within_five() -> None:
    """Evenly spaced searches with up to 0.2 s of arrival skew stay within HubSpot's 5 per second."""
    limiter = PortalLimiter(PortalLimits())
    arrivals = []
    now = 0.0
    count = 0
    while now < 10.0:
        if limiter.take("1", SEARCH, now) == 0.0:
            arrivals.append(now + (0.2 if count % 2 == 0 else 0.0))
            count += 1
        now = round(now + 0.01, 6)
    assert max_in_any_window(sorted(arrivals), 1.0) <= 5


def test_headers_parse() -> None:
    headers = {
        "X-HubSpot-RateLimit-Max": "110",
        "X-HubSpot-RateLimit-Remaining": "37",
        "x-hubspot-ratelimit-interval-milliseconds": "10000",
    }
    assert RateLimitHeaders.parse(headers) == RateLimitHeaders(110, 37, 10_000)
    assert RateLimitHeaders.parse({"Content-Type": "application/json"}) is None
    assert RateLimitHeaders.parse({"X-HubSpot-RateLimit-Remaining": "-1"}) is None
    partial = {"X-HubSpot-RateLimit-Max": "many", "X-HubSpot-RateLimit-Remaining": "3"}
    assert RateLimitHeaders.parse(partial) == RateLimitHeaders(remaining=3)


def test_remaining_header_drains() -> None:
    limiter = PortalLimiter(PortalLimits())
    for _ in range(10):
        limiter.take("1", GENERAL, 0.0)
    # Another client used 60 of HubSpot's 110; this process believes 90 are left.
    drained = limiter.observe("1", RateLimitHeaders(110, 40, 10_000), in_flight=0, now_s=0.5)
    assert drained == 50
    assert limiter.remaining("1", GENERAL, 0.5) == 40


def test_remaining_header_counts_in_flight() -> None:
    limiter = PortalLimiter(PortalLimits())
    for _ in range(10):
        limiter.take("1", GENERAL, 0.0)
    drained = limiter.observe("1", RateLimitHeaders(110, 40, 10_000), in_flight=5, now_s=0.5)
    assert drained == 55
    assert limiter.remaining("1", GENERAL, 0.5) == 35


def test_remaining_header_never_adds() -> None:
    limiter = PortalLimiter(PortalLimits())
    for _ in range(50):
        limiter.take("1", GENERAL, 0.0)
    # HubSpot's 110 leave more room than this process's 100: the local count stays.
    assert limiter.observe("1", RateLimitHeaders(110, 60, 10_000), in_flight=0, now_s=0.1) == 0
    assert limiter.remaining("1", GENERAL, 0.1) == 50


def test_single_client_never_drained() -> None:
    """Alone on a portal, HubSpot's count matches this process's, so headers never drain it."""
    limiter = PortalLimiter(PortalLimits())
    hubspot = RollingWindow(110, 10.0)
    now = 0.0
    drained = 0
    while now < 30.0:
        if limiter.take("1", GENERAL, now) == 0.0:
            assert hubspot.take(now) == 0.0
            headers = RateLimitHeaders(110, hubspot.remaining(now), 10_000)
            drained += limiter.observe("1", headers, in_flight=0, now_s=now)
        now = round(now + 0.02, 6)
    assert drained == 0


def test_max_header_lowers_limit() -> None:
    limiter = PortalLimiter(PortalLimits())
    limiter.observe("1", RateLimitHeaders(max=50), in_flight=0, now_s=0.0)
    assert limiter.remaining("1", GENERAL, 0.0) == 50
    limiter.observe("1", RateLimitHeaders(max=110), in_flight=0, now_s=0.0)
    assert limiter.remaining("1", GENERAL, 0.0) == 100


def test_interval_header_adopted() -> None:
    limiter = PortalLimiter(PortalLimits())
    limiter.observe("1", RateLimitHeaders(interval_ms=2_000), in_flight=0, now_s=0.0)
    # HubSpot's 2 s plus the 0.5 s margin.
    assert limiter.interval_s("1", GENERAL) == 2.5
    limiter.observe("1", RateLimitHeaders(interval_ms=5), in_flight=0, now_s=0.0)
    assert limiter.interval_s("1", GENERAL) == 2.5
    assert limiter.interval_s("1", SEARCH) == 0.25


def test_block_after_429() -> None:
    limiter = PortalLimiter(PortalLimits())
    limiter.take("1", GENERAL, 0.0)
    limiter.block("1", GENERAL, 10.0)
    assert limiter.take("1", GENERAL, 3.0) == 7.0
    assert limiter.take("1", SEARCH, 3.0) == 0.0
    assert limiter.take("2", GENERAL, 3.0) == 0.0
    assert limiter.take("1", GENERAL, 10.0) == 0.0


def test_limiter_forgets_least_recent() -> None:
    limiter = PortalLimiter(PortalLimits(general_limit=1), max_portals=2)
    limiter.take("1", GENERAL, 0.0)
    limiter.take("2", GENERAL, 0.0)
    limiter.take("1", GENERAL, 0.0)
    limiter.take("3", GENERAL, 0.0)
    assert len(limiter) == 2
    assert limiter.remaining("1", GENERAL, 0.0) == 0
    assert limiter.remaining("2", GENERAL, 0.0) == 1


def test_limits_reject_invalid() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        PortalLimits(general_limit=0)
    with pytest.raises(ValueError, match="positive"):
        PortalLimits(search_interval_s=0.0)
    with pytest.raises(ValueError, match="negative"):
        PortalLimits(general_margin_s=-1.0)
