"""HubSpot API call logic without I/O: error bodies and the retry policy.

The rate limits per portal are in `int_hubspot.ratelimit`; the client that applies both is
`int_hubspot_service.hubspot.api_client.HubSpotApiClient`.
"""

from int_hubspot.hubspot_api.error_body import ApiErrorBody, parse_api_error
from int_hubspot.hubspot_api.retry import (
    ApiRetryPolicy,
    AttemptOutcome,
    RetryAction,
    RetryDecision,
    decide_retry,
    parse_retry_after,
)

__all__ = [
    "ApiErrorBody",
    "ApiRetryPolicy",
    "AttemptOutcome",
    "RetryAction",
    "RetryDecision",
    "decide_retry",
    "parse_api_error",
    "parse_retry_after",
]
