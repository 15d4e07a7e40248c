"""CPU time and resident memory of a process tree, read from /proc (Linux only).

CPU time is utime + stime of every process in the tree, all threads included, in seconds. It has the
kernel's clock-tick resolution (10 ms at USER_HZ = 100), and a process that exits takes its CPU time
with it, so the tree must stay up while it is measured.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")


def _stat_fields(pid: int) -> list[str] | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            text = handle.read().decode()
    except (FileNotFoundError, ProcessLookupError):
        return None
    # The command name (field 2) may contain spaces, so split after its closing parenthesis.
    return text[text.rindex(")") + 2 :].split()


def process_tree(root: int) -> list[int]:
    """Return `root` and all its descendants that are alive now."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        fields = _stat_fields(int(entry))
        if fields is not None:
            children.setdefault(int(fields[1]), []).append(int(entry))
    tree, pending = [], [root]
    while pending:
        pid = pending.pop()
        tree.append(pid)
        pending.extend(children.get(pid, []))
    return tree


def tree_usage(root: int) -> tuple[float, int]:
    """Return (CPU seconds, resident bytes) summed over the tree of `root`."""
    cpu_ticks = 0
    rss_pages = 0
    for pid in process_tree(root):
        fields = _stat_fields(pid)
        if fields is None:
            continue
        # After the command name: field index 11 is utime, 12 stime, 21 rss (in pages).
        cpu_ticks += int(fields[11]) + int(fields[12])
        rss_pages += int(fields[21])
    return cpu_ticks / CLOCK_TICKS, rss_pages * PAGE_BYTES


def cpu_busy_ticks() -> dict[str, tuple[int, int]]:
    """Return (busy, total) clock ticks per CPU from /proc/stat, e.g. {"cpu0": (...), ...}."""
    result = {}
    with open("/proc/stat") as handle:
        for line in handle:
            name, *values = line.split()
            if not name.startswith("cpu") or name == "cpu":
                continue
            ticks = [int(value) for value in values]
            idle = ticks[3] + ticks[4]  # idle + iowait
            result[name] = (sum(ticks[:8]) - idle, sum(ticks[:8]))
    return result


def busy_fraction(before: dict[str, tuple[int, int]], after: dict[str, tuple[int, int]]) -> dict[str, float]:
    """Return the busy share of each CPU between two `cpu_busy_ticks()` readings."""
    shares = {}
    for name, (busy, total) in after.items():
        busy0, total0 = before.get(name, (0, 0))
        shares[name] = (busy - busy0) / max(1, total - total0)
    return shares


@dataclass
class RssSampler:
    """Samples the tree's resident memory every `interval_s` in a thread; `peak_between()` reads it."""

    root: int
    interval_s: float = 0.25
    samples: list[tuple[float, int]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            _cpu, rss = tree_usage(self.root)
            self.samples.append((time.time(), rss))

    def peak_between(self, start: float, end: float) -> int:
        return max((rss for at, rss in self.samples if start <= at <= end), default=0)
