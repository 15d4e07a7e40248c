"""Prometheus metrics of the OAuth capability, registered in the gateway's per-process registry."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter

__all__ = ["OAuthMetrics"]


class OAuthMetrics:
    """Counters of installs, token refreshes and uninstalls."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.installs = Counter(
            "int_hubspot_oauth_installs",
            "OAuth install steps by outcome (started, completed, or the reason of a failure).",
            ["outcome"],
            registry=registry,
        )
        self.refreshes = Counter(
            "int_hubspot_token_refreshes",
            "HubSpot access-token refreshes by outcome (refreshed, failed, needs_reauth).",
            ["outcome"],
            registry=registry,
        )
        self.uninstalls = Counter(
            "int_hubspot_tenant_uninstalls",
            "Tenant uninstalls through the admin API by outcome.",
            ["outcome"],
            registry=registry,
        )
