"""A rolling-window limiter: at most `limit` requests in any `interval_s` seconds.

HubSpot counts an OAuth app's calls per portal in a rolling 10 s window (policy `TEN_SECONDLY_ROLLING`).
A token bucket with a full window's worth of tokens does not fit that rule. After it empties its burst
of 100, it refills at 10 per second, so it admits up to about 200 requests in one 10 s window.
This limiter keeps the start time of every request still inside the window instead, so it never admits
more than `limit` in any window of `interval_s` seconds on its own clock.

All times are seconds on one monotonic clock that the caller passes in.
"""

from __future__ import annotations

from collections import deque

__all__ = ["RollingWindow"]


class RollingWindow:
    """Start times of the requests inside the last `interval_s` seconds, at most `limit` of them."""

    __slots__ = ("_started", "blocked_until_s", "interval_s", "limit")

    def __init__(self, limit: int, interval_s: float) -> None:
        _check(limit, interval_s)
        self.limit = limit
        self.interval_s = interval_s
        self.blocked_until_s = 0.0
        # Ascending start times; entries added by `drain_to` represent requests this process never saw.
        self._started: deque[float] = deque()

    def take(self, now_s: float) -> float:
        """Count one request started at `now_s` and return 0.0, or return the seconds to wait first.

        Nothing is counted when a wait is returned; the caller sleeps and calls `take` again.
        """
        self._expire(now_s)
        if now_s < self.blocked_until_s:
            return self.blocked_until_s - now_s
        if len(self._started) < self.limit:
            self._started.append(now_s)
            return 0.0
        # The window has room again once the request at index len - limit has left it.
        oldest_to_leave = self._started[len(self._started) - self.limit]
        return max(oldest_to_leave + self.interval_s - now_s, 0.0)

    def remaining(self, now_s: float) -> int:
        """Return how many requests `take` would admit at `now_s` without waiting."""
        self._expire(now_s)
        if now_s < self.blocked_until_s:
            return 0
        return max(self.limit - len(self._started), 0)

    def drain_to(self, remaining: int, now_s: float) -> int:
        """Lower the requests left in the window to `remaining` if more are left; return the count removed.

        The removed capacity is recorded as requests started at `now_s`, which is the latest they can
        have started, so it frees up no earlier than the requests it represents.
        """
        excess = self.remaining(now_s) - max(remaining, 0)
        for _ in range(max(excess, 0)):
            self._started.append(now_s)
        return max(excess, 0)

    def block_until(self, until_s: float) -> None:
        """Admit nothing before `until_s` (after a 429); an earlier block is never shortened."""
        self.blocked_until_s = max(self.blocked_until_s, until_s)

    def reconfigure(self, limit: int, interval_s: float) -> None:
        """Change the limit or interval; the requests already counted stay in the window."""
        _check(limit, interval_s)
        self.limit = limit
        self.interval_s = interval_s

    def idle(self, now_s: float) -> bool:
        """Return True when forgetting this window changes nothing: it is empty and not blocked."""
        self._expire(now_s)
        return not self._started and now_s >= self.blocked_until_s

    def _expire(self, now_s: float) -> None:
        started = self._started
        while started and started[0] + self.interval_s <= now_s:
            started.popleft()


def _check(limit: int, interval_s: float) -> None:
    if limit < 1:
        raise ValueError(f"limit {limit} must be at least 1")
    if interval_s <= 0:
        raise ValueError(f"interval_s {interval_s} must be positive")
