"""Settings parsing: defaults, validation messages and secret redaction."""

from __future__ import annotations

import pytest

from int_hubspot.config.settings import ConfigError, load_settings

BASE = {
    "INT_HUBSPOT_CLIENT_SECRET": "current,previous",
    "INT_HUBSPOT_PUBLIC_URL": "https://hooks.example.com/",
}


def test_defaults_applied() -> None:
    settings = load_settings(BASE)

    assert settings.client_secrets.values == (b"current", b"previous")
    assert settings.public_url == "https://hooks.example.com"
    assert settings.kafka_bootstrap == "127.0.0.1:9092"
    assert settings.events_topic == "hubspot.events"
    assert settings.dlq_topic == "hubspot.events.dlq"
    assert settings.port == 8080
    assert settings.signature_versions == ("v3",)
    assert settings.server == "granian"
    assert settings.ack_timeout_ms < 5_000


def test_secrets_hidden_from_repr() -> None:
    settings = load_settings(BASE)

    assert "current" not in repr(settings)
    assert "previous" not in repr(settings)
    assert "2 redacted" in repr(settings)


def test_every_problem_reported_at_once() -> None:
    environ = {
        "INT_HUBSPOT_PORT": "eighty",
        "INT_HUBSPOT_SERVER": "tornado",
        "INT_HUBSPOT_SIGNATURE_VERSIONS": "v3,v9",
        "INT_HUBSPOT_ACK_TIMEOUT_MS": "6000",
        "INT_HUBSPOT_EVENTS_TOPIC": "bad topic",
    }

    with pytest.raises(ConfigError) as caught:
        load_settings(environ)

    message = str(caught.value)
    assert "INT_HUBSPOT_CLIENT_SECRET is missing" in message
    assert "INT_HUBSPOT_PUBLIC_URL is missing" in message
    assert "INT_HUBSPOT_PORT='eighty' is not an integer" in message
    assert "INT_HUBSPOT_SERVER='tornado'" in message
    assert "INT_HUBSPOT_SIGNATURE_VERSIONS" in message
    assert "INT_HUBSPOT_ACK_TIMEOUT_MS=6000 is out of range" in message
    assert "not a valid Kafka topic name" in message
    assert len(caught.value.problems) == 7


def test_public_url_rejects_query() -> None:
    with pytest.raises(ConfigError, match="must not carry a query string"):
        load_settings({**BASE, "INT_HUBSPOT_PUBLIC_URL": "https://hooks.example.com/?a=1"})


def test_signature_versions_parsed() -> None:
    settings = load_settings({**BASE, "INT_HUBSPOT_SIGNATURE_VERSIONS": " V3, v2 ,v3"})

    assert settings.signature_versions == ("v3", "v2")


def test_same_topic_twice_rejected() -> None:
    with pytest.raises(ConfigError, match="must differ"):
        load_settings({**BASE, "INT_HUBSPOT_DLQ_TOPIC": "hubspot.events"})


def test_robyn_with_several_workers_rejected() -> None:
    with pytest.raises(ConfigError, match="INT_HUBSPOT_WORKERS must be 1"):
        load_settings({**BASE, "INT_HUBSPOT_SERVER": "robyn", "INT_HUBSPOT_WORKERS": "2"})
