"""Keycloak reachability, checked in a background thread so requests read a cached result at once."""

from __future__ import annotations

import logging
import threading
import urllib.error
import urllib.request

__all__ = ["KeycloakReadiness"]

log = logging.getLogger(__name__)


class KeycloakReadiness:
    """Checks that the realm's public endpoint of Keycloak returns 200."""

    def __init__(self, keycloak_url: str, realm: str, interval_s: float, timeout_s: float = 3.0) -> None:
        self._url = f"{keycloak_url}/realms/{realm}"
        self._interval_s = interval_s
        self._timeout_s = timeout_s
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._failures: dict[str, str] = {"keycloak": "not checked yet"}
        self._thread = threading.Thread(target=self._run, name="keycloak-readiness", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def failures(self) -> dict[str, str]:
        """Return {"keycloak": reason} while Keycloak is unreachable, else an empty dict."""
        with self._lock:
            return dict(self._failures)

    def check_now(self) -> dict[str, str]:
        """Run the check once, store and return the failures."""
        failures: dict[str, str] = {}
        try:
            with urllib.request.urlopen(self._url, timeout=self._timeout_s) as response:  # noqa: S310 - http(s) checked in settings
                if response.status != 200:
                    failures["keycloak"] = f"{self._url} answered {response.status}"
        except urllib.error.HTTPError as error:
            failures["keycloak"] = f"{self._url} answered {error.code}"
        except (urllib.error.URLError, OSError) as error:
            failures["keycloak"] = f"{self._url} is not reachable: {error}"
        with self._lock:
            changed = failures.keys() != self._failures.keys()
            self._failures = failures
        if changed:
            if failures:
                log.warning("Keycloak not reachable; OAuth routes respond with 503: %s", failures["keycloak"])
            else:
                log.info("Keycloak reachable at %s", self._url)
        return failures

    def _run(self) -> None:
        while not self._stop.is_set():
            self.check_now()
            self._stop.wait(self._interval_s)
