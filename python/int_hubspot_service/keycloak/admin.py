"""The gateway's Keycloak admin client (client-credentials grant) and the errors the store raises.

python-keycloak 7.1.1 fetches the service-account token on first use and renews it after 90 % of its
lifetime or on a 401, so the gateway never handles its own Keycloak token. Only the `a_*` (httpx) methods
are used, so no call blocks the event loop. One client belongs to one event loop.

Errors, as a tree:

    Exception
    └── TenantStoreError                   a Keycloak operation of the token store failed
        ├── KeycloakUnavailableError       Keycloak unreachable, 5xx, or the gateway's login rejected
        ├── AttributeDroppedError          Keycloak accepted a write but did not store a token attribute
        └── LeaseTimeoutError              another writer held the tenant's lease for too long
"""

from __future__ import annotations

from keycloak import KeycloakAdmin, KeycloakOpenIDConnection
from keycloak.exceptions import KeycloakAuthenticationError, KeycloakConnectionError, KeycloakError

from int_hubspot.config.oauth import OAuthSettings

__all__ = [
    "AttributeDroppedError",
    "KeycloakUnavailableError",
    "LeaseTimeoutError",
    "TenantStoreError",
    "build_admin_client",
    "is_unavailable",
    "status_of",
    "store_error",
]


class TenantStoreError(Exception):
    """A Keycloak operation of the token store failed."""


class KeycloakUnavailableError(TenantStoreError):
    """Keycloak cannot serve the request now: unreachable, 5xx, or the gateway's login was rejected."""


class AttributeDroppedError(TenantStoreError):
    """Keycloak accepted a user write but did not store a token attribute (undeclared in the user profile)."""


class LeaseTimeoutError(TenantStoreError):
    """The tenant's write lease stayed held by another writer for longer than the wait limit."""


def build_admin_client(settings: OAuthSettings) -> KeycloakAdmin:
    """Return a python-keycloak admin client for the gateway's realm, logged in with client credentials."""
    connection = KeycloakOpenIDConnection(
        server_url=settings.keycloak_url,
        realm_name=settings.keycloak_realm,
        # The client lives in the realm it manages; python-keycloak takes the token realm from here.
        user_realm_name=settings.keycloak_realm,
        client_id=settings.keycloak_client_id,
        client_secret_key=settings.keycloak_client_secret.decode(),
        timeout=int(settings.http_timeout_s),
        max_retries=0,
    )
    return KeycloakAdmin(connection=connection)


def status_of(error: KeycloakError) -> int | None:
    """Return the HTTP status of a python-keycloak error, None when no response arrived."""
    return error.response_code


def is_unavailable(error: KeycloakError) -> bool:
    """True when `error` means Keycloak cannot serve now rather than that the request was wrong."""
    if isinstance(error, KeycloakConnectionError | KeycloakAuthenticationError):
        return True
    code = error.response_code
    return code is None or code >= 500


def store_error(error: KeycloakError, action: str) -> TenantStoreError:
    """Return the store error for a failed python-keycloak call; `action` names the failed operation."""
    if is_unavailable(error):
        return KeycloakUnavailableError(f"Keycloak unavailable while {action}: {error}")
    return TenantStoreError(f"Keycloak rejected {action}: {error}")
