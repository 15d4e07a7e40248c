"""Signed, expiring OAuth `state` values bound to one browser.

A state is `v1.<payload>.<mac>` in unpadded base64url. The payload is JSON with a random nonce, the
expiry (Unix seconds) and a SHA-256 digest of a random browser id. The browser id itself travels only in
an HttpOnly cookie set by `/oauth/install`, so a state lifted from a URL is useless in another browser.
The MAC is HMAC-SHA256 over the version and payload with INT_HUBSPOT_STATE_KEY.

Single use is not decided here: the caller records each accepted nonce until the state expires.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass

__all__ = [
    "BrowserMismatchError",
    "ExpiredStateError",
    "MalformedStateError",
    "StateClaims",
    "StateCodec",
    "StateError",
]

_VERSION = "v1"
NONCE_BYTES = 16
MAX_STATE_CHARS = 512


class StateError(ValueError):
    """The `state` of an OAuth callback cannot be trusted."""


class MalformedStateError(StateError):
    """The state has the wrong shape or its signature does not verify."""


class ExpiredStateError(StateError):
    """The state is older than its time to live."""


class BrowserMismatchError(StateError):
    """The state was issued to another browser, or the browser's cookie is missing."""


@dataclass(frozen=True)
class StateClaims:
    """The verified content of a state."""

    nonce: str
    expires_at: int


class StateCodec:
    """Issues and verifies states with one HMAC key."""

    def __init__(self, key: bytes, ttl_s: int) -> None:
        if len(key) < 32:
            raise ValueError("the state key must be at least 32 bytes")
        self._key = key
        self.ttl_s = ttl_s

    def __repr__(self) -> str:
        return f"StateCodec(ttl_s={self.ttl_s}, key=<redacted>)"

    def issue(self, nonce: bytes, browser_id: str, now_s: int) -> str:
        """Return a state for `browser_id`, valid until `now_s + ttl_s`.

        `nonce` must be fresh random bytes (at least 16).
        """
        if len(nonce) < NONCE_BYTES:
            raise ValueError(f"the nonce must be at least {NONCE_BYTES} random bytes")
        payload = {
            "n": _b64encode(nonce),
            "exp": now_s + self.ttl_s,
            "b": _browser_digest(browser_id),
        }
        encoded = _b64encode(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode())
        return f"{_VERSION}.{encoded}.{self._mac(encoded)}"

    def verify(self, state: str, browser_id: str | None, now_s: int) -> StateClaims:
        """Return the claims of `state` or raise a `StateError` subclass saying why it is rejected."""
        if len(state) > MAX_STATE_CHARS:
            raise MalformedStateError(f"state is {len(state)} characters; the limit is {MAX_STATE_CHARS}")
        parts = state.split(".")
        if len(parts) != 3 or parts[0] != _VERSION:
            raise MalformedStateError("state is not a v1 state issued by this gateway")
        _, encoded, mac = parts
        if not hmac.compare_digest(mac.encode(), self._mac(encoded).encode()):
            raise MalformedStateError("state signature does not verify")
        try:
            payload = json.loads(_b64decode(encoded))
            nonce = str(payload["n"])
            expires_at = int(payload["exp"])
            digest = str(payload["b"])
        except (ValueError, KeyError, TypeError, binascii.Error) as error:
            raise MalformedStateError(f"state payload is invalid: {type(error).__name__}") from None

        if now_s >= expires_at:
            raise ExpiredStateError(f"state expired {now_s - expires_at} s ago; start the install again")
        if not browser_id:
            raise BrowserMismatchError(
                "the install cookie is missing; start the install again in this browser"
            )
        if not hmac.compare_digest(digest.encode(), _browser_digest(browser_id).encode()):
            raise BrowserMismatchError("state was issued to another browser; start the install again")
        return StateClaims(nonce, expires_at)

    def _mac(self, encoded_payload: str) -> str:
        message = f"{_VERSION}.{encoded_payload}".encode()
        return _b64encode(hmac.new(self._key, message, hashlib.sha256).digest())


def _browser_digest(browser_id: str) -> str:
    return _b64encode(hashlib.sha256(browser_id.encode()).digest())


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
