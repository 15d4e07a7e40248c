"""Normalization of a whole webhook batch into Kafka records and poison items (pure-Python reference).

`normalize_batch` returns exactly what the native `int_hubspot._native.normalize_batch` returns.
"""

from __future__ import annotations

from int_hubspot.ocel.event import RejectedEventError, normalize_event
from int_hubspot.ocel.parse import MAX_DEPTH, BodyError, parse_body

__all__ = ["CONTENT_TYPE", "OcelRecord", "PoisonItem", "normalize_batch"]

# Content type of every record value.
CONTENT_TYPE = "application/ocel+json"
_MAX_I64 = 2**63 - 1

# (key, value, headers, event_id), as declared in `int_hubspot._native`.
OcelRecord = tuple[bytes, bytes, list[tuple[str, bytes]], str]
# (index, reason, detail, raw, portal_id); index -1 means the whole body.
PoisonItem = tuple[int, str, str, bytes, int | None]


def _body_error_poison(error: BodyError, body: bytes) -> PoisonItem:
    if error.kind == "invalid_utf8":
        reason = "invalid_json"
        detail = f"body is not valid UTF-8: invalid byte sequence at offset {error.offset}"
    elif error.kind == "byte_order_mark":
        reason = "invalid_json"
        detail = "body starts with a UTF-8 byte order mark, which JSON text must not have"
    elif error.kind == "too_deep":
        reason = "too_deep"
        detail = f"body nests arrays and objects deeper than {MAX_DEPTH} levels"
    else:
        reason = "invalid_json"
        detail = "body is not valid JSON (RFC 8259); NaN, Infinity and lone surrogate escapes are invalid too"
    return (-1, reason, detail, body, None)


def _check_arguments(body: object, received_at_ms: object) -> None:
    """Reject arguments the native function rejects, with the same exception types."""
    if not isinstance(body, bytes):
        raise TypeError(f"body must be bytes, not {type(body).__name__}")
    if not isinstance(received_at_ms, int):
        raise TypeError(f"received_at_ms must be an int, not {type(received_at_ms).__name__}")
    if received_at_ms > _MAX_I64:
        raise OverflowError(f"received_at_ms {received_at_ms} does not fit in a signed 64-bit integer")
    if received_at_ms < 0:
        raise ValueError(
            f"received_at_ms must be a non-negative epoch time in milliseconds, got {received_at_ms}"
        )


def normalize_batch(body: bytes, received_at_ms: int) -> tuple[list[OcelRecord], list[PoisonItem]]:
    """Normalize a HubSpot webhook batch (a JSON array) into one OCEL 2.0 record per event.

    Invalid events come back as poison items and leave the others unaffected. An unusable body gives a
    single poison item with index -1 and no records.
    """
    _check_arguments(body, received_at_ms)
    try:
        parsed = parse_body(body)
    except BodyError as error:
        return [], [_body_error_poison(error, body)]
    if parsed.elements is None:
        detail = f"body is a JSON {parsed.not_array_kind}, not an array of events"
        return [], [(-1, "not_an_array", detail, body, None)]

    received_at = str(received_at_ms).encode("ascii")
    records: list[OcelRecord] = []
    poison: list[PoisonItem] = []
    for index, element in enumerate(parsed.elements):
        try:
            event = normalize_event(element.value)
        except RejectedEventError as rejected:
            portal = int(rejected.portal_id) if rejected.portal_id is not None else None
            raw = body[element.start : element.end]
            poison.append((index, rejected.error.reason, rejected.error.detail, raw, portal))
            continue

        headers: list[tuple[str, bytes]] = [
            ("portal_id", event.portal_id.encode("ascii")),
            ("event_id", event.event_id.encode("utf-8")),
            ("subscription_type", event.subscription_type.encode("utf-8")),
            ("occurred_at", event.occurred_at.encode("ascii")),
            ("received_at", received_at),
        ]
        if event.attempt_number is not None:
            headers.append(("attempt_number", event.attempt_number.encode("ascii")))
        if event.hubspot_event_id is not None:
            headers.append(("hubspot_event_id", event.hubspot_event_id.encode("ascii")))
        headers.append(("content_type", CONTENT_TYPE.encode("ascii")))
        records.append(
            (event.portal_id.encode("ascii"), event.document.encode("utf-8"), headers, event.event_id)
        )
    return records, poison
