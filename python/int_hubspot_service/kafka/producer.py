"""One confluent-kafka producer per worker process, with delivery reports awaited by requests.

`EventProducer.submit()` enqueues every record of one webhook request and returns a future that
resolves once Kafka has acknowledged (or rejected) each of them. A poller thread runs
`Producer.poll()` and wakes the request's event loop in batches (see `delivery.py`).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from confluent_kafka import KafkaException, Producer

from int_hubspot.config.settings import Settings
from int_hubspot_service.kafka.delivery import DeliveryBatch

__all__ = ["EventProducer", "ProducerQueueFullError", "producer_config"]

log = logging.getLogger(__name__)
# librdkafka's own log lines (connection failures, retries) come through this logger, so they are JSON too.
client_log = logging.getLogger("int_hubspot_service.kafka.librdkafka")

# A record is (key, value, headers); a dead letter is (reason, key, value, headers).
Headers = list[tuple[str, bytes]]
Record = tuple[bytes, bytes, Headers]
DeadLetter = tuple[str, bytes | None, bytes, Headers]

POLL_INTERVAL_S = 0.05


class ProducerQueueFullError(RuntimeError):
    """Kafka's client did not accept a record; the request must be retried later, nothing was dropped.

    `code` is `queue_full` when librdkafka's local queue is full, else librdkafka's error name.
    """

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


def producer_config(settings: Settings) -> dict[str, Any]:
    """Return the librdkafka configuration for the gateway's producer."""
    return {
        "bootstrap.servers": settings.kafka_bootstrap,
        "client.id": "int-hubspot",
        "acks": "all",
        "enable.idempotence": True,
        # murmur2_random hashes keys like the Java client, so Java consumers and Kafka Streams agree on
        # which partition contains a tenant's events.
        "partitioner": "murmur2_random",
        "linger.ms": settings.kafka_linger_ms,
        "compression.type": settings.kafka_compression,
        "queue.buffering.max.messages": settings.kafka_queue_max_messages,
        "message.timeout.ms": settings.kafka_message_timeout_ms,
        "message.max.bytes": settings.kafka_max_record_bytes,
        "logger": client_log,
        "error_cb": _log_client_error,
    }


def _log_client_error(error: Any) -> None:
    # librdkafka retries these itself (broker down, connection reset); repeats are counted by the log filter.
    client_log.warning("Kafka client error: %s", error)


class EventProducer:
    """Produces records and resolves each request's future from a poller thread."""

    def __init__(self, settings: Settings, producer: Any | None = None) -> None:
        self.settings = settings
        self.producer = producer if producer is not None else Producer(producer_config(settings))
        self._completed: list[DeliveryBatch] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll_loop, name="kafka-poller", daemon=True)
        self._thread.start()

    @property
    def pending(self) -> int:
        """Records handed to librdkafka whose delivery report has not arrived yet."""
        return len(self.producer)

    def submit(self, records: Sequence[Record], dead_letters: Sequence[DeadLetter]) -> asyncio.Future[Any]:
        """Enqueue the records of one request and return a future of its `DeliveryOutcome`.

        Raises `ProducerQueueFullError` when librdkafka's queue is full. Records already enqueued for
        the request are still delivered; the caller responds with 503 and HubSpot's retry produces them again
        under the same event ids, which consumers deduplicate.
        """
        loop = asyncio.get_running_loop()
        batch = DeliveryBatch(loop, self._completed)
        produce: Any = self.producer.produce
        events_topic = self.settings.events_topic
        dlq_topic = self.settings.dlq_topic
        produced = 0
        try:
            for key, value, headers in records:
                produce(events_topic, value, key, headers=headers, on_delivery=batch.on_event_delivery)
                produced += 1
            for reason, dlq_key, raw, dlq_headers in dead_letters:
                callback = batch.on_dead_letter_delivery(reason)
                produce(dlq_topic, raw, dlq_key, headers=dlq_headers, on_delivery=callback)
                produced += 1
        except BufferError as error:
            batch.seal(produced)
            raise ProducerQueueFullError(str(error), "queue_full") from error
        except KafkaException as error:
            batch.seal(produced)
            raise ProducerQueueFullError(str(error), error.args[0].name()) from error
        batch.seal(produced)
        return batch.future

    def _poll_loop(self) -> None:
        poll = self.producer.poll
        while not self._stop.is_set():
            try:
                poll(POLL_INTERVAL_S)
            except Exception:
                log.exception("Kafka producer poll failed; continuing")
                continue
            if self._completed:
                self._hand_over()

    def _hand_over(self) -> None:
        completed, self._completed[:] = list(self._completed), []
        by_loop: defaultdict[asyncio.AbstractEventLoop, list[DeliveryBatch]] = defaultdict(list)
        for batch in completed:
            by_loop[batch.loop].append(batch)
        for loop, batches in by_loop.items():
            try:
                loop.call_soon_threadsafe(_resolve_all, batches)
            except RuntimeError:
                log.warning("event loop closed before %d delivery reports were handed over", len(batches))

    def close(self, timeout_s: float = 10.0) -> int:
        """Stop the poller thread, flush outstanding records; return how many stayed undelivered."""
        # The poller stops first so that delivery callbacks keep running on a single thread.
        self._stop.set()
        self._thread.join(timeout=2.0)
        remaining: int = self.producer.flush(timeout_s)
        if self._completed:
            self._hand_over()
        if remaining:
            log.error("producer closed with %d undelivered records", remaining)
        return remaining


def _resolve_all(batches: list[DeliveryBatch]) -> None:
    for batch in batches:
        batch.resolve()
