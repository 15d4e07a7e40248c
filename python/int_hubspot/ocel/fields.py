"""Field access and validation for one webhook event."""

from __future__ import annotations

from dataclasses import dataclass

from int_hubspot.ocel.json_text import canonical, sorted_members
from int_hubspot.ocel.mapping import is_valid_object_type_id
from int_hubspot.ocel.parse import JsonNumber, JsonValue, kind_name
from int_hubspot.ocel.timestamps import MAX_EPOCH_MS

__all__ = [
    "MAX_PORTAL_ID_DIGITS",
    "PREVIEW_CHARS",
    "Envelope",
    "EventError",
    "Fields",
    "envelope",
    "integer_text",
    "merged_object_ids",
    "object_id_text",
    "optional_object_id",
    "optional_object_type_id",
    "portal_id",
    "preview",
]

# Maximum number of digits accepted in `portalId`, so every portal id converts to an `int` (CPython limits
# `int(str)` to 4300 digits by default).
MAX_PORTAL_ID_DIGITS = 64
# Maximum number of characters of a value quoted in a poison detail.
PREVIEW_CHARS = 64


class EventError(Exception):
    """Why one event cannot be normalized: a stable reason code and a short message."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


class Fields:
    """The members of one event object (a dict keeps the last duplicate)."""

    __slots__ = ("_members", "_sorted")

    def __init__(self, members: dict[str, JsonValue]) -> None:
        self._members = members
        self._sorted: list[tuple[str, JsonValue]] | None = None

    @staticmethod
    def of_event(value: JsonValue) -> Fields:
        """Return the fields of an event; raise `not_an_object` when the value is not a JSON object."""
        if not isinstance(value, dict):
            raise EventError("not_an_object", f"event is a JSON {kind_name(value)}, not an object")
        return Fields(value)

    def __contains__(self, name: str) -> bool:
        return name in self._members

    def get(self, name: str) -> JsonValue:
        """Return a field's value; check `name in fields` first, because JSON null is None too."""
        return self._members.get(name)

    def get_str(self, name: str) -> str | None:
        """Return the string value of a field, or None when it is absent or not a string."""
        value = self._members.get(name)
        return value if isinstance(value, str) else None

    def members(self) -> list[tuple[str, JsonValue]]:
        """Return all members in key order."""
        if self._sorted is None:
            self._sorted = sorted_members(self._members)
        return self._sorted


def preview(value: JsonValue) -> str:
    """Return the canonical JSON of `value`, cut to `PREVIEW_CHARS` characters with `...` appended."""
    text = canonical(value)
    if len(text) > PREVIEW_CHARS:
        return text[:PREVIEW_CHARS] + "..."
    return text


def integer_text(value: JsonValue) -> str | None:
    """Return the raw text of a JSON integer (no fraction, no exponent), or None."""
    if isinstance(value, JsonNumber) and value.is_integer:
        return value.text
    return None


def _non_negative_integer(value: JsonValue) -> str | None:
    text = integer_text(value)
    if text is None or text.startswith("-"):
        return None
    return text


@dataclass(frozen=True, slots=True)
class Envelope:
    """The fields every event must carry, validated. Digits are exactly as in the body."""

    portal_id: str
    subscription_type: str
    occurred_at: str
    occurred_at_ms: int


def portal_id(fields: Fields) -> str:
    """Return the digits of `portalId`; raise `missing_portal_id` or `invalid_portal_id`."""
    if "portalId" not in fields:
        raise EventError("missing_portal_id", "portalId is missing, so the tenant of this event is unknown")
    value = fields.get("portalId")
    digits = _non_negative_integer(value)
    if digits is None or len(digits) > MAX_PORTAL_ID_DIGITS:
        raise EventError(
            "invalid_portal_id",
            f"portalId {preview(value)} is not a non-negative JSON integer "
            f"of at most {MAX_PORTAL_ID_DIGITS} digits",
        )
    return digits


def envelope(fields: Fields, portal: str) -> Envelope:
    """Validate `subscriptionType` and `occurredAt` once the portal id is known."""
    if "subscriptionType" not in fields:
        raise EventError("missing_subscription_type", "subscriptionType is missing")
    subscription_type = fields.get("subscriptionType")
    if not isinstance(subscription_type, str) or not subscription_type:
        raise EventError(
            "invalid_subscription_type",
            f"subscriptionType {preview(subscription_type)} is not a non-empty string",
        )

    if "occurredAt" not in fields:
        raise EventError("missing_occurred_at", "occurredAt is missing")
    occurred_value = fields.get("occurredAt")
    digits = _non_negative_integer(occurred_value)
    if digits is None or len(digits) > 15 or int(digits) > MAX_EPOCH_MS:
        raise EventError(
            "invalid_occurred_at",
            f"occurredAt {preview(occurred_value)} is not an integer count of epoch milliseconds "
            "from 1970-01-01 to 9999-12-31",
        )
    return Envelope(
        portal_id=portal,
        subscription_type=subscription_type,
        occurred_at=digits,
        occurred_at_ms=int(digits),
    )


def object_id_text(value: JsonValue) -> str | None:
    """Return the object id text of a value: a non-negative integer's digits or a non-empty string."""
    if isinstance(value, str):
        return value or None
    return _non_negative_integer(value)


def _invalid_object_id(name: str, value: JsonValue) -> EventError:
    return EventError(
        "invalid_object_id",
        f"{name} {preview(value)} is not a non-negative JSON integer or a non-empty string",
    )


def optional_object_id(fields: Fields, name: str) -> str | None:
    """Return the object id in field `name` (None when absent); raise `invalid_object_id`."""
    if name not in fields:
        return None
    value = fields.get(name)
    text = object_id_text(value)
    if text is None:
        raise _invalid_object_id(name, value)
    return text


def merged_object_ids(fields: Fields) -> list[str]:
    """Return the ids in `mergedObjectIds` (empty when absent); raise `invalid_object_id`."""
    if "mergedObjectIds" not in fields:
        return []
    value = fields.get("mergedObjectIds")
    if not isinstance(value, list):
        raise EventError(
            "invalid_object_id", f"mergedObjectIds {preview(value)} is not an array of object ids"
        )
    ids: list[str] = []
    for index, item in enumerate(value):
        text = object_id_text(item)
        if text is None:
            raise _invalid_object_id(f"mergedObjectIds[{index}]", item)
        ids.append(text)
    return ids


def optional_object_type_id(fields: Fields, name: str) -> str | None:
    """Return the object type id in field `name` (None when absent); raise `invalid_object_type_id`."""
    if name not in fields:
        return None
    value = fields.get(name)
    if isinstance(value, str) and is_valid_object_type_id(value):
        return value
    raise EventError(
        "invalid_object_type_id",
        f"{name} {preview(value)} is not a string of 1 to 64 ASCII letters, digits, '-' or '_'",
    )
