"""Errors raised while verifying a HubSpot webhook request.

Every error is a `ValueError`, so callers that already catch bad input keep working::

    ValueError
    └── SignatureError                   base class; `reason` is a stable code for metrics
        ├── MissingSignatureError        "missing_header": a signature or timestamp header is absent
        ├── UnsupportedVersionError      "unsupported_version": a version that is not v1, v2 or v3
        ├── MalformedTimestampError      "malformed_timestamp": the timestamp is not an integer in ms
        ├── TimestampTooOldError         "timestamp_too_old": older than the allowed window
        ├── TimestampInFutureError       "timestamp_in_future": further ahead than the allowed window
        └── SignatureMismatchError       "mismatch": no configured secret produces the signature

The native extension raises these same classes, so both implementations can be checked against each
other by type and by `reason`.
"""

from __future__ import annotations

__all__ = [
    "MalformedTimestampError",
    "MissingSignatureError",
    "SignatureError",
    "SignatureMismatchError",
    "TimestampInFutureError",
    "TimestampTooOldError",
    "UnsupportedVersionError",
]


class SignatureError(ValueError):
    """Base class of every signature verification failure."""

    reason = "invalid"


class MissingSignatureError(SignatureError):
    """A header that the signature version needs is missing or empty."""

    reason = "missing_header"


class UnsupportedVersionError(SignatureError):
    """The requested signature version is not one of v1, v2 or v3."""

    reason = "unsupported_version"


class MalformedTimestampError(SignatureError):
    """X-HubSpot-Request-Timestamp is not a non-negative integer of milliseconds."""

    reason = "malformed_timestamp"


class TimestampTooOldError(SignatureError):
    """X-HubSpot-Request-Timestamp is older than the allowed window."""

    reason = "timestamp_too_old"


class TimestampInFutureError(SignatureError):
    """X-HubSpot-Request-Timestamp is further in the future than the allowed window."""

    reason = "timestamp_in_future"


class SignatureMismatchError(SignatureError):
    """No configured client secret produces the signature that the request carries."""

    reason = "mismatch"
