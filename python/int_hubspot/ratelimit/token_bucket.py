"""Token buckets, one per tenant, with a bounded number of tenants kept in memory.

A bucket holds up to `burst` tokens and refills at `rate` tokens per second. `take()` either removes
`cost` tokens and returns 0.0, or leaves the bucket unchanged and returns how many seconds the caller
would have to wait for enough tokens.
"""

from __future__ import annotations

from collections import OrderedDict

__all__ = ["TenantBuckets", "TokenBucket"]


class TokenBucket:
    """A token bucket refilled continuously at `rate` tokens per second, holding at most `burst`."""

    __slots__ = ("burst", "rate", "tokens", "updated_s")

    def __init__(self, rate: float, burst: float, now_s: float) -> None:
        if rate <= 0 or burst <= 0:
            raise ValueError(f"rate ({rate}) and burst ({burst}) must be positive")
        self.rate = rate
        self.burst = burst
        self.tokens = burst
        self.updated_s = now_s

    def take(self, cost: float, now_s: float) -> float:
        """Remove `cost` tokens if available and return 0.0; otherwise return the wait in seconds.

        A cost above `burst` is capped at `burst`, so an oversized request waits for a full bucket
        instead of never fitting.
        """
        elapsed = max(0.0, now_s - self.updated_s)
        self.tokens = min(self.burst, self.tokens + elapsed * self.rate)
        self.updated_s = now_s

        cost = min(cost, self.burst)
        if self.tokens >= cost:
            self.tokens -= cost
            return 0.0
        return (cost - self.tokens) / self.rate


class TenantBuckets:
    """One `TokenBucket` per tenant key; the least recently used tenants are forgotten past `max_tenants`.

    A forgotten tenant starts again with a full bucket, which errs on the side of accepting work.
    """

    def __init__(self, rate: float, burst: float, max_tenants: int = 10_000) -> None:
        self.rate = rate
        self.burst = burst
        self.max_tenants = max_tenants
        self._buckets: OrderedDict[bytes, TokenBucket] = OrderedDict()

    def take(self, tenant: bytes, cost: float, now_s: float) -> float:
        """Charge `cost` to `tenant`'s bucket; return 0.0 when allowed, else the seconds to wait."""
        bucket = self._buckets.get(tenant)
        if bucket is None:
            bucket = TokenBucket(self.rate, self.burst, now_s)
            self._buckets[tenant] = bucket
            if len(self._buckets) > self.max_tenants:
                self._buckets.popitem(last=False)
        else:
            self._buckets.move_to_end(tenant)
        return bucket.take(cost, now_s)

    def __len__(self) -> int:
        return len(self._buckets)
