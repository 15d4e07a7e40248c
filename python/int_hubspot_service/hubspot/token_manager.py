"""Access tokens for the rest of the service: `TokenManager.get_access_token(portal_id)`.

A token is served from the process cache until its refresh is due: `INT_HUBSPOT_REFRESH_MARGIN_S`
(plus up to 20 % jitter) before `expires_in` runs out. A due refresh runs at most once per tenant at a
time: callers in one process queue on the tenant's asyncio lock, and processes (or pods) exclude each
other with the tenant's Keycloak lease (`TenantLocks`). Under the lease the tenant is read again, so a
token another process refreshed meanwhile is used instead of refreshing twice.

Failures:
- 5xx, 429 and network errors are retried with exponential backoff (equal jitter); when every attempt
  fails, the current access token is still returned while it has not expired.
- `refresh_rejected(portal_id, token)` refreshes a token that HubSpot answered with 401
  `EXPIRED_AUTHENTICATION`, even before its refresh is due, and never serves that token again.
- `invalid_grant` (HubSpot's `BAD_REFRESH_TOKEN`) marks the tenant `needs_reauth` in Keycloak, logs it
  once and raises `NeedsReauthError`; no further refresh is attempted until the portal reinstalls.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from int_hubspot.oauth import TokenResponse, backoff_delay_s, refresh_due_at
from int_hubspot_service.hubspot.errors import (
    HubSpotError,
    HubSpotGrantError,
    HubSpotUnavailableError,
    NeedsReauthError,
    TenantNotInstalledError,
)
from int_hubspot_service.hubspot.oauth_client import HubSpotOAuthClient
from int_hubspot_service.keycloak.lease import TenantLocks
from int_hubspot_service.keycloak.tenant_store import TenantStore

__all__ = ["RefreshPolicy", "TokenManager"]

log = logging.getLogger(__name__)

# How long a process trusts a cached needs_reauth flag before reading Keycloak again; a reinstall in
# another process clears the flag in Keycloak.
NEEDS_REAUTH_RECHECK_S = 60.0


@dataclass(frozen=True)
class RefreshPolicy:
    """Timing of refreshes and of retries after retryable failures."""

    margin_s: float = 300.0
    max_attempts: int = 4
    backoff_base_s: float = 0.5
    backoff_cap_s: float = 8.0
    # After all attempts failed but the old token still works, wait this long before trying again.
    retry_later_s: float = 30.0


@dataclass
class _Cached:
    access_token: str = field(repr=False)
    expires_at: float
    due_at: float
    needs_reauth_until: float = 0.0


class TokenManager:
    """Serves access tokens per portal and refreshes them ahead of expiry, one refresh per tenant."""

    def __init__(
        self,
        store: TenantStore,
        locks: TenantLocks,
        oauth: HubSpotOAuthClient,
        policy: RefreshPolicy,
        *,
        clock: Callable[[], float] = time.time,
        random_unit: Callable[[], float] = random.random,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        on_refresh: Callable[[str], None] | None = None,
    ) -> None:
        self._store = store
        self._locks = locks
        self._oauth = oauth
        self._policy = policy
        self._clock = clock
        self._random = random_unit
        self._sleep = sleep
        self._on_refresh = on_refresh or (lambda _outcome: None)
        self._cache: dict[str, _Cached] = {}

    async def get_access_token(self, portal_id: str) -> str:
        """Return a usable access token for `portal_id`, refreshing it first when due.

        Raises `TenantNotInstalledError`, `NeedsReauthError`, `HubSpotUnavailableError` (refresh failed
        and the old token has expired), or a `TenantStoreError` when Keycloak fails.
        """
        cached = self._fresh_from_cache(portal_id)
        if cached is not None:
            return cached
        async with self._locks.local(portal_id):
            # Another coroutine of this process may have refreshed while this one waited.
            cached = self._fresh_from_cache(portal_id)
            if cached is not None:
                return cached
            async with self._locks.lease(portal_id):
                return await self._load_or_refresh(portal_id)

    async def refresh_rejected(self, portal_id: str, rejected_token: str) -> str:
        """Return an access token other than `rejected_token`, which HubSpot reported as expired.

        The token is refreshed even when its stored expiry is still ahead, unless another
        coroutine or process has already replaced it. Raises like `get_access_token`, and raises
        `HubSpotUnavailableError` when the refresh fails, because the rejected token cannot be served.
        """
        cached = self._fresh_from_cache(portal_id)
        if cached is not None and cached != rejected_token:
            return cached
        async with self._locks.local(portal_id):
            cached = self._fresh_from_cache(portal_id)
            if cached is not None and cached != rejected_token:
                return cached
            self.forget(portal_id)
            async with self._locks.lease(portal_id):
                return await self._load_or_refresh(portal_id, rejected_token)

    def forget(self, portal_id: str) -> None:
        """Drop the cached token of `portal_id` (after a reinstall or an uninstall)."""
        self._cache.pop(portal_id, None)

    def _fresh_from_cache(self, portal_id: str) -> str | None:
        cached = self._cache.get(portal_id)
        if cached is None:
            return None
        now = self._clock()
        if cached.needs_reauth_until > now:
            raise NeedsReauthError(f"tenant {portal_id} needs a new install; its refresh token was rejected")
        if cached.needs_reauth_until == 0.0 and now < cached.due_at:
            return cached.access_token
        return None

    async def _load_or_refresh(self, portal_id: str, rejected_token: str | None = None) -> str:
        tenant = await self._store.get(portal_id)
        if tenant is None:
            self.forget(portal_id)
            raise TenantNotInstalledError(f"portal {portal_id} has no tenant; install the app first")
        if tenant.needs_reauth:
            self._remember_needs_reauth(portal_id)
            raise NeedsReauthError(f"tenant {portal_id} needs a new install; its refresh token was rejected")
        tokens = self._store.decrypt_tokens(tenant)
        if tokens is None:
            raise TenantNotInstalledError(f"tenant {portal_id} has no stored tokens; install the app again")

        rejected = tokens.access_token == rejected_token
        due_at = refresh_due_at(tokens.expires_at, self._policy.margin_s, self._random())
        if self._clock() < due_at and not rejected:
            self._cache[portal_id] = _Cached(tokens.access_token, tokens.expires_at, due_at)
            return tokens.access_token

        try:
            response = await self._refresh_with_backoff(portal_id, tokens.refresh_token)
        except HubSpotGrantError as error:
            await self._store.mark_needs_reauth(portal_id, str(error), int(self._clock()))
            self._remember_needs_reauth(portal_id)
            self._on_refresh("invalid_grant")
            log.warning(
                "HubSpot rejected the refresh token of tenant %s; marked needs_reauth, no further refresh "
                "until the portal installs the app again: %s",
                portal_id,
                error,
            )
            raise NeedsReauthError(f"tenant {portal_id} needs a new install: {error}") from error
        except HubSpotUnavailableError as error:
            self._on_refresh("error")
            if self._clock() < tokens.expires_at and not rejected:
                log.warning(
                    "refresh of tenant %s failed; serving the current token until it expires: %s",
                    portal_id,
                    error,
                )
                retry_at = min(tokens.expires_at, self._clock() + self._policy.retry_later_s)
                self._cache[portal_id] = _Cached(tokens.access_token, tokens.expires_at, retry_at)
                return tokens.access_token
            raise

        tenant = await self._store.save_tokens(portal_id, response, int(self._clock()))
        expires_at = float(tenant.access_token_expires_at or self._clock() + response.expires_in)
        due_at = refresh_due_at(expires_at, self._policy.margin_s, self._random())
        self._cache[portal_id] = _Cached(response.access_token, expires_at, due_at)
        self._on_refresh("success")
        log.info(
            "refreshed the access token of tenant %s; expires in %d s, new refresh token: %s",
            portal_id,
            response.expires_in,
            "yes" if response.refresh_token not in (None, tokens.refresh_token) else "no",
        )
        return response.access_token

    async def _refresh_with_backoff(self, portal_id: str, refresh_token: str) -> TokenResponse:
        attempt = 1
        while True:
            try:
                return await self._oauth.refresh(refresh_token)
            except HubSpotUnavailableError as error:
                if attempt >= self._policy.max_attempts:
                    raise
                delay = backoff_delay_s(
                    attempt, self._policy.backoff_base_s, self._policy.backoff_cap_s, self._random()
                )
                if error.retry_after_s is not None:
                    delay = max(delay, min(error.retry_after_s, self._policy.backoff_cap_s))
                log.warning(
                    "refresh of tenant %s failed (attempt %d of %d), retrying in %.2f s: %s",
                    portal_id,
                    attempt,
                    self._policy.max_attempts,
                    delay,
                    error,
                )
                await self._sleep(delay)
                attempt += 1
            except HubSpotGrantError:
                raise
            except HubSpotError as error:
                log.error("refresh of tenant %s was rejected by HubSpot: %s", portal_id, error)
                raise

    def _remember_needs_reauth(self, portal_id: str) -> None:
        self._cache[portal_id] = _Cached(
            "", 0.0, 0.0, needs_reauth_until=self._clock() + NEEDS_REAUTH_RECHECK_S
        )
