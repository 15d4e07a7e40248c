"""Whether and when to repeat a HubSpot API call after a failed attempt.

`decide_retry` is pure: the caller passes the attempt's outcome, the attempt number, the current window
length and a random draw, and gets back a `RetryDecision`. The rules:

- 429: wait `Retry-After` when HubSpot sends one. Otherwise wait 1 s for the `SECONDLY` policy (search)
  and one full window for any other policy (`TEN_SECONDLY_ROLLING`: 10 s), so the rolling window has
  passed. The wait applies to the whole portal. `DAILY` is not retried, because that limit resets only
  at midnight in the portal's time zone.
- 423 Locked: HubSpot's locks last 2 s, so wait at least that long.
- 477 Migration in Progress: wait `Retry-After` (HubSpot sends one).
- 5xx and network errors: exponential backoff with equal jitter, for idempotent requests only, because
  HubSpot may have applied a request that failed this way. A connection that was never established is
  retried for every method, since HubSpot saw nothing.
- 401 with category `EXPIRED_AUTHENTICATION`: refresh the access token once and repeat. Any other
  401 means the token is invalid or revoked, and a refresh cannot fix that.
- Every other 4xx is final.

No wait longer than `max_wait_s` is taken inside a call, and no call makes more than `max_attempts`
attempts. The error then carries `Retry-After` for the caller to schedule its own retry.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import Enum

from int_hubspot.hubspot_api.error_body import ApiErrorBody
from int_hubspot.oauth.refresh import backoff_delay_s

__all__ = [
    "ApiRetryPolicy",
    "AttemptOutcome",
    "RetryAction",
    "RetryDecision",
    "decide_retry",
    "parse_retry_after",
]

EXPIRED_AUTHENTICATION = "EXPIRED_AUTHENTICATION"
POLICY_SECONDLY = "SECONDLY"
POLICY_DAILY = "DAILY"


class RetryAction(Enum):
    """Next step of the client after a failed attempt."""

    RETRY = "retry"
    REFRESH_TOKEN = "refresh_token"  # noqa: S105 - an action name, not a secret
    FAIL = "fail"


@dataclass(frozen=True)
class RetryDecision:
    """The action after a failed attempt, the wait before the next attempt and the reason, for logs."""

    action: RetryAction
    reason: str
    delay_s: float = 0.0
    # True when the wait applies to every request of the portal (a rate limit), not only this one.
    portal_wide: bool = False


@dataclass(frozen=True)
class ApiRetryPolicy:
    """Attempt count and waits of the HubSpot API client."""

    max_attempts: int = 4
    backoff_base_s: float = 0.5
    backoff_cap_s: float = 8.0
    max_wait_s: float = 60.0
    locked_wait_s: float = 2.0
    secondly_wait_s: float = 1.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError(f"max_attempts {self.max_attempts} must be at least 1")
        if not 0 < self.backoff_base_s <= self.backoff_cap_s:
            raise ValueError(f"need 0 < backoff_base_s ({self.backoff_base_s}) <= backoff_cap_s")


@dataclass(frozen=True)
class AttemptOutcome:
    """The result of one failed attempt; `status` is None when no response arrived."""

    status: int | None
    error: ApiErrorBody = field(default_factory=ApiErrorBody)
    retry_after_s: float | None = None
    # For network errors: False when the connection failed before the request was sent.
    request_sent: bool = True


def decide_retry(
    policy: ApiRetryPolicy,
    outcome: AttemptOutcome,
    *,
    attempt: int,
    refreshed: bool,
    idempotent: bool,
    window_interval_s: float,
    random_unit: float,
) -> RetryDecision:
    """Decide what follows failed attempt number `attempt` (1 for the first).

    `refreshed` is True once the token was refreshed for this call, `window_interval_s` is the length
    of the rate-limit window the request counts against, and `random_unit` is a draw from [0, 1).
    """
    backoff = backoff_delay_s(attempt, policy.backoff_base_s, policy.backoff_cap_s, random_unit)
    decision = _decide(
        policy,
        outcome,
        refreshed=refreshed,
        idempotent=idempotent,
        window_interval_s=window_interval_s,
        backoff=backoff,
    )
    if decision.action is RetryAction.FAIL:
        return decision
    if attempt >= policy.max_attempts:
        return RetryDecision(RetryAction.FAIL, f"{decision.reason}; gave up after {attempt} attempts")
    if decision.delay_s > policy.max_wait_s:
        return RetryDecision(
            RetryAction.FAIL,
            f"{decision.reason}; the wait of {decision.delay_s:g} s exceeds "
            f"the maximum of {policy.max_wait_s:g} s",
        )
    return decision


def _decide(
    policy: ApiRetryPolicy,
    outcome: AttemptOutcome,
    *,
    refreshed: bool,
    idempotent: bool,
    window_interval_s: float,
    backoff: float,
) -> RetryDecision:
    status = outcome.status
    error = outcome.error

    if status is None:
        if outcome.request_sent and not idempotent:
            return RetryDecision(RetryAction.FAIL, "network error after the request was sent; not idempotent")
        return RetryDecision(RetryAction.RETRY, "network error", backoff)

    if status == 429:
        if error.policy_name == POLICY_DAILY:
            return RetryDecision(
                RetryAction.FAIL, "daily limit reached; it resets at midnight in the portal's time zone"
            )
        if outcome.retry_after_s is not None:
            wait = outcome.retry_after_s
        elif error.policy_name == POLICY_SECONDLY:
            wait = policy.secondly_wait_s
        else:
            wait = window_interval_s
        return RetryDecision(
            RetryAction.RETRY, f"rate limited ({error.policy_name or 'no policy'})", wait, True
        )

    if status == 423:
        return RetryDecision(RetryAction.RETRY, "locked", max(policy.locked_wait_s, backoff))

    if status == 477:
        wait = outcome.retry_after_s if outcome.retry_after_s is not None else policy.max_wait_s
        return RetryDecision(RetryAction.RETRY, "migration in progress", wait)

    if status >= 500:
        if not idempotent:
            return RetryDecision(RetryAction.FAIL, f"server error {status}; not idempotent")
        if outcome.retry_after_s is not None:
            backoff = max(backoff, outcome.retry_after_s)
        return RetryDecision(RetryAction.RETRY, f"server error {status}", backoff)

    if status == 401 and error.category == EXPIRED_AUTHENTICATION:
        if refreshed:
            return RetryDecision(RetryAction.FAIL, "access token still expired after a refresh")
        return RetryDecision(RetryAction.REFRESH_TOKEN, "access token expired")

    return RetryDecision(RetryAction.FAIL, f"status {status} is not retried")


def parse_retry_after(value: str | None) -> float | None:
    """Return a `Retry-After` header in seconds; None when missing or not a number of seconds.

    The HTTP-date form is not read, because HubSpot documents `Retry-After` only in seconds.
    """
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    if not math.isfinite(seconds) or seconds < 0:
        return None
    return seconds
