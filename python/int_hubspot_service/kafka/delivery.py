"""Tracks Kafka delivery reports for one webhook request and hands them to its event loop.

librdkafka calls the delivery callbacks from `Producer.poll()`, which a dedicated poller thread runs.
Completed requests are collected during one poll and handed to their event loop with a single
`call_soon_threadsafe` per loop, so a busy gateway pays one cross-thread wake-up per poll, not one per
request.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

__all__ = ["DeliveryBatch", "DeliveryOutcome"]


@dataclass(slots=True)
class DeliveryOutcome:
    """The delivery reports Kafka returned for all the records of one request."""

    delivered: int = 0
    dead_lettered: dict[str, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


class DeliveryBatch:
    """Counts the delivery reports of one request; resolves `future` when all have arrived.

    Only the poller thread writes `settled` and `outcome` (callbacks run inside `Producer.poll()`), and
    only the request's thread writes `expected` and then `sealed`. Both sides check for completion
    after their own write, so at least one of them detects it; `resolve()` is idempotent.
    """

    __slots__ = ("completed", "expected", "future", "loop", "outcome", "sealed", "settled")

    def __init__(self, loop: asyncio.AbstractEventLoop, completed: list[DeliveryBatch]) -> None:
        self.loop = loop
        self.future: asyncio.Future[DeliveryOutcome] = loop.create_future()
        self.outcome = DeliveryOutcome()
        self.expected = 0
        self.settled = 0
        self.sealed = False
        self.completed = completed

    def seal(self, expected: int) -> None:
        """Record how many reports to wait for; resolve at once if they have all arrived."""
        self.expected = expected
        self.sealed = True
        if self.settled >= expected:
            self.resolve()

    def on_event_delivery(self, error: Any, _message: Any) -> None:
        """Delivery callback for a record on the events topic."""
        if error is None:
            self.outcome.delivered += 1
        else:
            self._count_error(error)
        self._settle_one()

    def on_dead_letter_delivery(self, reason: str) -> Any:
        """Return a delivery callback for a dead-letter record with `reason`."""

        def callback(error: Any, _message: Any) -> None:
            if error is None:
                counts = self.outcome.dead_lettered
                counts[reason] = counts.get(reason, 0) + 1
            else:
                self._count_error(error)
            self._settle_one()

        return callback

    def _count_error(self, error: Any) -> None:
        name = error.name() if hasattr(error, "name") else str(error)
        self.outcome.errors[name] = self.outcome.errors.get(name, 0) + 1

    def _settle_one(self) -> None:
        self.settled += 1
        if self.sealed and self.settled == self.expected:
            self.completed.append(self)

    def resolve(self) -> None:
        """Set the future's result; runs on the batch's event loop."""
        if not self.future.done():
            self.future.set_result(self.outcome)
