"""Client of HubSpot's dated OAuth endpoints (`/oauth/2026-03/token`, `.../introspect`, `.../revoke`).

Every parameter, secrets included, travels in a form-encoded body, never in the URL, so tokens stay out
of access logs. Responses are classified into the `HubSpotError` subclasses; no method retries, the
caller decides (see `TokenManager`).
"""

from __future__ import annotations

import logging
from typing import Any

import httpx

from int_hubspot.config.oauth import OAuthSettings
from int_hubspot.oauth import (
    Introspection,
    TokenResponse,
    TokenResponseError,
    parse_introspection,
    parse_oauth_error,
    parse_token_response,
)
from int_hubspot_service.hubspot.errors import (
    HubSpotError,
    HubSpotGrantError,
    HubSpotRequestError,
    HubSpotUnavailableError,
)

__all__ = ["HubSpotOAuthClient"]

log = logging.getLogger(__name__)

TOKEN_PATH = "/oauth/2026-03/token"  # noqa: S105 - an endpoint path, not a secret
INTROSPECT_PATH = "/oauth/2026-03/token/introspect"
REVOKE_PATH = "/oauth/2026-03/token/revoke"


class HubSpotOAuthClient:
    """Exchanges codes, refreshes, introspects and revokes tokens for the app in `OAuthSettings`."""

    def __init__(self, settings: OAuthSettings, http: httpx.AsyncClient | None = None) -> None:
        self._settings = settings
        self._http = http or httpx.AsyncClient(timeout=settings.http_timeout_s, follow_redirects=False)

    def __repr__(self) -> str:
        return f"HubSpotOAuthClient(api_url={self._settings.hubspot_api_url!r})"

    async def aclose(self) -> None:
        await self._http.aclose()

    async def exchange_code(self, code: str) -> TokenResponse:
        """Exchange an authorization code for tokens."""
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": self._settings.redirect_url}
        return _tokens(await self._post(TOKEN_PATH, form, "code exchange"))

    async def refresh(self, refresh_token: str) -> TokenResponse:
        """Get a new access token (and maybe a new refresh token) for `refresh_token`."""
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
        return _tokens(await self._post(TOKEN_PATH, form, "token refresh"))

    async def introspect(self, access_token: str) -> Introspection:
        """Return HubSpot's facts about an access token (portal id, domain, scopes)."""
        # NOTE: HubSpot's 2026-03 spec names the request field `token`, while its guide shows
        # `token_type_hint` with a field named after the type. This sends `token` with the hint.
        form = {"token": access_token, "token_type_hint": "access_token"}
        body = await self._post(INTROSPECT_PATH, form, "token introspection")
        try:
            return parse_introspection(body)
        except TokenResponseError as error:
            raise HubSpotRequestError(f"HubSpot's introspection response is invalid: {error}") from error

    async def revoke(self, refresh_token: str) -> None:
        """Revoke a refresh token; a token HubSpot no longer recognizes counts as revoked."""
        form = {"token": refresh_token, "token_type_hint": "refresh_token"}
        try:
            await self._post(REVOKE_PATH, form, "token revocation")
        except HubSpotGrantError:
            log.info("HubSpot reports the refresh token as already invalid; treating it as revoked")

    async def _post(self, path: str, form: dict[str, str], action: str) -> dict[str, Any]:
        form = {
            **form,
            "client_id": self._settings.hubspot_client_id,
            "client_secret": self._settings.hubspot_client_secret.decode(),
        }
        url = self._settings.hubspot_api_url + path
        try:
            response = await self._http.post(url, data=form, headers={"Accept": "application/json"})
        except httpx.HTTPError as error:
            # The error text names the URL only; the form with its secrets is never part of it.
            raise HubSpotUnavailableError(
                f"HubSpot {action} failed: {type(error).__name__}: {error}"
            ) from error

        body: Any
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code == 200 and isinstance(body, dict):
            return body
        raise _classify(response, body, action)


def _classify(response: httpx.Response, body: Any, action: str) -> HubSpotError:
    status = response.status_code
    error_body = parse_oauth_error(body)
    summary = f"HubSpot {action} returned {status}: {error_body.describe()}"
    if error_body.correlation_id:
        summary += f" (correlationId {error_body.correlation_id})"
    if status == 429 or status >= 500:
        return HubSpotUnavailableError(summary, status, _retry_after(response))
    if status == 200:
        return HubSpotUnavailableError(f"HubSpot {action} returned 200 without a JSON object", status)
    if error_body.is_invalid_grant:
        return HubSpotGrantError(summary, status, error_body)
    return HubSpotRequestError(summary, status, error_body)


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def _tokens(body: dict[str, Any]) -> TokenResponse:
    try:
        return parse_token_response(body)
    except TokenResponseError as error:
        raise HubSpotRequestError(f"HubSpot's token response is invalid: {error}") from error
