"""The OAuth services of one process (one event loop): Keycloak store and locks, HubSpot clients, tokens."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from keycloak import KeycloakAdmin

from int_hubspot.config.oauth import OAuthSettings
from int_hubspot.oauth import TokenCipher
from int_hubspot_service.hubspot.api_client import HubSpotApiClient
from int_hubspot_service.hubspot.oauth_client import HubSpotOAuthClient
from int_hubspot_service.hubspot.token_manager import RefreshPolicy, TokenManager
from int_hubspot_service.keycloak.admin import build_admin_client
from int_hubspot_service.keycloak.lease import TenantLocks
from int_hubspot_service.keycloak.tenant_store import TenantStore

__all__ = ["OAuthServices"]


@dataclass
class OAuthServices:
    """Everything that talks to Keycloak or HubSpot for OAuth; build one per event loop."""

    settings: OAuthSettings
    admin: KeycloakAdmin
    store: TenantStore
    locks: TenantLocks
    hubspot: HubSpotOAuthClient
    tokens: TokenManager
    api: HubSpotApiClient

    @classmethod
    def build(
        cls,
        settings: OAuthSettings,
        on_refresh: Callable[[str], None] | None = None,
        on_rate_limit_wait: Callable[[float], None] | None = None,
    ) -> OAuthServices:
        """Create the clients; nothing connects until the first call."""
        admin = build_admin_client(settings)
        store = TenantStore(admin, TokenCipher(settings.token_keys))
        locks = TenantLocks(admin)
        hubspot = HubSpotOAuthClient(settings)
        policy = RefreshPolicy(margin_s=float(settings.refresh_margin_s))
        tokens = TokenManager(store, locks, hubspot, policy, on_refresh=on_refresh)
        api = HubSpotApiClient.from_settings(settings, tokens, on_rate_limit_wait)
        return cls(settings, admin, store, locks, hubspot, tokens, api)

    async def get_access_token(self, portal_id: str) -> str:
        """Return a usable HubSpot access token for `portal_id` (see `TokenManager`)."""
        return await self.tokens.get_access_token(portal_id)

    async def aclose(self) -> None:
        """Close the HTTP clients of Keycloak and HubSpot."""
        await self.hubspot.aclose()
        await self.api.aclose()
        connection = self.admin.connection
        openid = getattr(connection, "_keycloak_openid", None)
        if openid is not None:
            await openid.connection.aclose()
        await connection.aclose()
