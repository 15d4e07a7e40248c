"""Reads records back from a topic for people checking a local run (`int-hubspot tail`)."""

from __future__ import annotations

import sys
import time
import uuid
from typing import Any

import orjson
from confluent_kafka import Consumer, TopicPartition

__all__ = ["print_records"]


def print_records(bootstrap: str, topic: str, max_records: int, timeout_s: float, latest: bool = True) -> int:
    """Print `max_records` records of `topic` as JSON lines, the newest by default; return 0.

    With `latest`, each partition is read from `max_records` before its end and the newest
    `max_records` records across partitions are printed, oldest first. Otherwise the topic is read
    from its beginning.
    """
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"int-hubspot-tail-{uuid.uuid4()}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    try:
        ends = _assign(consumer, topic, max_records, latest)
        messages = _read(consumer, ends, max_records if not latest else None, timeout_s)
    finally:
        consumer.close()

    messages.sort(key=lambda message: message.timestamp()[1])
    if latest:
        messages = messages[-max_records:]
    for message in messages:
        print(orjson.dumps(_as_line(message)).decode())
    if not messages:
        print(f"int-hubspot: no record on {topic} within {timeout_s:g} s", file=sys.stderr)
    return 0


def _assign(consumer: Any, topic: str, max_records: int, latest: bool) -> dict[int, int]:
    """Assign every partition of `topic` at its starting offset; return the end offset of each."""
    metadata = consumer.list_topics(topic, timeout=10)
    if topic not in metadata.topics or metadata.topics[topic].error is not None:
        raise SystemExit(f"int-hubspot: topic {topic} does not exist")
    assignments = []
    ends: dict[int, int] = {}
    for partition in metadata.topics[topic].partitions:
        low, high = consumer.get_watermark_offsets(TopicPartition(topic, partition), timeout=10)
        start = max(low, high - max_records) if latest else low
        if high > start:
            assignments.append(TopicPartition(topic, partition, start))
            ends[partition] = high
    consumer.assign(assignments)
    return ends


def _read(consumer: Any, ends: dict[int, int], limit: int | None, timeout_s: float) -> list[Any]:
    """Read until every partition reached its end offset, `limit` records, or the timeout."""
    messages: list[Any] = []
    done: set[int] = set()
    deadline = time.monotonic() + timeout_s
    while len(done) < len(ends) and time.monotonic() < deadline:
        if limit is not None and len(messages) >= limit:
            break
        message = consumer.poll(0.5)
        if message is None:
            continue
        if message.error():
            print(f"int-hubspot: consumer error: {message.error()}", file=sys.stderr)
            continue
        messages.append(message)
        if message.offset() + 1 >= ends[message.partition()]:
            done.add(message.partition())
    return messages


def _as_line(message: Any) -> dict[str, object]:
    raw_headers: Any = message.headers() or []
    return {
        "topic": message.topic(),
        "partition": message.partition(),
        "offset": message.offset(),
        "key": _text(message.key()),
        "headers": {name: _text(header_value) for name, header_value in raw_headers},
        "value": _json_or_text(message.value() or b""),
    }


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
