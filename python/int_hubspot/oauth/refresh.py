"""When to refresh an access token and how long to wait between failed attempts.

Both functions take the random draw as an argument (a float in [0, 1)), so they stay deterministic and
the caller decides where randomness comes from.
"""

from __future__ import annotations

__all__ = ["backoff_delay_s", "refresh_due_at"]

# Up to this fraction of the refresh margin is added at random, so tenants installed at the same moment
# do not all refresh at the same moment.
JITTER_FRACTION = 0.2


def refresh_due_at(expires_at: float, margin_s: float, random_unit: float) -> float:
    """Return the time (same clock as `expires_at`) from which the access token should be refreshed.

    The token is refreshed between `margin_s` and `margin_s * (1 + JITTER_FRACTION)` seconds before it
    expires.
    """
    if not 0.0 <= random_unit < 1.0:
        raise ValueError(f"random_unit {random_unit} is outside [0, 1)")
    return expires_at - margin_s * (1.0 + JITTER_FRACTION * random_unit)


def backoff_delay_s(attempt: int, base_s: float, cap_s: float, random_unit: float) -> float:
    """Return the wait before retry `attempt` (1 for the first retry): exponential with equal jitter.

    The ceiling doubles with each attempt from `base_s` up to `cap_s`. The wait is at least half the
    ceiling, so waits grow with every attempt, and the other half is drawn at random, which spreads the
    retries of many callers over time.
    """
    if attempt < 1:
        raise ValueError(f"attempt {attempt} must be 1 or more")
    if not 0.0 <= random_unit < 1.0:
        raise ValueError(f"random_unit {random_unit} is outside [0, 1)")
    ceiling = min(cap_s, base_s * 2.0 ** min(attempt - 1, 30))
    return ceiling / 2.0 + ceiling / 2.0 * random_unit
