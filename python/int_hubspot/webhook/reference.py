"""Pure-Python reference implementations of the native functions, for cross-checking them in tests."""

from __future__ import annotations

from int_hubspot.ocel.batch import normalize_batch
from int_hubspot.webhook.signature import verify_signature

__all__ = ["normalize_batch", "verify_signature"]
