"""Gateway settings read from `INT_HUBSPOT_*` environment variables, with validation.

`load_settings(environ)` is pure: it takes a mapping, returns a frozen `Settings`, and raises
`ConfigError` listing every invalid variable at once, so an operator fixes them in one pass.
Secrets are kept as bytes and never appear in a repr.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

__all__ = ["ConfigError", "EnvironmentReader", "Secrets", "Settings", "load_settings"]

SIGNATURE_VERSIONS = ("v1", "v2", "v3")
SERVERS = ("granian", "robyn")
COMPRESSION_TYPES = ("none", "gzip", "snappy", "lz4", "zstd")

# Each listed portal adds one series to the per-tenant metrics; the cap keeps Prometheus cardinality bounded.
MAX_METRICS_PORTAL_IDS = 50

# HubSpot counts a webhook response slower than 5 s as a failure and retries it, so the gateway
# responds with 503 before then.
HUBSPOT_TIMEOUT_MS = 5_000


class ConfigError(ValueError):
    """One or more settings are invalid; `problems` lists each one."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid configuration:\n  - " + "\n  - ".join(problems))


@dataclass(frozen=True)
class Secrets:
    """HubSpot app client secrets; the first one is current, the others are accepted during rotation."""

    values: tuple[bytes, ...] = field(repr=False)

    def __repr__(self) -> str:
        return f"Secrets(<{len(self.values)} redacted>)"

    def __len__(self) -> int:
        return len(self.values)


@dataclass(frozen=True)
class Settings:
    """Validated gateway settings; see docs/configuration.md for each variable."""

    client_secrets: Secrets
    public_url: str
    kafka_bootstrap: str = "127.0.0.1:9092"
    events_topic: str = "hubspot.events"
    dlq_topic: str = "hubspot.events.dlq"
    host: str = "0.0.0.0"  # noqa: S104 - a container serves on all its interfaces
    port: int = 8080
    server: str = "granian"
    workers: int = 1
    signature_versions: tuple[str, ...] = ("v3",)
    signature_max_age_ms: int = 300_000
    max_body_bytes: int = 1_048_576
    ack_timeout_ms: int = 4_000
    retry_after_s: int = 10
    kafka_compression: str = "lz4"
    kafka_linger_ms: int = 2
    kafka_queue_max_messages: int = 100_000
    kafka_message_timeout_ms: int = 30_000
    kafka_max_record_bytes: int = 1_000_000
    ready_check_interval_s: float = 5.0
    log_level: str = "INFO"
    tenant_events_per_second: int = 0  # 0 turns the inbound per-tenant limit off
    tenant_burst_events: int = 5_000
    metrics_portal_ids: tuple[str, ...] = ()


def load_settings(environ: Mapping[str, str]) -> Settings:
    """Build `Settings` from `environ` (usually `os.environ`); raise `ConfigError` on any invalid value."""
    reader = EnvironmentReader(environ)

    secrets = reader.secrets("INT_HUBSPOT_CLIENT_SECRET")
    public_url = reader.public_url("INT_HUBSPOT_PUBLIC_URL")
    versions = reader.choices("INT_HUBSPOT_SIGNATURE_VERSIONS", "v3", SIGNATURE_VERSIONS)
    server = reader.choice("INT_HUBSPOT_SERVER", "granian", SERVERS)
    compression = reader.choice("INT_HUBSPOT_KAFKA_COMPRESSION", "lz4", COMPRESSION_TYPES)
    ack_timeout_ms = reader.integer("INT_HUBSPOT_ACK_TIMEOUT_MS", 4_000, 100, HUBSPOT_TIMEOUT_MS - 1)

    settings = Settings(
        client_secrets=secrets,
        public_url=public_url,
        kafka_bootstrap=reader.text("INT_HUBSPOT_KAFKA_BOOTSTRAP", "127.0.0.1:9092"),
        events_topic=reader.topic("INT_HUBSPOT_EVENTS_TOPIC", "hubspot.events"),
        dlq_topic=reader.topic("INT_HUBSPOT_DLQ_TOPIC", "hubspot.events.dlq"),
        host=reader.text("INT_HUBSPOT_HOST", "0.0.0.0"),  # noqa: S104
        port=reader.integer("INT_HUBSPOT_PORT", 8080, 1, 65_535),
        server=server,
        workers=reader.integer("INT_HUBSPOT_WORKERS", 1, 1, 64),
        signature_versions=versions,
        signature_max_age_ms=reader.integer("INT_HUBSPOT_SIGNATURE_MAX_AGE_MS", 300_000, 1_000, 3_600_000),
        max_body_bytes=reader.integer("INT_HUBSPOT_MAX_BODY_BYTES", 1_048_576, 1_024, 64 * 1_048_576),
        ack_timeout_ms=ack_timeout_ms,
        retry_after_s=reader.integer("INT_HUBSPOT_RETRY_AFTER_S", 10, 1, 3_600),
        kafka_compression=compression,
        kafka_linger_ms=reader.integer("INT_HUBSPOT_KAFKA_LINGER_MS", 2, 0, 1_000),
        kafka_queue_max_messages=reader.integer(
            "INT_HUBSPOT_KAFKA_QUEUE_MAX_MESSAGES", 100_000, 100, 10_000_000
        ),
        kafka_message_timeout_ms=reader.integer(
            "INT_HUBSPOT_KAFKA_MESSAGE_TIMEOUT_MS", 30_000, 1_000, 3_600_000
        ),
        kafka_max_record_bytes=reader.integer(
            "INT_HUBSPOT_KAFKA_MAX_RECORD_BYTES", 1_000_000, 10_000, 100_000_000
        ),
        ready_check_interval_s=reader.integer("INT_HUBSPOT_READY_CHECK_INTERVAL_MS", 5_000, 100, 600_000)
        / 1_000,
        log_level=reader.choice("INT_HUBSPOT_LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR")),
        tenant_events_per_second=reader.integer("INT_HUBSPOT_TENANT_EVENTS_PER_SECOND", 0, 0, 10_000_000),
        tenant_burst_events=reader.integer("INT_HUBSPOT_TENANT_BURST_EVENTS", 5_000, 1, 100_000_000),
        metrics_portal_ids=reader.portal_ids("INT_HUBSPOT_METRICS_PORTAL_IDS", MAX_METRICS_PORTAL_IDS),
    )
    if settings.server == "robyn" and settings.workers > 1:
        reader.problems.append(
            "INT_HUBSPOT_WORKERS must be 1 with INT_HUBSPOT_SERVER=robyn: Robyn stops extra worker "
            "processes with SIGKILL, so records could be lost; run more replicas instead"
        )
    if settings.events_topic == settings.dlq_topic:
        reader.problems.append("INT_HUBSPOT_DLQ_TOPIC must differ from INT_HUBSPOT_EVENTS_TOPIC")
    if reader.problems:
        raise ConfigError(reader.problems)
    return settings


