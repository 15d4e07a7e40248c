"""`GET /oauth/install` and `GET /oauth/callback`: the HubSpot app's install flow.

Install sets an HttpOnly cookie with a random browser id and redirects (302) to HubSpot's authorize page
with a state bound to that browser (see `int_hubspot.oauth.state`). The callback accepts a state once:
its nonce is recorded until the state expires, in this process.

NOTE: the used-nonce record lives in process memory, so with several gateway processes a replayed
state could pass once in another process. Such a replay still needs the victim's cookie and a fresh
authorization code, because HubSpot accepts each code only once.

Responses: 302 on install; 200 success page; 400 for HubSpot's `?error=`, a bad, reused or expired state
or a rejected code; 502 when HubSpot is unreachable or rejects the app; 503 while Keycloak is down.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from urllib.parse import parse_qs

from int_hubspot.oauth import (
    EnvelopeError,
    ExpiredStateError,
    StateCodec,
    StateError,
    TokenResponse,
    build_authorize_url,
)
from int_hubspot_service.http import HttpRequest, HttpResponse
from int_hubspot_service.hubspot.errors import (
    HubSpotError,
    HubSpotGrantError,
    HubSpotUnavailableError,
)
from int_hubspot_service.keycloak.admin import KeycloakUnavailableError, TenantStoreError
from int_hubspot_service.oauth.metrics import OAuthMetrics
from int_hubspot_service.oauth.pages import html_page
from int_hubspot_service.oauth.readiness import KeycloakReadiness
from int_hubspot_service.oauth.services import OAuthServices
from int_hubspot_service.tenants.lifecycle import LifecyclePublisher, PublishError

__all__ = ["COOKIE_NAME", "OAuthRoutes", "UsedNonces"]

log = logging.getLogger(__name__)

COOKIE_NAME = "int_hubspot_oauth"
MAX_USED_NONCES = 100_000


class UsedNonces:
    """Nonces of accepted states until they expire; bounded, oldest dropped first."""

    def __init__(self, limit: int = MAX_USED_NONCES) -> None:
        self._entries: OrderedDict[str, int] = OrderedDict()
        self._limit = limit

    def claim(self, nonce: str, expires_at: int, now_s: int) -> bool:
        """Record `nonce`; return False when it was already claimed and has not expired."""
        while self._entries and next(iter(self._entries.values())) <= now_s:
            self._entries.popitem(last=False)
        if nonce in self._entries:
            return False
        self._entries[nonce] = expires_at
        if len(self._entries) > self._limit:
            self._entries.popitem(last=False)
        return True


class OAuthRoutes:
    """Route handlers of the install flow."""

    def __init__(
        self,
        services: OAuthServices,
        readiness: KeycloakReadiness,
        metrics: OAuthMetrics,
        publisher: LifecyclePublisher | None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._services = services
        self._settings = services.settings
        self._readiness = readiness
        self._metrics = metrics
        self._publisher = publisher
        self._clock = clock
        self._codec = StateCodec(self._settings.state_key, self._settings.state_ttl_s)
        self._used = UsedNonces()
        self._secure_cookie = self._settings.redirect_url.startswith("https://")

    async def install(self, _request: HttpRequest) -> HttpResponse:
        """Redirect the browser to HubSpot's authorize page with a fresh state and cookie."""
        unavailable = self._keycloak_unavailable("install")
        if unavailable is not None:
            return unavailable
        browser_id = secrets.token_urlsafe(24)
        state = self._codec.issue(secrets.token_bytes(16), browser_id, int(self._clock()))
        location = build_authorize_url(
            self._settings.hubspot_app_url,
            client_id=self._settings.hubspot_client_id,
            redirect_uri=self._settings.redirect_url,
            scopes=self._settings.scopes,
            optional_scopes=self._settings.optional_scopes,
            state=state,
        )
        self._metrics.record_install("started")
        headers = [
            ("location", location),
            ("cache-control", "no-store"),
            ("set-cookie", self._cookie(browser_id, self._settings.state_ttl_s)),
        ]
        return HttpResponse(302, headers, b"")

    async def callback(self, request: HttpRequest) -> HttpResponse:
        """Check the state, exchange the code, store the tenant and show the outcome."""
        params = {key: values[0] for key, values in parse_qs(request.query, keep_blank_values=True).items()}
        now_s = int(self._clock())
        if "error" in params:
            return self._hubspot_error(params, _cookie_value(request), now_s)

        try:
            claims = self._codec.verify(params.get("state", ""), _cookie_value(request), now_s)
        except StateError as error:
            outcome = "expired_state" if isinstance(error, ExpiredStateError) else "bad_state"
            return self._fail(
                400, outcome, "The install link is not valid", f"{error}.", log_detail=str(error)
            )
        code = params.get("code")
        if not code:
            return self._fail(400, "missing_code", "The install was not completed", "HubSpot sent no code.")
        # Checked before the state is claimed, so the browser can reload the callback once Keycloak is
        # back. The code has not been sent to HubSpot yet, so it is still unused.
        unavailable = self._keycloak_unavailable("callback")
        if unavailable is not None:
            return unavailable
        if not self._used.claim(claims.nonce, claims.expires_at, now_s):
            return self._fail(
                400,
                "reused_state",
                "The install link was already used",
                "Start the install again from HubSpot.",
                log_detail="state was already used",
            )
        return await self._complete(code)

    def _hubspot_error(self, params: dict[str, str], browser_id: str | None, now_s: int) -> HttpResponse:
        """Show HubSpot's `?error=` redirect; its text is shown only with a state issued to this browser.

        Anyone can link to the callback with any `error_description`, so without that check the page
        would show an attacker's text under the gateway's name.
        """
        log_detail = f"HubSpot redirected with error={params['error']!r}"
        try:
            self._codec.verify(params.get("state", ""), browser_id, now_s)
        except StateError as error:
            return self._fail(
                400,
                "hubspot_error",
                "The install was not completed",
                "Start the install again from HubSpot.",
                log_detail=f"{log_detail} and a state that is not valid: {error}",
            )
        return self._fail(
            400,
            "hubspot_error",
            "The install was not completed",
            f"HubSpot reported: {params['error']}. {params.get('error_description', '')}".strip(),
            log_detail=log_detail,
        )

    async def _complete(self, code: str) -> HttpResponse:
        hubspot = self._services.hubspot
        try:
            tokens = await hubspot.exchange_code(code)
            portal_id, hub_domain, scopes, app_id = await self._learn_portal(tokens)
        except HubSpotGrantError as error:
            return self._fail(
                400,
                "code_rejected",
                "The install was not completed",
                "HubSpot rejected the authorization code; it may have expired. Start the install again.",
                log_detail=str(error),
            )
        except HubSpotUnavailableError as error:
            return self._fail(
                502,
                "hubspot_unavailable",
                "HubSpot is not reachable",
                "Try the install again later.",
                str(error),
            )
        except HubSpotError as error:
            return self._fail(
                502,
                "hubspot_rejected",
                "HubSpot rejected the request",
                "The app's configuration may be wrong.",
                str(error),
            )

        try:
            async with self._services.locks.hold(portal_id):
                tenant = await self._services.store.save_install(
                    portal_id,
                    tokens,
                    hub_domain=hub_domain,
                    scopes=scopes,
                    app_id=app_id,
                    now_s=int(self._clock()),
                )
        except TenantStoreError as error:
            if not await self._refresh_token_stored(portal_id, tokens):
                await self._revoke_quietly(tokens, portal_id)
            status = 503 if isinstance(error, KeycloakUnavailableError) else 500
            return self._fail(
                status,
                "store_failed",
                "The install could not be saved",
                "Try the install again later.",
                str(error),
            )
        self._services.tokens.forget(portal_id)
        await self._publish_installed(portal_id, tenant.scopes)

        self._metrics.record_install("completed")
        log.info(
            "installed tenant %s (%s) with scopes %s",
            portal_id,
            hub_domain or "unknown domain",
            " ".join(scopes),
        )
        where = f" for {hub_domain}" if hub_domain else ""
        return html_page(
            200,
            "App installed",
            f"The app is installed{where} (portal {portal_id}). You can close this window.",
            [("set-cookie", self._cookie("", 0))],
        )

    async def _learn_portal(
        self, tokens: TokenResponse
    ) -> tuple[str, str | None, tuple[str, ...], int | None]:
        """Return portal id, domain, granted scopes and app id from the token response and introspection."""
        try:
            facts = await self._services.hubspot.introspect(tokens.access_token)
        except HubSpotError as error:
            if tokens.hub_id is None:
                raise
            log.warning("token introspection failed; using the token response only: %s", error)
            return str(tokens.hub_id), None, tokens.scopes, None
        hub_id = tokens.hub_id if tokens.hub_id is not None else facts.hub_id
        if hub_id is None:
            raise HubSpotError("neither the token response nor introspection names the portal (hub_id)")
        return str(hub_id), facts.hub_domain, facts.scopes or tokens.scopes, facts.app_id

    async def _refresh_token_stored(self, portal_id: str, tokens: TokenResponse) -> bool:
        """Return True unless Keycloak shows that the failed save did not store the new refresh token.

        A save can fail after the user write succeeded (for example on the group update), and revoking
        the token then would break the tenant. When Keycloak cannot be read, this returns True, so the
        token is left unrevoked at HubSpot instead of risking a stored one.
        """
        try:
            tenant = await self._services.store.get(portal_id)
            stored = None if tenant is None else self._services.store.decrypt_tokens(tenant)
        except (TenantStoreError, EnvelopeError) as error:
            log.warning(
                "after the failed install of %s, its tokens could not be read back, so the new refresh "
                "token is not revoked: %s",
                portal_id,
                error,
            )
            return True
        return stored is not None and stored.refresh_token == tokens.refresh_token

    async def _revoke_quietly(self, tokens: TokenResponse, portal_id: str) -> None:
        if tokens.refresh_token is None:
            return
        try:
            await self._services.hubspot.revoke(tokens.refresh_token)
        except HubSpotError as error:
            log.warning(
                "could not revoke the refresh token of the failed install of %s: %s", portal_id, error
            )

    async def _publish_installed(self, portal_id: str, scopes: tuple[str, ...]) -> None:
        if self._publisher is None:
            return
        try:
            await self._publisher.publish("installed", portal_id, {"scopes": list(scopes)})
        except PublishError as error:
            # The tenant is stored; consumers only miss the notice, which a later reinstall repeats.
            log.error(
                "install of %s succeeded but its lifecycle record was not published: %s", portal_id, error
            )

    def _keycloak_unavailable(self, step: str) -> HttpResponse | None:
        failures = self._readiness.failures()
        if not failures:
            return None
        self._metrics.record_install("keycloak_unavailable")
        log.warning(
            "OAuth %s responded with 503: Keycloak is not reachable: %s", step, failures.get("keycloak", "")
        )
        return html_page(
            503,
            "Installs are paused",
            "The tenant store is not reachable. Try again in a minute.",
            [("retry-after", "30")],
        )

    def _fail(
        self, status: int, outcome: str, title: str, message: str, log_detail: str | None = None
    ) -> HttpResponse:
        self._metrics.record_install(outcome)
        level = logging.ERROR if status >= 500 else logging.WARNING
        log.log(level, "OAuth callback responded with %d (%s): %s", status, outcome, log_detail or message)
        return html_page(status, title, message, [("set-cookie", self._cookie("", 0))])

    def _cookie(self, value: str, max_age: int) -> str:
        attributes = [
            f"{COOKIE_NAME}={value}",
            "Path=/oauth",
            f"Max-Age={max_age}",
            "HttpOnly",
            "SameSite=Lax",
        ]
        if self._secure_cookie:
            attributes.append("Secure")
        return "; ".join(attributes)


def _cookie_value(request: HttpRequest) -> str | None:
    """Return the install cookie's value from the Cookie header, or None when it is absent or empty.

    The header is split into `name=value` pairs at ";" by hand. `http.cookies.SimpleCookie` stops at
    the first cookie it finds invalid, so other cookies of the same host (JSON values, spaces,
    non-ASCII) would hide this one.
    """
    header = request.header("cookie")
    if not header:
        return None
    for pair in header.split(";"):
        name, separator, value = pair.strip().partition("=")
        if separator and name.strip() == COOKIE_NAME:
            value = value.strip()
            return value or None
    return None
