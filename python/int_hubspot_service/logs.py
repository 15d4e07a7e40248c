"""Logging set-up: one JSON object per line on stderr, with request and portal ids from context.

Library modules only call `logging.getLogger(__name__)`; this module is the single place that installs a
handler. The handler:
- adds `request_id` and `portal_id` from context variables that the webhook path sets per request;
- lets the first WARNING-or-worse record of a kind through and counts its repeats for a while, so a
  failing broker produces one line per minute with a count instead of one line per request;
- replaces configured secret values, and any extra field whose name marks a secret or a body, with
  "[REDACTED]". Callers still must not log secrets, tokens or request bodies; this is a second line.
"""

from __future__ import annotations

import itertools
import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

import orjson

__all__ = [
    "JsonFormatter",
    "RepeatFilter",
    "bind_request",
    "configure_logging",
    "granian_log_config",
    "new_request_id",
    "portal_id_var",
    "request_id_var",
]

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
portal_id_var: ContextVar[str | None] = ContextVar("portal_id", default=None)

REDACTED = "[REDACTED]"

_STANDARD_ATTRIBUTES = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "taskName",
}
_SECRET_FIELD_MARKERS = ("secret", "token", "password", "authorization", "cookie", "body")

_request_counter = itertools.count(1)
_request_prefix: tuple[int, str] = (0, "")


def new_request_id() -> str:
    """Return an id unique across the worker processes of a pod: random per process, then a counter."""
    global _request_prefix  # noqa: PLW0603 - one prefix per process, renewed after a fork
    pid = os.getpid()
    if _request_prefix[0] != pid:
        _request_prefix = (pid, os.urandom(4).hex())
    return f"{_request_prefix[1]}-{next(_request_counter):x}"


@contextmanager
def bind_request(request_id: str, portal_id: str | None = None) -> Iterator[None]:
    """Set the request (and portal) id for log records emitted inside the block."""
    request_token = request_id_var.set(request_id)
    portal_token = portal_id_var.set(portal_id)
    try:
        yield
    finally:
        portal_id_var.reset(portal_token)
        request_id_var.reset(request_token)


class ContextFilter(logging.Filter):
    """Copies the request and portal ids of the current context onto each record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = request_id_var.get()
        if getattr(record, "portal_id", None) is None:
            record.portal_id = portal_id_var.get()
        return True


class RepeatFilter(logging.Filter):
    """Passes the first record of a kind per window and counts the repeats it drops.

    A kind is (logger, level, message template). Records below `min_level` always pass. The first
    record of a kind after its window has passed carries `repeats_suppressed` with the number dropped.
    At most `max_kinds` kinds are tracked; the oldest is forgotten first.
    """

    def __init__(
        self,
        window_s: float = 60.0,
        min_level: int = logging.WARNING,
        max_kinds: int = 1_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.window_s = window_s
        self.min_level = min_level
        self.max_kinds = max_kinds
        self.clock = clock
        self._kinds: dict[tuple[str, int, str], tuple[float, int]] = {}
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < self.min_level:
            return True
        kind = (record.name, record.levelno, str(record.msg))
        with self._lock:
            return self._admit(kind, record)

    def _admit(self, kind: tuple[str, int, str], record: logging.LogRecord) -> bool:
        now = self.clock()
        seen = self._kinds.get(kind)
        if seen is not None and now - seen[0] < self.window_s:
            self._kinds[kind] = (seen[0], seen[1] + 1)
            return False

        if seen is not None and seen[1]:
            record.repeats_suppressed = seen[1]
        self._kinds.pop(kind, None)
        self._kinds[kind] = (now, 0)
        if len(self._kinds) > self.max_kinds:
            del self._kinds[next(iter(self._kinds))]
        return True


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON object: timestamp, level, logger, message, ids and extra fields."""

    def __init__(self, redact: Iterable[str | bytes] = ()) -> None:
        super().__init__()
        values = (value.decode(errors="replace") if isinstance(value, bytes) else value for value in redact)
        # Longest first, so a secret that contains another is replaced whole.
        self._redact = sorted({value for value in values if value}, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "process": record.process,
        }
        for key, value in record.__dict__.items():
            if key in _STANDARD_ATTRIBUTES or key.startswith("_") or value is None:
                continue
            entry[key] = REDACTED if _marks_secret(key) else value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        line = orjson.dumps(entry, default=str).decode()
        for secret in self._redact:
            line = line.replace(secret, REDACTED)
        return line


def _marks_secret(field_name: str) -> bool:
    lowered = field_name.lower()
    return any(marker in lowered for marker in _SECRET_FIELD_MARKERS)


def configure_logging(level: str = "INFO", redact: Iterable[str | bytes] = ()) -> None:
    """Send every log record to stderr as JSON lines at `level`; safe to call more than once.

    `redact` lists secret values (client secrets, keys) that must never appear in a line.
    """
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_int_hubspot", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(redact))
    handler.addFilter(ContextFilter())
    handler.addFilter(RepeatFilter())
    handler._int_hubspot = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)


def granian_log_config() -> dict[str, Any]:
    """Return a `logging.config.dictConfig` for Granian that sends its records to the root JSON handler.

    Granian installs plain-text handlers on its `_granian` and `granian.access` loggers by default; these
    entries replace them with none and let the records propagate.
    """
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {},
        "handlers": {},
        "loggers": {
            "_granian": {"handlers": [], "propagate": True},
            "granian.access": {"handlers": [], "propagate": True},
        },
    }
