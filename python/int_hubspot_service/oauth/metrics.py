"""Metrics of the OAuth capability, recorded in the gateway's `Metrics` (see `telemetry/names.py`)."""

from __future__ import annotations

from int_hubspot_service.telemetry import names
from int_hubspot_service.telemetry.metrics import Metrics

__all__ = ["OAuthMetrics"]


class OAuthMetrics:
    """Records install steps, uninstalls and token refreshes of the OAuth module."""

    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics

    def record_install(self, outcome: str) -> None:
        self._metrics.oauth_installs.add((outcome,))

    def record_uninstall(self, outcome: str) -> None:
        self._metrics.tenant_uninstalls.add((outcome,))

    def record_refresh(self, outcome: str) -> None:
        """Count one refresh; outcomes other than `names.TOKEN_REFRESH_OUTCOMES` are ignored."""
        for known in names.TOKEN_REFRESH_OUTCOMES:
            if outcome == known:
                self._metrics.record_token_refresh(known)
