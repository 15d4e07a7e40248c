"""Token buckets: refill, waits, caps and the bound on remembered tenants."""

from __future__ import annotations

import pytest

from int_hubspot.ratelimit import TenantBuckets, TokenBucket


def test_bucket_allows_burst_then_waits() -> None:
    bucket = TokenBucket(rate=10, burst=100, now_s=0.0)

    assert bucket.take(100, 0.0) == 0.0
    assert bucket.take(5, 0.0) == pytest.approx(0.5)
    assert bucket.take(5, 0.5) == 0.0


def test_bucket_refill_capped_at_burst() -> None:
    bucket = TokenBucket(rate=10, burst=20, now_s=0.0)

    bucket.take(20, 0.0)

    assert bucket.take(20, 1_000.0) == 0.0
    assert bucket.take(1, 1_000.0) == pytest.approx(0.1)


def test_oversized_cost_waits_for_full_bucket() -> None:
    bucket = TokenBucket(rate=10, burst=20, now_s=0.0)
    bucket.take(20, 0.0)

    assert bucket.take(500, 0.0) == pytest.approx(2.0)
    assert bucket.take(500, 2.0) == 0.0


def test_clock_going_backwards_adds_nothing() -> None:
    bucket = TokenBucket(rate=10, burst=10, now_s=5.0)
    bucket.take(10, 5.0)

    assert bucket.take(1, 4.0) > 0.0


def test_invalid_rate_rejected() -> None:
    with pytest.raises(ValueError, match="must be positive"):
        TokenBucket(rate=0, burst=1, now_s=0.0)


def test_tenants_isolated() -> None:
    buckets = TenantBuckets(rate=1, burst=10)

    assert buckets.take(b"1", 10, 0.0) == 0.0
    assert buckets.take(b"1", 1, 0.0) > 0.0
    assert buckets.take(b"2", 10, 0.0) == 0.0


def test_least_recent_tenant_forgotten() -> None:
    buckets = TenantBuckets(rate=1, burst=10, max_tenants=2)
    buckets.take(b"1", 10, 0.0)
    buckets.take(b"2", 10, 0.0)
    buckets.take(b"1", 0, 0.0)

    buckets.take(b"3", 10, 0.0)

    assert len(buckets) == 2
    assert buckets.take(b"1", 1, 0.0) > 0.0
    assert buckets.take(b"2", 10, 0.0) == 0.0
