"""Parsing of HubSpot's token, introspection and OAuth error responses (the 2026-03 token endpoints).

Field names follow HubSpot's 2026-03 OAuth spec: a token response has `access_token`, `refresh_token`,
`expires_in`, `token_type` and optionally `hub_id` and `scopes`; an introspection response adds
`active`, `hub_domain`, `app_id` and `user`. Errors follow RFC 6749 (`error`, `error_description`) and
keep HubSpot's legacy `status` and `message` fields, for example `invalid_grant` with `BAD_REFRESH_TOKEN`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "Introspection",
    "OAuthErrorBody",
    "TokenResponse",
    "TokenResponseError",
    "parse_introspection",
    "parse_oauth_error",
    "parse_token_response",
]

# Error codes that mean the grant is gone (uninstalled, revoked or expired) and a retry cannot help.
_PERMANENT_STATUSES = frozenset({"BAD_REFRESH_TOKEN", "BAD_AUTH_CODE", "BAD_CLIENT_ID", "BAD_GRANT_TYPE"})


class TokenResponseError(ValueError):
    """A token or introspection response lacks a required field or contains a value of the wrong type."""


@dataclass(frozen=True)
class TokenResponse:
    """Tokens returned by the token endpoint; `refresh_token` is None when the response carries none."""

    access_token: str = field(repr=False)
    refresh_token: str | None = field(repr=False)
    expires_in: int
    token_type: str = "bearer"  # noqa: S105 - a token type name, not a secret
    hub_id: int | None = None
    scopes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Introspection:
    """Facts about a token returned by the introspection endpoint."""

    active: bool
    hub_id: int | None = None
    hub_domain: str | None = None
    scopes: tuple[str, ...] = ()
    app_id: int | None = None
    expires_in: int | None = None


@dataclass(frozen=True)
class OAuthErrorBody:
    """An OAuth error response; every field is optional because HubSpot's bodies vary."""

    error: str | None = None
    error_description: str | None = None
    status: str | None = None
    message: str | None = None
    correlation_id: str | None = None

    @property
    def is_invalid_grant(self) -> bool:
        """True when the grant is gone for good, so retrying the same request cannot succeed."""
        return self.error == "invalid_grant" or (self.status or "") in _PERMANENT_STATUSES

    def describe(self) -> str:
        """Return a one-line summary without token values (HubSpot's texts name no tokens)."""
        parts = [part for part in (self.error, self.status) if part]
        text = self.error_description or self.message
        summary = "/".join(parts) or "unknown error"
        return f"{summary}: {text}" if text else summary


def parse_token_response(body: Mapping[str, Any]) -> TokenResponse:
    """Return the tokens of a decoded token-endpoint response or raise `TokenResponseError`."""
    access_token = body.get("access_token")
    if not isinstance(access_token, str) or not access_token:
        raise TokenResponseError("token response has no access_token")
    refresh_token = body.get("refresh_token")
    if refresh_token is not None and (not isinstance(refresh_token, str) or not refresh_token):
        raise TokenResponseError("token response has an empty or non-string refresh_token")
    expires_in = _integer(body, "expires_in")
    if expires_in is None or expires_in <= 0:
        raise TokenResponseError("token response has no positive integer expires_in")
    token_type = body.get("token_type")
    return TokenResponse(
        access_token=access_token,
        refresh_token=refresh_token,
        expires_in=expires_in,
        token_type=token_type if isinstance(token_type, str) else "bearer",
        hub_id=_integer(body, "hub_id"),
        scopes=_scopes(body.get("scopes")),
    )


def parse_introspection(body: Mapping[str, Any]) -> Introspection:
    """Return the facts of a decoded introspection response or raise `TokenResponseError`."""
    active = body.get("active", True)
    if not isinstance(active, bool):
        raise TokenResponseError("introspection response has a non-boolean active")
    hub_domain = body.get("hub_domain")
    return Introspection(
        active=active,
        hub_id=_integer(body, "hub_id"),
        hub_domain=hub_domain if isinstance(hub_domain, str) else None,
        scopes=_scopes(body.get("scopes")),
        app_id=_integer(body, "app_id"),
        expires_in=_integer(body, "expires_in"),
    )


def parse_oauth_error(body: Any) -> OAuthErrorBody:
    """Return the fields of a decoded error body; anything that is not an object gives an empty one."""
    if not isinstance(body, Mapping):
        return OAuthErrorBody()

    def text(key: str) -> str | None:
        value = body.get(key)
        return value if isinstance(value, str) else None

    return OAuthErrorBody(
        error=text("error"),
        error_description=text("error_description"),
        status=text("status"),
        message=text("message"),
        correlation_id=text("correlationId"),
    )


def _integer(body: Mapping[str, Any], key: str) -> int | None:
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, bool):
        raise TokenResponseError(f"{key} is a boolean, expected an integer")
    if isinstance(value, int):
        return value
    # str.isdigit() also accepts digits such as "²" that int() rejects, so only ASCII digits pass.
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    raise TokenResponseError(f"{key} is not an integer")


def _scopes(value: Any) -> tuple[str, ...]:
    # The spec gives a list; older responses used a space-separated string.
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(item for item in value.split() if item)
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(value)
    raise TokenResponseError("scopes is neither a list of strings nor a space-separated string")
