"""Parsing of the OAuth settings: off by default, every problem reported, secrets never in a repr."""

from __future__ import annotations

import base64

import pytest

from int_hubspot.config.oauth import load_oauth_settings, parse_token_keys
from int_hubspot.config.settings import ConfigError, load_settings

KEY = base64.b64encode(b"\x01" * 32).decode()
BASE = {
    "INT_HUBSPOT_CLIENT_SECRET": "app-secret,old-secret",
    "INT_HUBSPOT_PUBLIC_URL": "https://gw.example.com",
}
OAUTH = {
    **BASE,
    "INT_HUBSPOT_HUBSPOT_CLIENT_ID": "cid",
    "INT_HUBSPOT_STATE_KEY": "s" * 32,
    "INT_HUBSPOT_TOKEN_KEYS": f"k1:{KEY}",
    "INT_HUBSPOT_KEYCLOAK_CLIENT_SECRET": "kc-secret",
}


def load(environ: dict[str, str]):  # type: ignore[no-untyped-def]
    return load_oauth_settings(environ, load_settings(environ))


def test_oauth_off_without_client_id() -> None:
    assert load(BASE) is None


def test_oauth_defaults() -> None:
    settings = load(OAUTH)
    assert settings is not None
    assert settings.redirect_url == "https://gw.example.com/oauth/callback"
    assert settings.hubspot_client_secret == b"app-secret"
    assert settings.keycloak_url == "http://127.0.0.1:8180"
    assert settings.keycloak_realm == "ameide"
    assert settings.tenants_topic == "hubspot.tenants"
    assert settings.hubspot_api_url == "https://api.hubapi.com"
    assert settings.hubspot_app_url == "https://app.hubspot.com"
    assert settings.token_keys.current_id == "k1"


def test_secrets_not_in_repr() -> None:
    text = repr(load(OAUTH))
    for secret in ("app-secret", "kc-secret", "s" * 32, KEY):
        assert secret not in text


def test_enabled_without_client_id_reports_all() -> None:
    with pytest.raises(ConfigError) as raised:
        load({**BASE, "INT_HUBSPOT_OAUTH_ENABLED": "true"})
    text = str(raised.value)
    for name in (
        "INT_HUBSPOT_HUBSPOT_CLIENT_ID",
        "INT_HUBSPOT_STATE_KEY",
        "INT_HUBSPOT_TOKEN_KEYS",
        "INT_HUBSPOT_KEYCLOAK_CLIENT_SECRET",
    ):
        assert name in text


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("INT_HUBSPOT_STATE_KEY", "short", "shorter than 32"),
        ("INT_HUBSPOT_TOKEN_KEYS", "k1:AAAA", "AES-256 needs 32"),
        ("INT_HUBSPOT_TOKEN_KEYS", "k1", "KEY_ID:BASE64_KEY"),
        ("INT_HUBSPOT_TOKEN_KEYS", f"k1:{KEY},k1:{KEY}", "appears twice"),
        ("INT_HUBSPOT_KEYCLOAK_URL", "ftp://kc", "absolute http"),
        ("INT_HUBSPOT_OAUTH_SCOPES", "oauth bad/scope", "invalid scope"),
        ("INT_HUBSPOT_OAUTH_ENABLED", "maybe", "not a boolean"),
    ],
)
def test_invalid_values(variable: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load({**OAUTH, variable: value})


def test_invalid_key_message_hides_key() -> None:
    with pytest.raises(ValueError) as raised:
        parse_token_keys("k1:c2VjcmV0LWtleS1tYXRlcmlhbA==")
    assert "c2VjcmV0" not in str(raised.value)


def test_scopes_accept_commas() -> None:
    settings = load({**OAUTH, "INT_HUBSPOT_OAUTH_SCOPES": "oauth,crm.objects.contacts.read oauth"})
    assert settings is not None
    assert settings.scopes == ("oauth", "crm.objects.contacts.read")
