"""Rate limiting logic with no clock of its own: callers pass the current time."""

from int_hubspot.ratelimit.token_bucket import TenantBuckets, TokenBucket

__all__ = ["TenantBuckets", "TokenBucket"]
