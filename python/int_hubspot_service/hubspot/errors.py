"""Errors of the HubSpot clients, as two trees (both roots subclass Exception):

HubSpotError                    a call to HubSpot failed
    ├── HubSpotUnavailableError     network error, timeout, 5xx or 429: retry later
    ├── HubSpotGrantError           invalid_grant / BAD_REFRESH_TOKEN / BAD_AUTH_CODE: do not retry
    ├── HubSpotRequestError         any other 4xx: the request or the app configuration is wrong
    └── HubSpotApiError             a CRM (or other API) call failed after the retries it allows
        ├── HubSpotApiUnavailableError  network error, 5xx, 423 or 477: retry later
        │   └── HubSpotRateLimitError       429 that the client did not retry again
        ├── HubSpotAuthError            401 or 403: token invalid or revoked, or scope missing
        └── HubSpotNotFoundError        404
TokenUnavailableError           no access token can be given for a tenant
    ├── TenantNotInstalledError     the portal has no tenant in Keycloak
    └── NeedsReauthError            the tenant's refresh token is gone; the portal must reinstall
"""

from __future__ import annotations

from int_hubspot.hubspot_api import ApiErrorBody
from int_hubspot.oauth import OAuthErrorBody

__all__ = [
    "HubSpotApiError",
    "HubSpotApiUnavailableError",
    "HubSpotAuthError",
    "HubSpotError",
    "HubSpotGrantError",
    "HubSpotNotFoundError",
    "HubSpotRateLimitError",
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


class HubSpotApiError(HubSpotError):
    """A HubSpot API call failed; `status` is None when no response arrived.

    The attributes carry HubSpot's error fields (`category`, `correlation_id`, `policy_name`) and the
    call (`portal_id`, `method`, `path`). No attribute or message contains the access token.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None,
        error: ApiErrorBody,
        portal_id: str,
        method: str,
        path: str,
        attempts: int,
        retry_after_s: float | None = None,
    ) -> None:
        super().__init__(message, status)
        self.error = error
        self.category = error.category
        self.correlation_id = error.correlation_id
        self.policy_name = error.policy_name
        self.portal_id = portal_id
        self.method = method
        self.path = path
        self.attempts = attempts
        self.retry_after_s = retry_after_s


class HubSpotApiUnavailableError(HubSpotApiError):
    """HubSpot could not be reached or returned 5xx, 423 or 477; `retry_after_s` is set when it gave one."""


class HubSpotRateLimitError(HubSpotApiUnavailableError):
    """HubSpot returned 429 and the client did not retry again (daily limit, long wait or last attempt)."""


class HubSpotAuthError(HubSpotApiError):
    """HubSpot rejected the access token (401) or the token lacks a scope (403)."""


class HubSpotNotFoundError(HubSpotApiError):
    """HubSpot returned 404: the object or the route does not exist."""


class TokenUnavailableError(Exception):
    """No access token can be given for a tenant."""


class TenantNotInstalledError(TokenUnavailableError):
    """The portal has no tenant in Keycloak."""


class NeedsReauthError(TokenUnavailableError):
    """The tenant's refresh token no longer works; a portal admin must install the app again."""
