"""The OAuth capability as the gateway mounts it: routes, Keycloak readiness, start and stop.

`build_oauth_module(settings, metrics)` returns None when OAuth is off (no INT_HUBSPOT_HUBSPOT_CLIENT_ID),
so a gateway without OAuth settings runs exactly as before. Webhooks never depend on this module: when
Keycloak is down the OAuth and tenant routes respond with 503 and `/ready` lists Keycloak under `degraded`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping

from int_hubspot.config.oauth import OAuthSettings, load_oauth_settings
from int_hubspot.config.settings import Settings
from int_hubspot_service.http import Route
from int_hubspot_service.oauth.metrics import OAuthMetrics
from int_hubspot_service.oauth.readiness import KeycloakReadiness
from int_hubspot_service.oauth.routes import OAuthRoutes
from int_hubspot_service.oauth.services import OAuthServices
from int_hubspot_service.telemetry.metrics import Metrics
from int_hubspot_service.tenants.auth import AdminTokenVerifier
from int_hubspot_service.tenants.lifecycle import LifecyclePublisher
from int_hubspot_service.tenants.routes import TENANTS_PREFIX, TenantRoutes

__all__ = ["OAuthModule", "build_oauth_module"]

log = logging.getLogger(__name__)


def build_oauth_module(
    settings: Settings, metrics: Metrics, environ: Mapping[str, str] | None = None
) -> OAuthModule | None:
    """Return the OAuth module, or None when OAuth is off; raise `ConfigError` on invalid settings."""
    oauth_settings = load_oauth_settings(os.environ if environ is None else environ, settings)
    if oauth_settings is None:
        return None
    return OAuthModule(settings, oauth_settings, metrics)


class OAuthModule:
    """Owns the OAuth services, the Keycloak readiness checker and the route handlers of one process."""

    def __init__(self, settings: Settings, oauth_settings: OAuthSettings, metrics: Metrics) -> None:
        self.settings = oauth_settings
        self.metrics = OAuthMetrics(metrics)
        self.readiness = KeycloakReadiness(
            oauth_settings.keycloak_url, oauth_settings.keycloak_realm, settings.ready_check_interval_s
        )
        self.services = OAuthServices.build(
            oauth_settings,
            on_refresh=self.metrics.record_refresh,
            on_rate_limit_wait=metrics.record_rate_limit_wait,
        )
        self.publisher = LifecyclePublisher(settings.kafka_bootstrap, oauth_settings.tenants_topic)
        self.verifier = AdminTokenVerifier(oauth_settings)
        self.oauth_routes = OAuthRoutes(self.services, self.readiness, self.metrics, self.publisher)
        self.tenant_routes = TenantRoutes(
            self.services, self.verifier, self.readiness, self.publisher, self.metrics
        )

    def start(self) -> None:
        """Start the Keycloak readiness checker; clients connect on first use."""
        # httpx logs every request at INFO; the gateway logs its own outcomes, so keep only warnings.
        logging.getLogger("httpx").setLevel(logging.WARNING)
        self.readiness.start()
        log.info(
            "OAuth enabled: keycloak=%s realm=%s hubspot_api=%s redirect=%s",
            self.settings.keycloak_url,
            self.settings.keycloak_realm,
            self.settings.hubspot_api_url,
            self.settings.redirect_url,
        )

    def stop(self) -> None:
        """Stop the readiness checker and flush the lifecycle producer."""
        self.readiness.stop()
        self.publisher.close()

    async def aclose(self) -> None:
        """Close the HTTP clients (for callers that own the event loop, such as tests)."""
        await self.services.aclose()
        await self.verifier.aclose()

    def routes(self) -> list[Route]:
        """Return the routes to add to the gateway."""
        return [
            Route("GET", "/oauth/install", self.oauth_routes.install),
            Route("GET", "/oauth/callback", self.oauth_routes.callback),
            Route("GET", TENANTS_PREFIX, self.tenant_routes.status, prefix=True),
            Route("DELETE", TENANTS_PREFIX, self.tenant_routes.uninstall, prefix=True),
        ]

    def degraded(self) -> dict[str, str]:
        """Return failing OAuth dependencies; they do not make the gateway unready (webhooks still flow)."""
        return self.readiness.failures()
