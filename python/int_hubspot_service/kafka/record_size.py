"""Keeps every record within the producer's maximum record size, so none is rejected at produce time.

librdkafka rejects a record larger than `message.max.bytes` as soon as `produce()` is called. A
rejected record would make the request fail with 503 on every retry, and HubSpot would drop the
batch after 24 hours. Instead:
- an event record that is too large becomes a dead letter with reason `record_too_large`;
- a dead letter that is too large keeps a truncated prefix of its bytes, with headers giving the
  original length and the SHA-256 of the complete bytes, so the loss is visible and checkable.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from int_hubspot_service.kafka.producer import DeadLetter, Headers, Record

__all__ = ["RECORD_OVERHEAD_BYTES", "fit_records"]

# Room for the record's framing and header length fields in a record batch; an estimate with margin.
RECORD_OVERHEAD_BYTES = 1_024


def fit_records(
    records: Sequence[Record], dead_letters: Sequence[DeadLetter], max_record_bytes: int
) -> tuple[list[Record], list[DeadLetter]]:
    """Return the records and dead letters to produce, each within `max_record_bytes`."""
    fitting: list[Record] = []
    letters = list(dead_letters)
    for key, value, headers in records:
        if _size(key, value, headers) <= max_record_bytes:
            fitting.append((key, value, headers))
            continue
        detail = (
            f"the OCEL record is {len(value)} bytes, over the producer's maximum record size of "
            f"{max_record_bytes} bytes"
        )
        letter_headers: Headers = [
            *headers,
            ("dead_letter_reason", b"record_too_large"),
            ("dead_letter_error", detail.encode()),
        ]
        letters.append(("record_too_large", key, value, letter_headers))

    return fitting, [_fit_dead_letter(letter, max_record_bytes) for letter in letters]


def _fit_dead_letter(letter: DeadLetter, max_record_bytes: int) -> DeadLetter:
    reason, key, raw, headers = letter
    if _size(key, raw, headers) <= max_record_bytes:
        return letter

    extra: Headers = [
        ("truncated", b"true"),
        ("original_length", str(len(raw)).encode()),
        ("original_sha256", hashlib.sha256(raw).hexdigest().encode()),
    ]
    room = max_record_bytes - _size(key, b"", [*headers, *extra])
    return reason, key, raw[: max(0, room)], [*headers, *extra]


def _size(key: bytes | None, value: bytes, headers: Headers) -> int:
    header_bytes = sum(len(name) + len(header_value) for name, header_value in headers)
    return len(key or b"") + len(value) + header_bytes + RECORD_OVERHEAD_BYTES
