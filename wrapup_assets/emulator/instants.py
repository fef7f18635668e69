"""Instants as integer epoch milliseconds, the precision Genesys reports, and their ISO text."""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta

SECOND_MS = 1000
MINUTE_MS = 60 * SECOND_MS
HOUR_MS = 60 * MINUTE_MS
DAY_MS = 24 * HOUR_MS
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def to_ms(instant: datetime) -> int:
    """Epoch milliseconds of a tz-aware datetime (naive ones are rejected: no local time anywhere)."""
    if instant.utcoffset() is None:
        raise ValueError(f"expected a timezone-aware datetime, got {instant!r}")
    return (instant - EPOCH) // timedelta(milliseconds=1)


def from_ms(epoch_ms: int) -> datetime:
    """The UTC datetime of epoch milliseconds."""
    return EPOCH + timedelta(milliseconds=epoch_ms)


def iso_ms(epoch_ms: int) -> str:
    """Genesys' timestamp text: `2024-05-01T09:12:33.123Z`.

    Arithmetic on the time of day with the date text cached per day: a conversation has about
    twenty timestamps, and strftime made them half of its rendering time.
    """
    day, ms_of_day = divmod(epoch_ms, DAY_MS)
    hour, ms_of_hour = divmod(ms_of_day, HOUR_MS)
    minute, ms_of_minute = divmod(ms_of_hour, MINUTE_MS)
    second, millisecond = divmod(ms_of_minute, SECOND_MS)
    return f"{_date_text(day)}T{hour:02d}:{minute:02d}:{second:02d}.{millisecond:03d}Z"


@functools.lru_cache(maxsize=4096)
def _date_text(epoch_day: int) -> str:
    return (EPOCH + timedelta(days=epoch_day)).strftime("%Y-%m-%d")


def parse_instant(text: str) -> int:
    """Epoch milliseconds of an ISO 8601 instant; a missing offset means UTC, as Genesys reads it."""
    parsed = datetime.fromisoformat(text.strip())
    if parsed.utcoffset() is None:
        parsed = parsed.replace(tzinfo=UTC)
    return to_ms(parsed)


def parse_interval(text: str) -> tuple[int, int]:
    """`start/end` as epoch milliseconds; raises ValueError when malformed or empty."""
    start_text, separator, end_text = text.partition("/")
    if not separator:
        raise ValueError(f"interval {text!r} is not 'start/end'")
    start_ms, end_ms = parse_instant(start_text), parse_instant(end_text)
    if end_ms <= start_ms:
        raise ValueError(f"interval {text!r} ends before it starts")
    return start_ms, end_ms


def floor_to(epoch_ms: int, unit_ms: int) -> int:
    """The start of the UTC hour or day (unit) that contains the instant."""
    return epoch_ms - epoch_ms % unit_ms
