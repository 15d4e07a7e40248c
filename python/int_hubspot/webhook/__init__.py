"""HubSpot webhook verification and normalization.

`verify_signature` and `normalize_batch` are the native (Rust) implementations used by the service.
`int_hubspot.webhook.reference` contains the pure-Python implementations of the same contracts; tests run
both on the same inputs and require identical results.
"""

from __future__ import annotations

from int_hubspot._native import normalize_batch, verify_signature
from int_hubspot.webhook.errors import (
    MalformedTimestampError,
    MissingSignatureError,
    SignatureError,
    SignatureMismatchError,
    TimestampInFutureError,
    TimestampTooOldError,
    UnsupportedVersionError,
)

__all__ = [
    "MalformedTimestampError",
    "MissingSignatureError",
    "SignatureError",
    "SignatureMismatchError",
    "TimestampInFutureError",
    "TimestampTooOldError",
    "UnsupportedVersionError",
    "normalize_batch",
    "verify_signature",
]
