"""Reads records back from a topic for people checking a local run (`int-hubspot tail`)."""

from __future__ import annotations

import sys
import time
import uuid
from typing import Any

import orjson
from confluent_kafka import Consumer

__all__ = ["print_records"]


def print_records(bootstrap: str, topic: str, max_records: int, timeout_s: float) -> int:
    """Print up to `max_records` records of `topic` from the start as JSON lines; return 0."""
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"int-hubspot-tail-{uuid.uuid4()}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    consumer.subscribe([topic])
    deadline = time.monotonic() + timeout_s
    printed = 0
    try:
        while printed < max_records and time.monotonic() < deadline:
            message = consumer.poll(0.5)
            if message is None:
                continue
            if message.error():
                print(f"int-hubspot: consumer error: {message.error()}", file=sys.stderr)
                continue
            raw_headers: Any = message.headers() or []
            headers = {name: _text(header_value) for name, header_value in raw_headers}
            value = message.value() or b""
            line = {
                "topic": message.topic(),
                "partition": message.partition(),
                "offset": message.offset(),
                "key": _text(message.key()),
                "headers": headers,
                "value": _json_or_text(value),
            }
            print(orjson.dumps(line).decode())
            printed += 1
    finally:
        consumer.close()
    if printed == 0:
        print(f"int-hubspot: no record on {topic} within {timeout_s:g} s", file=sys.stderr)
    return 0


def _text(value: str | bytes | None) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.decode(errors="replace")
    return value


def _json_or_text(value: str | bytes) -> object:
    try:
        return orjson.loads(value)
    except orjson.JSONDecodeError:
        return _text(value)
