"""The details query's paging rules: interval text, the 100,000-result cap and interval halving."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

# Genesys answers 400 "Pagination may not exceed 100000 results." past this many [3P].
PAGINATION_RESULT_CAP = 100_000
PAGINATION_CAP_MESSAGE = "pagination may not exceed"
# Below this an interval is not split further: a minute with 100,000 conversations is not an
# org this exporter can serve through the query endpoint.
MIN_SPLIT_INTERVAL = timedelta(minutes=1)


def format_interval(start: datetime, end: datetime) -> str:
    """Genesys' ISO-8601 interval text in UTC with milliseconds, e.g. `...T09:00:00.000Z/...`."""
    return f"{_utc_millis(start)}/{_utc_millis(end)}"


def exceeds_pagination_cap(total_hits: int, result_cap: int = PAGINATION_RESULT_CAP) -> bool:
    """Whether a query reporting `total_hits` cannot be paged to its end."""
    return total_hits > result_cap


def is_pagination_cap_message(genesys_message: str | None) -> bool:
    """Whether a Genesys 400 is the result-cap refusal rather than a malformed query."""
    return genesys_message is not None and PAGINATION_CAP_MESSAGE in genesys_message.lower()


def halve_interval(
    start: datetime, end: datetime
) -> tuple[tuple[datetime, datetime], tuple[datetime, datetime]] | None:
    """The two halves of [start, end), cut on a whole millisecond; None when a half would be
    shorter than `MIN_SPLIT_INTERVAL`."""
    length_ms = (end - start) // timedelta(milliseconds=1)
    half = timedelta(milliseconds=length_ms // 2)
    if half < MIN_SPLIT_INTERVAL:
        return None
    middle = start + half
    return (start, middle), (middle, end)


def _utc_millis(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment!r}: Genesys intervals need tz-aware UTC times")
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
