"""Settings of the baseline webhook service, read from the gateway's own `INT_HUBSPOT_*` variables.

The baseline reads the same variables with the same defaults as the gateway, so one environment
configures both, and its producer uses the same librdkafka settings (a smoke test compares them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class BaselineSettings:
    client_secret: str = field(repr=False)
    public_url: str
    kafka_bootstrap: str = "127.0.0.1:9092"
    events_topic: str = "hubspot.events"
    dlq_topic: str = "hubspot.events.dlq"
    max_body_bytes: int = 1_048_576
    ack_timeout_s: float = 4.0
    retry_after_s: int = 10
    kafka_compression: str = "lz4"
    kafka_linger_ms: int = 2
    kafka_queue_max_messages: int = 100_000
    kafka_message_timeout_ms: int = 30_000
    kafka_max_record_bytes: int = 1_000_000

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> BaselineSettings:
        """Read the settings; a missing secret or public URL raises `KeyError` naming the variable."""
        return cls(
            client_secret=environ["INT_HUBSPOT_CLIENT_SECRET"].split(",")[0].strip(),
            public_url=environ["INT_HUBSPOT_PUBLIC_URL"].rstrip("/"),
            kafka_bootstrap=environ.get("INT_HUBSPOT_KAFKA_BOOTSTRAP", "127.0.0.1:9092"),
            events_topic=environ.get("INT_HUBSPOT_EVENTS_TOPIC", "hubspot.events"),
            dlq_topic=environ.get("INT_HUBSPOT_DLQ_TOPIC", "hubspot.events.dlq"),
            max_body_bytes=int(environ.get("INT_HUBSPOT_MAX_BODY_BYTES", "1048576")),
            ack_timeout_s=int(environ.get("INT_HUBSPOT_ACK_TIMEOUT_MS", "4000")) / 1000,
            retry_after_s=int(environ.get("INT_HUBSPOT_RETRY_AFTER_S", "10")),
            kafka_compression=environ.get("INT_HUBSPOT_KAFKA_COMPRESSION", "lz4"),
            kafka_linger_ms=int(environ.get("INT_HUBSPOT_KAFKA_LINGER_MS", "2")),
            kafka_queue_max_messages=int(environ.get("INT_HUBSPOT_KAFKA_QUEUE_MAX_MESSAGES", "100000")),
            kafka_message_timeout_ms=int(environ.get("INT_HUBSPOT_KAFKA_MESSAGE_TIMEOUT_MS", "30000")),
            kafka_max_record_bytes=int(environ.get("INT_HUBSPOT_KAFKA_MAX_RECORD_BYTES", "1000000")),
        )

    def producer_config(self) -> dict[str, Any]:
        """Return the librdkafka configuration: the gateway's settings, so both pay the same Kafka costs."""
        return {
            "bootstrap.servers": self.kafka_bootstrap,
            "client.id": "int-hubspot-baseline",
            "acks": "all",
            "enable.idempotence": True,
            "partitioner": "murmur2_random",
            "linger.ms": self.kafka_linger_ms,
            "compression.type": self.kafka_compression,
            "queue.buffering.max.messages": self.kafka_queue_max_messages,
            "message.timeout.ms": self.kafka_message_timeout_ms,
            "message.max.bytes": self.kafka_max_record_bytes,
        }
