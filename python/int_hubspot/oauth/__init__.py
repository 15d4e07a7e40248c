"""HubSpot OAuth logic without I/O: install state, authorize URL, token responses, refresh timing and the
encrypted token format.

Errors, as a tree:

    ValueError
    ├── StateError                    the `state` of a callback cannot be trusted
    │   ├── MalformedStateError       not a state this gateway issued (bad shape or signature)
    │   ├── ExpiredStateError         older than INT_HUBSPOT_STATE_TTL_S
    │   └── BrowserMismatchError      the browser's cookie does not match the state
    ├── TokenResponseError            a token or introspection response lacks a required field
    └── EnvelopeError                 a stored token cannot be decrypted
"""

from __future__ import annotations

from int_hubspot.oauth.authorize import build_authorize_url
from int_hubspot.oauth.envelope import EnvelopeError, TokenCipher
from int_hubspot.oauth.refresh import backoff_delay_s, refresh_due_at
from int_hubspot.oauth.state import (
    BrowserMismatchError,
    ExpiredStateError,
    MalformedStateError,
    StateClaims,
    StateCodec,
    StateError,
)
from int_hubspot.oauth.tokens import (
    Introspection,
    OAuthErrorBody,
    TokenResponse,
    TokenResponseError,
    parse_introspection,
    parse_oauth_error,
    parse_token_response,
)

__all__ = [
    "BrowserMismatchError",
    "EnvelopeError",
    "ExpiredStateError",
    "Introspection",
    "MalformedStateError",
    "OAuthErrorBody",
    "StateClaims",
    "StateCodec",
    "StateError",
    "TokenCipher",
    "TokenResponse",
    "TokenResponseError",
    "backoff_delay_s",
    "build_authorize_url",
    "parse_introspection",
    "parse_oauth_error",
    "parse_token_response",
    "refresh_due_at",
]
