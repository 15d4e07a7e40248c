"""Per-system Kafka topics for load runs, and a consumer that counts what landed in them.

Each gateway start gets its own events and dead-letter topics with a random suffix, created with
`message.timestamp.type=LogAppendTime`, so every record carries the broker's append time. The counter
reads a topic after the runs and attributes records to a run by that append time.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

from confluent_kafka import Consumer, KafkaException, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

EVENTS_PARTITIONS = 12


@dataclass(frozen=True)
class Topics:
    events: str
    dlq: str


def create_topics(bootstrap: str, system: str) -> Topics:
    """Create fresh events (12 partitions) and dead-letter (3) topics for one system."""
    suffix = uuid.uuid4().hex[:10]
    topics = Topics(f"bench.{system}.events.{suffix}", f"bench.{system}.dlq.{suffix}")
    config = {"message.timestamp.type": "LogAppendTime"}
    admin = AdminClient({"bootstrap.servers": bootstrap, "log_level": 3})
    futures = admin.create_topics(
        [
            NewTopic(topics.events, num_partitions=EVENTS_PARTITIONS, replication_factor=1, config=config),
            NewTopic(topics.dlq, num_partitions=3, replication_factor=1, config=config),
        ]
    )
    for future in futures.values():
        future.result(timeout=30)
    return topics


def delete_topics(bootstrap: str, topics: Topics) -> None:
    admin = AdminClient({"bootstrap.servers": bootstrap, "log_level": 3})
    for name, future in admin.delete_topics([topics.events, topics.dlq]).items():
        try:
            future.result(timeout=30)
        except KafkaException as error:
            print(f"bench: deleting topic {name} failed: {error}")


@dataclass
class WindowCount:
    """Records that landed inside one run's measurement window."""

    start_ms: int
    end_ms: int
    records: int = 0
    # Broker append time minus the gateway's `received_at` header, in ms, per record.
    latencies_ms: list[int] = field(default_factory=list)


@dataclass
class TopicCount:
    records: int = 0
    distinct_events: int = 0
    missing_header: int = 0

    @property
    def duplicates(self) -> int:
        return self.records - self.distinct_events - self.missing_header


def count_topic(
    bootstrap: str, topic: str, windows: list[WindowCount], timeout_s: float = 120.0
) -> TopicCount:
    """Read `topic` from the beginning to its current end; fill `windows` and return the totals."""
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"bench-count-{uuid.uuid4().hex}",
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
            "fetch.max.bytes": 64 * 1024 * 1024,
            "max.partition.fetch.bytes": 16 * 1024 * 1024,
        }
    )
    totals = TopicCount()
    seen: Counter[bytes] = Counter()
    try:
        ends: dict[int, int] = {}
        assignments = []
        for partition in range(EVENTS_PARTITIONS):
            low, high = consumer.get_watermark_offsets(TopicPartition(topic, partition), timeout=10)
            if high > low:
                ends[partition] = high
                assignments.append(TopicPartition(topic, partition, low))
        if not assignments:
            return totals
        consumer.assign(assignments)
        done: set[int] = set()
        deadline = time.monotonic() + timeout_s
        while len(done) < len(ends) and time.monotonic() < deadline:
            for message in consumer.consume(10_000, 1.0):
                if message.error():
                    continue
                totals.records += 1
                _add_record(message, windows, seen, totals)
                if message.offset() + 1 >= ends[message.partition()]:
                    done.add(message.partition())
        if len(done) < len(ends):
            print(f"bench: counting {topic} timed out after {timeout_s:g} s; counts are partial")
    finally:
        consumer.close()
    totals.distinct_events = len(seen)
    return totals


def _add_record(message, windows: list[WindowCount], seen: Counter[bytes], totals: TopicCount) -> None:  # type: ignore[no-untyped-def]
    _kind, appended_ms = message.timestamp()
    received_ms = None
    event_id = None
    for name, value in message.headers() or ():
        if name == "event_id":
            event_id = value
        elif name == "received_at":
            received_ms = int(value)
    if event_id is None:
        totals.missing_header += 1
    else:
        seen[event_id] += 1
    for window in windows:
        if window.start_ms <= appended_ms < window.end_ms:
            window.records += 1
            if received_ms is not None:
                window.latencies_ms.append(appended_ms - received_ms)
            break
