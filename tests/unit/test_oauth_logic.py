"""Pure OAuth logic: state, authorize URL, token parsing, refresh timing and the token envelope."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs, urlsplit

import pytest

from int_hubspot.config.oauth import parse_token_keys
from int_hubspot.oauth import (
    BrowserMismatchError,
    EnvelopeError,
    ExpiredStateError,
    MalformedStateError,
    StateCodec,
    TokenCipher,
    TokenResponseError,
    backoff_delay_s,
    build_authorize_url,
    parse_introspection,
    parse_oauth_error,
    parse_token_response,
    refresh_due_at,
)

KEY = b"k" * 32
NONCE = b"n" * 16


def keys(*ids: str) -> str:
    """Return INT_HUBSPOT_TOKEN_KEYS text with a distinct 32-byte key per id."""
    return ",".join(f"{key_id}:{base64.b64encode((key_id.encode() * 32)[:32]).decode()}" for key_id in ids)


def test_state_round_trip() -> None:
    codec = StateCodec(KEY, ttl_s=600)
    state = codec.issue(NONCE, "browser-1", now_s=1_000)
    claims = codec.verify(state, "browser-1", now_s=1_599)
    assert claims.expires_at == 1_600
    assert claims.nonce


def test_state_expired() -> None:
    codec = StateCodec(KEY, ttl_s=600)
    state = codec.issue(NONCE, "browser-1", now_s=1_000)
    with pytest.raises(ExpiredStateError):
        codec.verify(state, "browser-1", now_s=1_600)


def test_state_other_browser() -> None:
    codec = StateCodec(KEY, ttl_s=600)
    state = codec.issue(NONCE, "browser-1", now_s=1_000)
    with pytest.raises(BrowserMismatchError):
        codec.verify(state, "browser-2", now_s=1_001)
    with pytest.raises(BrowserMismatchError):
        codec.verify(state, None, now_s=1_001)


@pytest.mark.parametrize("mutation", ["payload", "mac", "version", "shape", "other_key"])
def test_state_tampering_rejected(mutation: str) -> None:
    codec = StateCodec(KEY, ttl_s=600)
    version, payload, mac = codec.issue(NONCE, "browser-1", now_s=1_000).split(".")
    forged = {
        "payload": f"{version}.{payload[:-1]}A.{mac}",
        "mac": f"{version}.{payload}.{mac[:-1]}A",
        "version": f"v2.{payload}.{mac}",
        "shape": f"{version}.{payload}",
        "other_key": StateCodec(b"x" * 32, ttl_s=600).issue(NONCE, "browser-1", now_s=1_000),
    }[mutation]
    with pytest.raises(MalformedStateError):
        codec.verify(forged, "browser-1", now_s=1_001)


def test_state_key_too_short() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        StateCodec(b"short", ttl_s=600)


def test_authorize_url_encodes_spaces() -> None:
    url = build_authorize_url(
        "https://app.hubspot.com/",
        client_id="cid",
        redirect_uri="https://gw.example.com/oauth/callback",
        scopes=["oauth", "crm.objects.contacts.read"],
        optional_scopes=["crm.objects.deals.read"],
        state="v1.a.b",
    )
    parts = urlsplit(url)
    assert parts.path == "/oauth/authorize"
    assert "scope=oauth%20crm.objects.contacts.read" in parts.query
    params = parse_qs(parts.query)
    assert params["redirect_uri"] == ["https://gw.example.com/oauth/callback"]
    assert params["optional_scope"] == ["crm.objects.deals.read"]
    assert params["state"] == ["v1.a.b"]


def test_authorize_url_without_optional_scopes() -> None:
    url = build_authorize_url(
        "https://app.hubspot.com",
        client_id="c",
        redirect_uri="https://r",
        scopes=["oauth"],
        optional_scopes=[],
        state="s",
    )
    assert "optional_scope" not in url


def test_token_response_parsed() -> None:
    tokens = parse_token_response(
        {
            "access_token": "at",
            "refresh_token": "rt",
            "expires_in": 1800,
            "hub_id": 62515,
            "scopes": ["oauth"],
        }
    )
    assert tokens.expires_in == 1800
    assert tokens.hub_id == 62515
    assert tokens.scopes == ("oauth",)
    assert "at" not in repr(tokens).replace("expires_in", "").replace("token_type", "")


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"access_token": "a"},
        {"access_token": "a", "expires_in": 0},
        {"access_token": "a", "expires_in": True},
    ],
)
def test_token_response_invalid(body: dict[str, object]) -> None:
    with pytest.raises(TokenResponseError):
        parse_token_response(body)


def test_introspection_scopes_as_string() -> None:
    facts = parse_introspection({"active": True, "hub_id": "7", "scopes": "oauth crm.objects.contacts.read"})
    assert facts.hub_id == 7
    assert facts.scopes == ("oauth", "crm.objects.contacts.read")


def test_oauth_error_invalid_grant() -> None:
    legacy = parse_oauth_error({"status": "BAD_REFRESH_TOKEN", "message": "missing or invalid refresh token"})
    assert legacy.is_invalid_grant
    modern = parse_oauth_error(
        {"error": "invalid_grant", "error_description": "revoked", "correlationId": "c"}
    )
    assert modern.is_invalid_grant
    assert modern.correlation_id == "c"
    assert not parse_oauth_error({"error": "invalid_client"}).is_invalid_grant
    assert not parse_oauth_error("not json").is_invalid_grant


def test_refresh_due_window() -> None:
    assert refresh_due_at(10_000, 300, 0.0) == 9_700
    assert refresh_due_at(10_000, 300, 0.999) == pytest.approx(9_640.06)
    with pytest.raises(ValueError):
        refresh_due_at(10_000, 300, 1.0)


def test_backoff_grows_and_caps() -> None:
    lows = [backoff_delay_s(attempt, 0.5, 8.0, 0.0) for attempt in range(1, 8)]
    highs = [backoff_delay_s(attempt, 0.5, 8.0, 0.999999) for attempt in range(1, 8)]
    assert lows == [0.25, 0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    assert all(high <= 8.0 for high in highs)
    assert highs[0] == pytest.approx(0.5, rel=1e-5)
    with pytest.raises(ValueError):
        backoff_delay_s(0, 0.5, 8.0, 0.5)


def test_envelope_round_trip_and_binding() -> None:
    cipher = TokenCipher(parse_token_keys(keys("k1")))
    stored = cipher.encrypt("secret-token", "123", "hubspot_refresh_token")
    assert stored.startswith("hsenc:v1:k1:")
    assert "secret-token" not in stored
    assert cipher.decrypt(stored, "123", "hubspot_refresh_token") == "secret-token"
    with pytest.raises(EnvelopeError):
        cipher.decrypt(stored, "124", "hubspot_refresh_token")
    with pytest.raises(EnvelopeError):
        cipher.decrypt(stored, "123", "hubspot_access_token")


def test_envelope_nonce_is_random() -> None:
    cipher = TokenCipher(parse_token_keys(keys("k1")))
    assert cipher.encrypt("t", "1", "a") != cipher.encrypt("t", "1", "a")


def test_envelope_rotation() -> None:
    old = TokenCipher(parse_token_keys(keys("k1")))
    stored = old.encrypt("token", "1", "a")
    rotated = TokenCipher(parse_token_keys(keys("k2", "k1")))
    assert rotated.current_key_id == "k2"
    assert rotated.needs_reencryption(stored)
    assert rotated.decrypt(stored, "1", "a") == "token"
    reencrypted = rotated.encrypt("token", "1", "a")
    assert rotated.key_id_of(reencrypted) == "k2"
    with pytest.raises(EnvelopeError, match="k2"):
        old.decrypt(reencrypted, "1", "a")


def test_envelope_edited_key_id_fails() -> None:
    cipher = TokenCipher(parse_token_keys(keys("k1", "k2")))
    stored = cipher.encrypt("token", "1", "a")
    with pytest.raises(EnvelopeError):
        cipher.decrypt(stored.replace(":k1:", ":k2:"), "1", "a")
    with pytest.raises(EnvelopeError, match="k9"):
        cipher.decrypt(stored.replace(":k1:", ":k9:"), "1", "a")
    with pytest.raises(EnvelopeError):
        cipher.decrypt("plain-token", "1", "a")
    assert "AAAA" not in repr(cipher)
