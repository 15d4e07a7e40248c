"""Readiness checks run in a background thread, so `/ready` responds from a cached result at once."""

from __future__ import annotations

import logging
import threading
from typing import Any

__all__ = ["BackgroundCheck", "KafkaReadiness"]

log = logging.getLogger(__name__)


class BackgroundCheck:
    """Runs `probe()` every `interval_s` seconds in a daemon thread and caches its failures.

    Subclasses implement `probe()` (failing checks by name, empty when healthy) and `report()`, which
    logs the new state once: on the first check and whenever the set of failing checks changes.
    """

    def __init__(self, name: str, interval_s: float) -> None:
        self._interval_s = interval_s
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._failures: dict[str, str] = {name: "not checked yet"}
        self._checked = False
        self._thread = threading.Thread(target=self._run, name=f"{name}-readiness", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def failures(self) -> dict[str, str]:
        """Return the failing checks by name; empty when ready."""
        with self._lock:
            return dict(self._failures)

    def check_now(self) -> dict[str, str]:
        """Run the checks once, store and return the failures."""
        failures = self.probe()
        with self._lock:
            changed = failures.keys() != self._failures.keys() or not self._checked
            self._failures = failures
            self._checked = True
        if changed:
            self.report(failures)
        return failures

    def probe(self) -> dict[str, str]:
        raise NotImplementedError

    def report(self, failures: dict[str, str]) -> None:
        raise NotImplementedError

    def _run(self) -> None:
        while not self._stop.is_set():
            self.check_now()
            self._stop.wait(self._interval_s)


class KafkaReadiness(BackgroundCheck):
    """Checks that the broker responds and that the events and dead-letter topics exist."""

    def __init__(self, producer: Any, topics: tuple[str, ...], interval_s: float) -> None:
        super().__init__("kafka", interval_s)
        self._producer = producer
        self._topics = topics

    def probe(self) -> dict[str, str]:
        failures: dict[str, str] = {}
        try:
            metadata = self._producer.list_topics(timeout=min(self._interval_s, 5.0))
        except Exception as error:  # librdkafka raises KafkaException with varied codes
            failures["kafka"] = f"broker metadata request failed: {error}"
        else:
            for topic in self._topics:
                entry = metadata.topics.get(topic)
                if entry is None or entry.error is not None:
                    failures[f"topic:{topic}"] = "topic does not exist or has an error"
        return failures

    def report(self, failures: dict[str, str]) -> None:
        if failures:
            log.warning("not ready: %s", failures)
        else:
            log.info("ready: Kafka responds and the topics exist")
