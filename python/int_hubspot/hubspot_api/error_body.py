"""HubSpot's API error body, parsed without trusting any field to be present.

HubSpot documents `category`, `correlationId` and `message` as the fields of its error schema, and its
rate-limit bodies add `errorType`, `policyName` and `requestId`. Its error-handling guide recommends
treating every field as optional, so each one here may be None.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["ApiErrorBody", "parse_api_error"]

# HubSpot's error messages are short; a longer one is cut so that logs stay readable.
MAX_MESSAGE_CHARS = 500


@dataclass(frozen=True)
class ApiErrorBody:
    """Fields of a HubSpot API error response."""

    category: str | None = None
    sub_category: str | None = None
    message: str | None = None
    correlation_id: str | None = None
    error_type: str | None = None
    policy_name: str | None = None
    request_id: str | None = None

    def describe(self) -> str:
        """Return a one-line summary: category (or error type), policy and message."""
        label = "/".join(part for part in (self.category or self.error_type, self.policy_name) if part)
        label = label or "no error category"
        return f"{label}: {self.message}" if self.message else label


def parse_api_error(body: Any) -> ApiErrorBody:
    """Return the error fields of a decoded JSON body; anything that is not an object gives empty fields."""
    if not isinstance(body, Mapping):
        return ApiErrorBody()
    message = _text(body, "message")
    if message is not None and len(message) > MAX_MESSAGE_CHARS:
        message = message[:MAX_MESSAGE_CHARS] + "..."
    return ApiErrorBody(
        category=_text(body, "category"),
        sub_category=_text(body, "subCategory"),
        message=message,
        correlation_id=_text(body, "correlationId"),
        error_type=_text(body, "errorType"),
        policy_name=_text(body, "policyName"),
        request_id=_text(body, "requestId"),
    )


def _text(body: Mapping[str, Any], name: str) -> str | None:
    value = body.get(name)
    return value if isinstance(value, str) and value else None
