"""JSON log lines: fields, request and portal ids from context, repeat counting, redaction."""

from __future__ import annotations

import asyncio
import io
import json
import logging

from int_hubspot_service.logs import (
    ContextFilter,
    JsonFormatter,
    RepeatFilter,
    bind_request,
    new_request_id,
    portal_id_var,
)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make_logger(*filters: logging.Filter, redact: tuple[str, ...] = ()) -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter(redact))
    handler.addFilter(ContextFilter())
    for log_filter in filters:
        handler.addFilter(log_filter)
    logger = logging.getLogger(f"test.logs.{id(stream)}")
    logger.handlers = [handler]
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    return logger, stream


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_line_has_standard_fields() -> None:
    logger, stream = make_logger()

    logger.info("gateway worker started: server=%s", "granian")

    (entry,) = lines(stream)
    assert entry["level"] == "INFO"
    assert entry["logger"] == logger.name
    assert entry["message"] == "gateway worker started: server=granian"
    assert str(entry["timestamp"]).endswith("+00:00")
    assert "request_id" not in entry


def test_request_and_portal_ids_from_context() -> None:
    logger, stream = make_logger()

    with bind_request("req-1"):
        portal_id_var.set("62515")
        logger.warning("Kafka did not acknowledge")
    logger.warning("outside a request")

    inside, outside = lines(stream)
    assert inside["request_id"] == "req-1"
    assert inside["portal_id"] == "62515"
    assert "request_id" not in outside
    assert "portal_id" not in outside


def test_concurrent_requests_keep_their_ids() -> None:
    logger, stream = make_logger()

    async def handle(request_id: str) -> None:
        with bind_request(request_id):
            await asyncio.sleep(0)
            logger.info("handled")

    async def run_all() -> None:
        await asyncio.gather(*(handle(f"req-{index}") for index in range(20)))

    asyncio.run(run_all())

    assert sorted(str(entry["request_id"]) for entry in lines(stream)) == sorted(
        f"req-{i}" for i in range(20)
    )


def test_request_ids_unique() -> None:
    ids = {new_request_id() for _ in range(1000)}

    assert len(ids) == 1000


def test_repeats_counted_not_logged() -> None:
    clock = FakeClock()
    logger, stream = make_logger(RepeatFilter(window_s=60, clock=clock))

    for _ in range(5):
        logger.warning("Kafka client error: %s", "broker down")
    logger.info("info lines always pass")
    logger.info("info lines always pass")
    clock.now += 61
    logger.warning("Kafka client error: %s", "broker down")

    entries = lines(stream)
    warnings = [entry for entry in entries if entry["level"] == "WARNING"]
    assert len(warnings) == 2
    assert "repeats_suppressed" not in warnings[0]
    assert warnings[1]["repeats_suppressed"] == 4
    assert len([entry for entry in entries if entry["level"] == "INFO"]) == 2


def test_repeat_filter_bounds_tracked_kinds() -> None:
    repeat_filter = RepeatFilter(max_kinds=3, clock=FakeClock())
    logger, stream = make_logger(repeat_filter)

    for index in range(10):
        logger.error("failure %d" % index)  # noqa: UP031 - ten distinct templates on purpose

    assert len(lines(stream)) == 10
    assert len(repeat_filter._kinds) == 3


def test_secrets_redacted() -> None:
    logger, stream = make_logger(redact=("s3cr3t-client-value",))

    logger.error(
        "verification failed with key s3cr3t-client-value", extra={"access_token": "abc", "body": b"{}"}
    )

    text = stream.getvalue()
    assert "s3cr3t-client-value" not in text
    (entry,) = lines(stream)
    assert entry["access_token"] == "[REDACTED]"
    assert entry["body"] == "[REDACTED]"
    assert "[REDACTED]" in str(entry["message"])
