"""Errors of the HubSpot clients, as two trees (both roots subclass Exception):

HubSpotError                    a call to HubSpot failed
    ├── HubSpotUnavailableError     network error, timeout, 5xx or 429: retry later
    ├── HubSpotGrantError           invalid_grant / BAD_REFRESH_TOKEN / BAD_AUTH_CODE: do not retry
    └── HubSpotRequestError         any other 4xx: the request or the app configuration is wrong
TokenUnavailableError           no access token can be given for a tenant
    ├── TenantNotInstalledError     the portal has no tenant in Keycloak
    └── NeedsReauthError            the tenant's refresh token is gone; the portal must reinstall
"""

from __future__ import annotations

from int_hubspot.oauth import OAuthErrorBody

__all__ = [
    "HubSpotError",
    "HubSpotGrantError",
    "HubSpotRequestError",
    "HubSpotUnavailableError",
    "NeedsReauthError",
    "TenantNotInstalledError",
    "TokenUnavailableError",
]


class HubSpotError(Exception):
    """A call to HubSpot failed."""

    def __init__(self, message: str, status: int | None = None, body: OAuthErrorBody | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.body = body or OAuthErrorBody()


class HubSpotUnavailableError(HubSpotError):
    """HubSpot could not be reached or returned 5xx or 429; `retry_after_s` is set when HubSpot gave one."""

    def __init__(self, message: str, status: int | None = None, retry_after_s: float | None = None) -> None:
        super().__init__(message, status)
        self.retry_after_s = retry_after_s


class HubSpotGrantError(HubSpotError):
    """HubSpot rejected the code or refresh token for good (uninstalled, revoked, expired or used)."""


class HubSpotRequestError(HubSpotError):
    """HubSpot rejected the request with a 4xx other than an invalid grant."""


class TokenUnavailableError(Exception):
    """No access token can be given for a tenant."""


class TenantNotInstalledError(TokenUnavailableError):
    """The portal has no tenant in Keycloak."""


class NeedsReauthError(TokenUnavailableError):
    """The tenant's refresh token no longer works; a portal admin must install the app again."""
