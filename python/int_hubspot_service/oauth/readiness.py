"""Keycloak reachability, checked in a background thread so requests read a cached result at once."""

from __future__ import annotations

import logging
import urllib.error
import urllib.request

from int_hubspot_service.readiness import BackgroundCheck

__all__ = ["KeycloakReadiness"]

log = logging.getLogger(__name__)


class KeycloakReadiness(BackgroundCheck):
    """Checks that the realm's public endpoint of Keycloak returns 200."""

    def __init__(self, keycloak_url: str, realm: str, interval_s: float, timeout_s: float = 3.0) -> None:
        super().__init__("keycloak", interval_s)
        self._url = f"{keycloak_url}/realms/{realm}"
        self._timeout_s = timeout_s

    def probe(self) -> dict[str, str]:
        failures: dict[str, str] = {}
        try:
            with urllib.request.urlopen(self._url, timeout=self._timeout_s) as response:  # noqa: S310 - http(s) checked in settings
                if response.status != 200:
                    failures["keycloak"] = f"{self._url} returned {response.status}"
        except urllib.error.HTTPError as error:
            failures["keycloak"] = f"{self._url} returned {error.code}"
        except (urllib.error.URLError, OSError) as error:
            failures["keycloak"] = f"{self._url} is not reachable: {error}"
        return failures

    def report(self, failures: dict[str, str]) -> None:
        if failures:
            log.warning("Keycloak not reachable; OAuth routes respond with 503: %s", failures["keycloak"])
        else:
            log.info("Keycloak reachable at %s", self._url)
