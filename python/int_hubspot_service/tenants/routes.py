"""`GET /tenants/<portalId>` (status) and `DELETE /tenants/<portalId>` (uninstall), for admins only.

Both need `Authorization: Bearer <Keycloak access token>` with the admin realm role. Responses: 200 with
JSON; 401 no or invalid token; 403 token without the role; 404 unknown portal; 502 HubSpot refused or
failed the revocation (repeat, or pass `?force=true` to uninstall without it); 503 Keycloak or Kafka
unavailable. No response ever carries a token.
"""

from __future__ import annotations

import logging
from urllib.parse import parse_qs

import orjson

from int_hubspot.oauth import EnvelopeError
from int_hubspot_service.http import HttpRequest, HttpResponse
from int_hubspot_service.hubspot.errors import HubSpotError
from int_hubspot_service.keycloak.admin import KeycloakUnavailableError, TenantStoreError
from int_hubspot_service.oauth.metrics import OAuthMetrics
from int_hubspot_service.oauth.readiness import KeycloakReadiness
from int_hubspot_service.oauth.services import OAuthServices
from int_hubspot_service.tenants.auth import (
    AdminTokenVerifier,
    AuthError,
    ForbiddenError,
    KeysUnavailableError,
)
from int_hubspot_service.tenants.lifecycle import LifecyclePublisher, PublishError, uninstall_tenant

__all__ = ["TENANTS_PREFIX", "TenantRoutes"]

log = logging.getLogger(__name__)

TENANTS_PREFIX = "/tenants/"


class TenantRoutes:
    """Handlers of the tenant admin API."""

    def __init__(
        self,
        services: OAuthServices,
        verifier: AdminTokenVerifier,
        readiness: KeycloakReadiness,
        publisher: LifecyclePublisher,
        metrics: OAuthMetrics,
    ) -> None:
        self._services = services
        self._verifier = verifier
        self._readiness = readiness
        self._publisher = publisher
        self._metrics = metrics

    async def status(self, request: HttpRequest) -> HttpResponse:
        """Return the tenant's status: install time, scopes, token expiry, needs_reauth; never a token."""
        portal_id, rejection = await self._authorize(request)
        if rejection is not None:
            return rejection
        try:
            tenant = await self._services.store.get(portal_id)
        except TenantStoreError as error:
            return _store_failure(error, portal_id, "status")
        if tenant is None:
            return _json(404, {"error": "not_found", "message": f"portal {portal_id} is not installed"})
        return _json(200, tenant.status())

    async def uninstall(self, request: HttpRequest) -> HttpResponse:
        """Revoke the refresh token, publish the lifecycle record, delete the tenant's user and group."""
        portal_id, rejection = await self._authorize(request)
        if rejection is not None:
            return rejection
        force = parse_qs(request.query).get("force", ["false"])[0].lower() in ("1", "true", "yes")
        try:
            result = await uninstall_tenant(
                self._services, self._publisher, portal_id, reason="admin_uninstall", force=force
            )
        except (HubSpotError, EnvelopeError) as error:
            self._metrics.record_uninstall("revoke_failed")
            log.error("uninstall of tenant %s stopped, nothing deleted: %s", portal_id, error)
            message = (
                f"revoking the refresh token failed: {error}; repeat, or add ?force=true to skip revocation"
            )
            return _json(502, {"error": "revoke_failed", "message": message})
        except PublishError as error:
            self._metrics.record_uninstall("publish_failed")
            log.error("uninstall of tenant %s stopped, nothing deleted: %s", portal_id, error)
            return _json(503, {"error": "kafka_unavailable", "message": str(error)}, retry_after=True)
        except TenantStoreError as error:
            self._metrics.record_uninstall("store_failed")
            return _store_failure(error, portal_id, "uninstall")
        if not result.found:
            return _json(404, {"error": "not_found", "message": f"portal {portal_id} is not installed"})
        self._metrics.record_uninstall("completed")
        return _json(200, result.as_dict())

    async def _authorize(self, request: HttpRequest) -> tuple[str, HttpResponse | None]:
        portal_id = request.path.removeprefix(TENANTS_PREFIX).rstrip("/")
        # str.isdigit() alone also accepts non-ASCII digits such as "²".
        if not (portal_id.isascii() and portal_id.isdigit()) or len(portal_id) > 20:
            return portal_id, _json(
                404, {"error": "not_found", "message": "use /tenants/<numeric portal id>"}
            )
        if self._readiness.failures():
            return portal_id, _json(503, {"error": "keycloak_unavailable"}, retry_after=True)
        try:
            claims = await self._verifier.verify(request.header("authorization"))
        except AuthError as error:
            log.warning("tenant admin request for %s rejected: %s", portal_id, error)
            body = _json(401, {"error": "unauthorized", "message": str(error)})
            body.headers.append(("www-authenticate", 'Bearer realm="int-hubspot"'))
            return portal_id, body
        except ForbiddenError as error:
            log.warning("tenant admin request for %s forbidden: %s", portal_id, error)
            return portal_id, _json(403, {"error": "forbidden", "message": str(error)})
        except KeysUnavailableError as error:
            log.error("tenant admin request for %s: %s", portal_id, error)
            return portal_id, _json(503, {"error": "keycloak_unavailable"}, retry_after=True)
        log.info(
            "tenant admin %s %s by %s", request.method, portal_id, claims.get("azp") or claims.get("sub")
        )
        return portal_id, None


def _store_failure(error: TenantStoreError, portal_id: str, action: str) -> HttpResponse:
    log.error("tenant %s of %s failed: %s", action, portal_id, error)
    if isinstance(error, KeycloakUnavailableError):
        return _json(503, {"error": "keycloak_unavailable"}, retry_after=True)
    return _json(500, {"error": "store_failed", "message": f"tenant {action} failed; see the gateway log"})


def _json(status: int, body: dict[str, object], retry_after: bool = False) -> HttpResponse:
    headers = [("content-type", "application/json"), ("cache-control", "no-store")]
    if retry_after:
        headers.append(("retry-after", "30"))
    return HttpResponse(status, headers, orjson.dumps(body))
