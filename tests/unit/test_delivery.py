"""Delivery tracking with an in-memory producer: futures resolve only when every report arrived."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from int_hubspot.config.settings import load_settings
from int_hubspot_service.kafka.producer import EventProducer, ProducerQueueFullError

SETTINGS = load_settings({"INT_HUBSPOT_CLIENT_SECRET": "s", "INT_HUBSPOT_PUBLIC_URL": "http://127.0.0.1"})


class FakeError:
    def __init__(self, name: str) -> None:
        self._name = name

    def name(self) -> str:
        return self._name


class FakeProducer:
    """Keeps produced records until `release()`; `poll()` then runs their callbacks like librdkafka."""

    def __init__(self, capacity: int = 1_000, fail_topics: frozenset[str] = frozenset()) -> None:
        self.capacity = capacity
        self.fail_topics = fail_topics
        self.queued: list[tuple[str, bytes, Any]] = []
        self.released = threading.Event()
        self.produced: list[tuple[str, bytes | None, bytes]] = []
        self.lock = threading.Lock()

    def produce(self, topic: str, value: bytes, key: bytes | None, headers: Any, on_delivery: Any) -> None:
        with self.lock:
            if len(self.queued) >= self.capacity:
                raise BufferError("Local: Queue full")
            self.queued.append((topic, value, on_delivery))
            self.produced.append((topic, key, value))

    def poll(self, timeout: float) -> int:
        if not self.released.wait(timeout):
            return 0
        with self.lock:
            ready, self.queued = self.queued, []
        for topic, _value, callback in ready:
            callback(FakeError("_MSG_TIMED_OUT") if topic in self.fail_topics else None, None)
        return len(ready)

    def flush(self, timeout: float) -> int:
        return 0

    def __len__(self) -> int:
        return len(self.queued)


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


def test_future_waits_for_every_report() -> None:
    fake = FakeProducer()
    producer = EventProducer(SETTINGS, fake)

    async def scenario() -> Any:
        future = producer.submit([(b"1", b"a", []), (b"2", b"b", [])], [("not_an_object", None, b"17", [])])
        await asyncio.sleep(0.1)
        assert not future.done()
        fake.released.set()
        return await asyncio.wait_for(future, 5)

    outcome = run(scenario())
    producer.close()

    assert outcome.ok
    assert outcome.delivered == 2
    assert outcome.dead_lettered == {"not_an_object": 1}


def test_delivery_error_reported() -> None:
    fake = FakeProducer(fail_topics=frozenset({SETTINGS.dlq_topic}))
    fake.released.set()
    producer = EventProducer(SETTINGS, fake)

    async def scenario() -> Any:
        future = producer.submit([(b"1", b"a", [])], [("invalid_json", None, b"x", [])])
        return await asyncio.wait_for(future, 5)

    outcome = run(scenario())
    producer.close()

    assert not outcome.ok
    assert outcome.errors == {"_MSG_TIMED_OUT": 1}
    assert outcome.delivered == 1


def test_empty_request_resolves_at_once() -> None:
    producer = EventProducer(SETTINGS, FakeProducer())

    async def scenario() -> Any:
        return await asyncio.wait_for(producer.submit([], []), 1)

    outcome = run(scenario())
    producer.close()

    assert outcome.ok
    assert outcome.delivered == 0


def test_full_queue_raises() -> None:
    fake = FakeProducer(capacity=1)
    producer = EventProducer(SETTINGS, fake)

    async def scenario() -> None:
        with pytest.raises(ProducerQueueFullError, match="Queue full"):
            producer.submit([(b"1", b"a", []), (b"1", b"b", [])], [])

    run(scenario())
    fake.released.set()
    producer.close()

    assert len(fake.produced) == 1


def test_many_concurrent_requests_all_resolve() -> None:
    fake = FakeProducer(capacity=10_000)
    fake.released.set()
    producer = EventProducer(SETTINGS, fake)

    async def scenario() -> list[Any]:
        futures = [producer.submit([(b"1", b"v", [])] * (i % 5 + 1), []) for i in range(500)]
        return await asyncio.wait_for(asyncio.gather(*futures), 10)

    outcomes = run(scenario())
    producer.close()

    assert [outcome.delivered for outcome in outcomes] == [i % 5 + 1 for i in range(500)]
