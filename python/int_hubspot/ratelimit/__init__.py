"""Rate limiting logic with no clock of its own: callers pass the current time."""

from int_hubspot.ratelimit.portal import (
    GENERAL,
    HUBSPOT_LIMIT_PER_10S,
    HUBSPOT_SEARCH_LIMIT_PER_S,
    SEARCH,
    LimitKind,
    PortalLimiter,
    PortalLimits,
    RateLimitHeaders,
)
from int_hubspot.ratelimit.token_bucket import TenantBuckets, TokenBucket
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
    "RollingWindow",
    "TenantBuckets",
    "TokenBucket",
]
