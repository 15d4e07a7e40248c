"""Idiomatic Python baseline of the webhook path: FastAPI on uvicorn, for side-by-side load runs.

It does what int-hubspot does on `POST /webhooks`, the way a Python team would write it with the usual
libraries: FastAPI reads the request, HubSpot's official SDK checks the v3 signature
(`hubspot.utils.signature.Signature.is_valid`), the pure-Python reference normalizer turns the batch
into OCEL records, and confluent-kafka produces them. Every record gets an asyncio future that its
delivery callback resolves, and the request returns 204 only after all of them resolve. That is the
gateway's acknowledgement rule. Status codes: 204, 401 (signature missing, invalid or stale), 413
(body too large), 503 with Retry-After (Kafka did not accept or confirm in time).

Run it with the gateway's `INT_HUBSPOT_*` variables:

    uvicorn app:app --app-dir bench/baseline --workers 1 --loop uvloop --http httptools --no-access-log
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from baseline_settings import BaselineSettings
from confluent_kafka import KafkaError, KafkaException, Producer
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from hubspot.exceptions import InvalidSignatureTimestampError
from hubspot.utils.signature import Signature

from int_hubspot.webhook.reference import normalize_batch

log = logging.getLogger("baseline")

settings = BaselineSettings.from_environ(os.environ)


class AsyncProducer:
    """A confluent-kafka producer whose deliveries are awaitable asyncio futures.

    A background thread serves delivery callbacks with `Producer.poll()`; each callback hands its
    result to the event loop with `call_soon_threadsafe`.
    """

    def __init__(self, config: dict[str, Any]) -> None:
        self._producer = Producer(config)
        self._stopping = threading.Event()
        self._poller = threading.Thread(target=self._poll_loop, name="kafka-poll", daemon=True)
        self._poller.start()

    def _poll_loop(self) -> None:
        while not self._stopping.is_set():
            self._producer.poll(0.1)

    def produce(
        self, topic: str, value: bytes, key: bytes | None, headers: list[tuple[str, bytes]]
    ) -> asyncio.Future[None]:
        """Enqueue one record and return a future that resolves when Kafka acknowledges it."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()

        def on_delivery(error: KafkaError | None, _message: Any) -> None:
            if error is None:
                loop.call_soon_threadsafe(_resolve, future, None)
            else:
                loop.call_soon_threadsafe(_resolve, future, KafkaException(error))

        self._producer.produce(topic, value, key, headers=headers, on_delivery=on_delivery)
        return future

    def close(self, timeout_s: float = 10.0) -> int:
        """Stop the poller, flush, and return the number of records left undelivered."""
        self._stopping.set()
        self._poller.join()
        remaining: int = self._producer.flush(timeout_s)
        return remaining


def _resolve(future: asyncio.Future[None], error: Exception | None) -> None:
    if future.done():
        return
    if error is None:
        future.set_result(None)
    else:
        future.set_exception(error)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.producer = AsyncProducer(settings.producer_config())
    yield
    undelivered = app.state.producer.close()
    if undelivered:
        log.error("baseline stopped with %d undelivered records", undelivered)


app = FastAPI(lifespan=lifespan, openapi_url=None, docs_url=None, redoc_url=None)


def _error(status: int, code: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": code}, status_code=status, headers=headers)


def _signature_is_valid(request: Request, body: bytes) -> bool:
    signature = request.headers.get("x-hubspot-signature-v3")
    timestamp = request.headers.get("x-hubspot-request-timestamp")
    if not signature or not timestamp:
        return False
    uri = settings.public_url + request.url.path
    if request.url.query:
        uri += "?" + request.url.query
    try:
        return Signature.is_valid(
            signature=signature,
            client_secret=settings.client_secret,
            request_body=body.decode("utf-8"),
            http_uri=uri,
            http_method=request.method,
            signature_version="v3",
            timestamp=timestamp,
        )
    except (InvalidSignatureTimestampError, UnicodeDecodeError, TypeError):
        # TypeError: hmac.compare_digest rejects a signature header with non-ASCII characters.
        return False


@app.post("/webhooks")
async def receive_webhook(request: Request) -> Response:
    received_at_ms = int(time.time() * 1000)
    body = await request.body()
    if len(body) > settings.max_body_bytes:
        return _error(413, "body_too_large")
    if not _signature_is_valid(request, body):
        return _error(401, "invalid_signature")

    records, poison = normalize_batch(body, received_at_ms)
    producer: AsyncProducer = request.app.state.producer
    try:
        deliveries = [
            producer.produce(settings.events_topic, value, key, headers)
            for key, value, headers, _event_id in records
        ]
        for index, reason, detail, raw, portal_id in poison:
            key = str(portal_id).encode() if portal_id is not None else None
            headers = [
                ("dead_letter_reason", reason.encode()),
                ("dead_letter_error", detail.encode()),
                ("batch_index", str(index).encode()),
                ("received_at", str(received_at_ms).encode()),
            ]
            deliveries.append(producer.produce(settings.dlq_topic, raw, key, headers))
    except BufferError:
        return _error(503, "producer_queue_full", {"retry-after": str(settings.retry_after_s)})

    try:
        await asyncio.wait_for(asyncio.gather(*deliveries), settings.ack_timeout_s)
    except (TimeoutError, KafkaException) as error:
        log.warning("Kafka did not acknowledge %d record(s): %s", len(deliveries), error)
        return _error(503, "kafka_unavailable", {"retry-after": str(settings.retry_after_s)})
    return Response(status_code=204)


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/ready")
async def ready() -> dict[str, str]:
    return {"status": "ready"}
