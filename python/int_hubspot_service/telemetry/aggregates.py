"""Cheap in-process aggregates that the request path updates and the OpenTelemetry export reads.

Recording through the OpenTelemetry SDK costs several microseconds per call (attribute validation,
hashing, locks), which is a large share of a webhook request. The request path therefore only adds to
these plain aggregates under a lock. The export side turns them into OpenTelemetry data when a reader
collects: counters through observable-counter callbacks, histograms as ready-made data points (see
`export.py`). bench/test_metrics_cost.py measures both ways.
"""

from __future__ import annotations

import threading
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["CounterSet", "HistogramSet", "HistogramSnapshot"]

Labels = tuple[str, ...]


class CounterSet:
    """Monotonic counts keyed by a tuple of label values, in a fixed label order."""

    __slots__ = ("_counts", "_lock", "label_names")

    def __init__(self, label_names: Sequence[str]) -> None:
        self.label_names = tuple(label_names)
        self._counts: dict[Labels, float] = {}
        self._lock = threading.Lock()

    def add(self, labels: Labels, amount: float = 1) -> None:
        """Add `amount` (not negative) to the count of `labels`."""
        with self._lock:
            self._counts[labels] = self._counts.get(labels, 0) + amount

    def ensure(self, labels: Labels) -> None:
        """Create the series of `labels` with a zero count, so it is exported before its first event."""
        with self._lock:
            self._counts.setdefault(labels, 0)

    def snapshot(self) -> dict[Labels, float]:
        """Return a copy of every count."""
        with self._lock:
            return dict(self._counts)


@dataclass(frozen=True, slots=True)
class HistogramSnapshot:
    """Cumulative state of one histogram series; `bucket_counts` has one more entry than the bounds."""

    bucket_counts: tuple[int, ...]
    count: int
    sum: float
    min: float
    max: float


class _Series:
    __slots__ = ("bucket_counts", "count", "max", "min", "sum")

    def __init__(self, size: int) -> None:
        self.bucket_counts = [0] * size
        self.count = 0
        self.sum = 0.0
        self.min = float("inf")
        self.max = float("-inf")


class HistogramSet:
    """Explicit-bucket histograms keyed by label values, with the bucket rule of OpenTelemetry.

    A value lands in the first bucket whose upper bound is greater than or equal to it. Values above the
    last bound land in the overflow bucket.
    """

    __slots__ = ("_lock", "_series", "bounds", "label_names")

    def __init__(self, label_names: Sequence[str], bounds: Sequence[float]) -> None:
        if list(bounds) != sorted(set(bounds)):
            raise ValueError(f"histogram bounds {list(bounds)} must be strictly increasing")
        self.label_names = tuple(label_names)
        self.bounds = tuple(float(bound) for bound in bounds)
        self._series: dict[Labels, _Series] = {}
        self._lock = threading.Lock()

    def observe(self, labels: Labels, value: float) -> None:
        """Record one observation of `value` for `labels`."""
        index = bisect_left(self.bounds, value)
        with self._lock:
            series = self._series.get(labels)
            if series is None:
                series = self._series[labels] = _Series(len(self.bounds) + 1)
            series.bucket_counts[index] += 1
            series.count += 1
            series.sum += value
            series.min = min(series.min, value)
            series.max = max(series.max, value)

    def snapshot(self) -> dict[Labels, HistogramSnapshot]:
        """Return a consistent copy of every series."""
        with self._lock:
            return {
                labels: HistogramSnapshot(
                    tuple(series.bucket_counts), series.count, series.sum, series.min, series.max
                )
                for labels, series in self._series.items()
            }
