"""Records over the producer's maximum size become dead letters or are truncated, never rejected."""

from __future__ import annotations

import hashlib

from int_hubspot_service.kafka.record_size import RECORD_OVERHEAD_BYTES, fit_records

LIMIT = 10_000


def test_small_records_unchanged() -> None:
    records = [(b"1", b"v" * 100, [("event_id", b"e1")])]
    letters = [("invalid_json", None, b"x" * 100, [("dead_letter_reason", b"invalid_json")])]

    fitting, dead_letters = fit_records(records, letters, LIMIT)

    assert fitting == records
    assert dead_letters == letters


def test_oversized_event_becomes_dead_letter() -> None:
    small = (b"1", b"a", [("event_id", b"e1")])
    large = (b"1", b"b" * LIMIT, [("event_id", b"e2")])

    fitting, dead_letters = fit_records([small, large], [], LIMIT)

    assert fitting == [small]
    assert len(dead_letters) == 1
    reason, key, raw, headers = dead_letters[0]
    assert reason == "record_too_large"
    assert key == b"1"
    assert dict(headers)["event_id"] == b"e2"
    assert dict(headers)["dead_letter_reason"] == b"record_too_large"
    assert dict(headers)["truncated"] == b"true"
    assert dict(headers)["original_length"] == str(LIMIT).encode()
    assert raw == b"b" * len(raw)


def test_oversized_dead_letter_truncated_with_hash() -> None:
    raw = bytes(range(256)) * 100
    letter = ("invalid_json", None, raw, [("dead_letter_reason", b"invalid_json")])

    _, dead_letters = fit_records([], [letter], LIMIT)

    reason, key, kept, headers = dead_letters[0]
    fields = dict(headers)
    assert reason == "invalid_json"
    assert key is None
    assert raw.startswith(kept)
    assert 0 < len(kept) < LIMIT - RECORD_OVERHEAD_BYTES
    assert fields["original_length"] == str(len(raw)).encode()
    assert fields["original_sha256"] == hashlib.sha256(raw).hexdigest().encode()
    size = len(kept) + sum(len(name) + len(value) for name, value in headers) + RECORD_OVERHEAD_BYTES
    assert size <= LIMIT
