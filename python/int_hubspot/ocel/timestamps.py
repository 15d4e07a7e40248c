"""Conversion of HubSpot `occurredAt` values (Unix epoch milliseconds) to OCEL timestamps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

__all__ = ["MAX_EPOCH_MS", "format_epoch_ms"]

# Largest accepted `occurredAt`: 9999-12-31T23:59:59.999Z in epoch milliseconds.
MAX_EPOCH_MS = 253_402_300_799_999

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS_PER_DAY = 86_400_000


def format_epoch_ms(epoch_ms: int) -> str:
    """Format epoch milliseconds (0 to `MAX_EPOCH_MS`) as `YYYY-MM-DDTHH:MM:SS.mmmZ` in UTC."""
    days, ms_of_day = divmod(epoch_ms, _MS_PER_DAY)
    instant = _EPOCH + timedelta(days=days, milliseconds=ms_of_day)
    return (
        f"{instant.year:04d}-{instant.month:02d}-{instant.day:02d}"
        f"T{instant.hour:02d}:{instant.minute:02d}:{instant.second:02d}.{instant.microsecond // 1000:03d}Z"
    )
