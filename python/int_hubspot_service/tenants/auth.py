"""Bearer-token check of the tenant admin API: a Keycloak access token with the admin realm role.

The token's signature is verified against the realm's published keys (JWKS), which are cached. They are
fetched again when a token names an unknown key id, at most once per 30 s. The issuer must be
`<INT_HUBSPOT_KEYCLOAK_URL>/realms/<realm>`, the token must not be expired, and `realm_access.roles` must
hold INT_HUBSPOT_KEYCLOAK_ADMIN_ROLE.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import httpx
from jwcrypto import jwk, jws, jwt
from jwcrypto.common import JWException

from int_hubspot.config.oauth import OAuthSettings

__all__ = ["AdminTokenVerifier", "AuthError", "ForbiddenError", "KeysUnavailableError"]

log = logging.getLogger(__name__)

ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384"]
JWKS_REFETCH_INTERVAL_S = 30.0


class AuthError(Exception):
    """The request carries no valid bearer token (401)."""


class ForbiddenError(Exception):
    """The token is valid but lacks the admin role (403)."""


class KeysUnavailableError(Exception):
    """The realm's keys could not be fetched from Keycloak (503)."""


class AdminTokenVerifier:
    """Verifies admin bearer tokens offline with the realm's cached keys."""

    def __init__(self, settings: OAuthSettings, http: httpx.AsyncClient | None = None) -> None:
        self._issuer = f"{settings.keycloak_url}/realms/{settings.keycloak_realm}"
        self._role = settings.keycloak_admin_role
        self._http = http or httpx.AsyncClient(timeout=settings.http_timeout_s)
        self._keys: jwk.JWKSet | None = None
        self._fetched_at = 0.0

    async def aclose(self) -> None:
        await self._http.aclose()

    async def verify(self, authorization: str | None) -> dict[str, Any]:
        """Return the claims of a valid admin token from an Authorization header, or raise."""
        if not authorization or not authorization.lower().startswith("bearer "):
            raise AuthError("missing bearer token")
        token = authorization[7:].strip()
        claims = await self._decode(token)
        roles = (claims.get("realm_access") or {}).get("roles") or []
        if self._role not in roles:
            raise ForbiddenError(
                f"token of {claims.get('azp') or claims.get('sub')} lacks realm role {self._role}"
            )
        return claims

    async def _decode(self, token: str) -> dict[str, Any]:
        keys = await self._key_set(force=False)
        try:
            return _validate(token, keys, self._issuer)
        except jwt.JWTMissingKey:
            # Keycloak may have rotated its keys; fetch them again (rate-limited) and retry once.
            keys = await self._key_set(force=True)
            try:
                return _validate(token, keys, self._issuer)
            except (JWException, ValueError) as error:
                raise AuthError(f"invalid token: {type(error).__name__}") from None
        except (JWException, ValueError) as error:
            raise AuthError(f"invalid token: {type(error).__name__}") from None

    async def _key_set(self, force: bool) -> jwk.JWKSet:
        now = time.monotonic()
        stale = force and now - self._fetched_at >= JWKS_REFETCH_INTERVAL_S
        if self._keys is not None and not stale:
            return self._keys
        url = f"{self._issuer}/protocol/openid-connect/certs"
        try:
            response = await self._http.get(url)
            response.raise_for_status()
            self._keys = jwk.JWKSet.from_json(response.text)
        except (httpx.HTTPError, JWException, ValueError) as error:
            if self._keys is not None:
                log.warning(
                    "could not refresh the realm keys from %s, keeping the cached ones: %s", url, error
                )
                return self._keys
            raise KeysUnavailableError(f"could not fetch the realm keys from {url}: {error}") from error
        self._fetched_at = now
        return self._keys


def _validate(token: str, keys: jwk.JWKSet, issuer: str) -> dict[str, Any]:
    try:
        parsed = jwt.JWT(jwt=token, key=keys, algs=ALGORITHMS, check_claims={"exp": None, "iss": issuer})
    except jws.InvalidJWSSignature as error:
        raise AuthError("token signature does not verify") from error
    claims: dict[str, Any] = json.loads(parsed.claims)
    return claims
