"""The HubSpot API retry policy and error-body parsing."""

from __future__ import annotations

import pytest

from int_hubspot.hubspot_api import (
    ApiErrorBody,
    ApiRetryPolicy,
    AttemptOutcome,
    RetryAction,
    RetryDecision,
    decide_retry,
    parse_api_error,
    parse_retry_after,
)

POLICY = ApiRetryPolicy()
RATE_LIMIT_BODY = {
    "status": "error",
    "message": "You have reached your ten_secondly_rolling limit.",
    "errorType": "RATE_LIMIT",
    "correlationId": "c0ffee00-0000-4000-8000-000000000001",
    "policyName": "TEN_SECONDLY_ROLLING",
    "requestId": "r-1",
}


def decide(
    outcome: AttemptOutcome,
    attempt: int = 1,
    refreshed: bool = False,
    idempotent: bool = True,
    interval_s: float = 10.0,
    random_unit: float = 0.0,
) -> RetryDecision:
    return decide_retry(
        POLICY,
        outcome,
        attempt=attempt,
        refreshed=refreshed,
        idempotent=idempotent,
        window_interval_s=interval_s,
        random_unit=random_unit,
    )


def test_error_body_parsed() -> None:
    body = parse_api_error(RATE_LIMIT_BODY)
    assert body.policy_name == "TEN_SECONDLY_ROLLING"
    assert body.error_type == "RATE_LIMIT"
    assert body.correlation_id == "c0ffee00-0000-4000-8000-000000000001"
    assert body.category is None
    assert (
        body.describe()
        == "RATE_LIMIT/TEN_SECONDLY_ROLLING: You have reached your ten_secondly_rolling limit."
    )


@pytest.mark.parametrize("body", [None, "text", [1, 2], {"category": 7, "message": ""}])
def test_error_body_tolerates_junk(body: object) -> None:
    assert parse_api_error(body) == ApiErrorBody()


def test_error_body_cuts_long_message() -> None:
    body = parse_api_error({"message": "x" * 2_000})
    assert body.message is not None
    assert len(body.message) == 503


def test_429_waits_one_window() -> None:
    decision = decide(AttemptOutcome(429, parse_api_error(RATE_LIMIT_BODY)))
    assert decision.action is RetryAction.RETRY
    assert decision.delay_s == 10.0
    assert decision.portal_wide is True


def test_429_uses_learned_interval() -> None:
    decision = decide(AttemptOutcome(429, parse_api_error(RATE_LIMIT_BODY)), interval_s=2.0)
    assert decision.delay_s == 2.0


def test_429_respects_retry_after() -> None:
    decision = decide(AttemptOutcome(429, parse_api_error(RATE_LIMIT_BODY), retry_after_s=3.0))
    assert decision.action is RetryAction.RETRY
    assert decision.delay_s == 3.0


def test_429_secondly_waits_one_second() -> None:
    body = parse_api_error({**RATE_LIMIT_BODY, "policyName": "SECONDLY"})
    decision = decide(AttemptOutcome(429, body), interval_s=10.0)
    assert decision.delay_s == 1.0
    assert decision.portal_wide is True


def test_429_daily_not_retried() -> None:
    body = parse_api_error({**RATE_LIMIT_BODY, "policyName": "DAILY"})
    decision = decide(AttemptOutcome(429, body))
    assert decision.action is RetryAction.FAIL
    assert "daily" in decision.reason


def test_429_long_retry_after_fails() -> None:
    decision = decide(AttemptOutcome(429, parse_api_error(RATE_LIMIT_BODY), retry_after_s=3_600.0))
    assert decision.action is RetryAction.FAIL
    assert "exceeds the maximum of 60 s" in decision.reason


@pytest.mark.parametrize("status", [500, 502, 503, 504, 524])
def test_server_error_backoff_bounds(status: int) -> None:
    for attempt in (1, 2, 3):
        ceiling = min(POLICY.backoff_cap_s, POLICY.backoff_base_s * 2 ** (attempt - 1))
        low = decide(AttemptOutcome(status), attempt=attempt, random_unit=0.0)
        high = decide(AttemptOutcome(status), attempt=attempt, random_unit=0.999999)
        assert low.action is RetryAction.RETRY
        assert low.delay_s == ceiling / 2
        assert ceiling / 2 < high.delay_s < ceiling
        assert low.portal_wide is False


def test_backoff_capped() -> None:
    policy = ApiRetryPolicy(max_attempts=20)
    decision = decide_retry(
        policy,
        AttemptOutcome(503),
        attempt=15,
        refreshed=False,
        idempotent=True,
        window_interval_s=10.0,
        random_unit=0.999999,
    )
    assert decision.delay_s <= policy.backoff_cap_s


def test_server_error_gives_up() -> None:
    decision = decide(AttemptOutcome(502), attempt=POLICY.max_attempts)
    assert decision.action is RetryAction.FAIL
    assert "gave up after 4 attempts" in decision.reason


def test_server_error_not_idempotent() -> None:
    decision = decide(AttemptOutcome(500), idempotent=False)
    assert decision.action is RetryAction.FAIL


def test_server_error_honours_retry_after() -> None:
    decision = decide(AttemptOutcome(503, retry_after_s=5.0))
    assert decision.delay_s == 5.0


def test_locked_waits_two_seconds() -> None:
    decision = decide(AttemptOutcome(423))
    assert decision.action is RetryAction.RETRY
    assert decision.delay_s == 2.0


def test_migration_uses_retry_after() -> None:
    assert decide(AttemptOutcome(477, retry_after_s=30.0)).delay_s == 30.0
    assert decide(AttemptOutcome(477, retry_after_s=86_400.0)).action is RetryAction.FAIL


def test_expired_token_refreshes_once() -> None:
    expired = AttemptOutcome(401, ApiErrorBody(category="EXPIRED_AUTHENTICATION"))
    first = decide(expired)
    assert first.action is RetryAction.REFRESH_TOKEN
    assert first.delay_s == 0.0
    second = decide(expired, attempt=2, refreshed=True)
    assert second.action is RetryAction.FAIL


def test_invalid_token_not_refreshed() -> None:
    decision = decide(AttemptOutcome(401, ApiErrorBody(category="INVALID_AUTHENTICATION")))
    assert decision.action is RetryAction.FAIL


@pytest.mark.parametrize("status", [302, 400, 403, 404, 409, 413, 415])
def test_client_errors_final(status: int) -> None:
    decision = decide(AttemptOutcome(status))
    assert decision.action is RetryAction.FAIL
    assert decision.reason == f"status {status} is not retried"


def test_network_error_rules() -> None:
    not_connected = AttemptOutcome(None, request_sent=False)
    sent = AttemptOutcome(None, request_sent=True)
    assert decide(not_connected, idempotent=False).action is RetryAction.RETRY
    assert decide(sent, idempotent=True).action is RetryAction.RETRY
    assert decide(sent, idempotent=False).action is RetryAction.FAIL


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, None), ("3", 3.0), (" 1.5 ", 1.5), ("-1", None), ("nan", None), ("inf", None), ("soon", None)],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value) == expected


def test_policy_rejects_invalid() -> None:
    with pytest.raises(ValueError, match="max_attempts"):
        ApiRetryPolicy(max_attempts=0)
    with pytest.raises(ValueError, match="backoff_base_s"):
        ApiRetryPolicy(backoff_base_s=10.0, backoff_cap_s=1.0)