class EnvironmentReader:
    """Reads variables one by one and collects every problem instead of stopping at the first.

    `load_settings` and the OAuth settings loader both read through it, so the two report problems alike.
    """

    def __init__(self, environ: Mapping[str, str]) -> None:
        self.environ = environ
        self.problems: list[str] = []

    def raw(self, name: str) -> str | None:
        value = self.environ.get(name)
        if value is None or value.strip() == "":
            return None
        return value.strip()

    def text(self, name: str, default: str) -> str:
        return self.raw(name) or default

    def integer(self, name: str, default: int, minimum: int, maximum: int) -> int:
        value = self.raw(name)
        if value is None:
            return default
        try:
            number = int(value)
        except ValueError:
            self.problems.append(f"{name}={value!r} is not an integer")
            return default
        if not minimum <= number <= maximum:
            self.problems.append(f"{name}={number} is out of range; use {minimum}..{maximum}")
            return default
        return number

    def choice(self, name: str, default: str, allowed: tuple[str, ...]) -> str:
        value = self.raw(name)
        if value is None:
            return default
        normalized = value.upper() if allowed[0].isupper() else value.lower()
        if normalized not in allowed:
            self.problems.append(f"{name}={value!r} is not one of {', '.join(allowed)}")
            return default
        return normalized

    def choices(self, name: str, default: str, allowed: tuple[str, ...]) -> tuple[str, ...]:
        value = self.raw(name) or default
        items = tuple(item.strip().lower() for item in value.split(",") if item.strip())
        unknown = [item for item in items if item not in allowed]
        if unknown or not items:
            self.problems.append(f"{name}={value!r} must list some of {', '.join(allowed)}")
            return (default,)
        return tuple(dict.fromkeys(items))

    def topic(self, name: str, default: str) -> str:
        value = self.text(name, default)
        if len(value) > 249 or not all(ch.isalnum() or ch in "._-" for ch in value):
            self.problems.append(
                f"{name}={value!r} is not a valid Kafka topic name (letters, digits, '.', '_', '-')"
            )
        return value

    def portal_ids(self, name: str, maximum: int) -> tuple[str, ...]:
        value = self.raw(name)
        if value is None:
            return ()
        items = tuple(dict.fromkeys(item.strip() for item in value.split(",") if item.strip()))
        invalid = [item for item in items if not item.isdigit()]
        if invalid:
            self.problems.append(f"{name} lists {', '.join(invalid)}, which are not decimal portal ids")
            return ()
        if len(items) > maximum:
            self.problems.append(f"{name} lists {len(items)} portals; the limit is {maximum}")
            return ()
        return items

    def secrets(self, name: str) -> Secrets:
        value = self.environ.get(name, "")
        items = tuple(item.strip().encode() for item in value.split(",") if item.strip())
        if not items:
            self.problems.append(
                f"{name} is missing; set it to the app's client secret "
                "(comma-separated during rotation, current secret first)"
            )
        return Secrets(items)

    def public_url(self, name: str) -> str:
        value = self.raw(name)
        if value is None:
            self.problems.append(
                f"{name} is missing; set it to the base URL HubSpot calls, e.g. https://hooks.example.com"
            )
            return ""
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            self.problems.append(f"{name}={value!r} must be an absolute http(s) URL")
        if parts.query or parts.fragment:
            self.problems.append(f"{name}={value!r} must not carry a query string or fragment")
        # The request path is appended as received, so a trailing slash would double it.
        return value.rstrip("/")
