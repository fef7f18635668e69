"""Which hours are ready to export: the settle-delay rule shared by the schedule and the catch-up sensor.

Genesys keeps changing a conversation until it has ended and its wrap-up is written, so an hour is
exported only once it ended at least the settle delay ago. The rule, for an evaluation at `now`:

    the newest hour H such that H's end <= now - settle_delay

i.e. floor(now - settle_delay, hour) - 1 hour. At 2024-05-01T12:10Z with 120 minutes that is
2024-05-01-09:00 (it ended at 10:00, 2 h 10 min earlier). An hourly tick therefore always lands on
the next hour, whatever minute it runs at, and never on the hour that is still going on.
"""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from wrapup_assets.partitions import HOUR


def latest_settled_hour(now: datetime, settle_delay: timedelta) -> datetime:
    """The UTC start of the newest hour that ended at least `settle_delay` before `now`."""
    horizon = now.astimezone(UTC) - settle_delay
    return horizon.replace(minute=0, second=0, microsecond=0) - HOUR


def hours_between(first: datetime, last: datetime) -> Iterator[datetime]:
    """Hour starts from `first` to `last`, both included, oldest first."""
    hour = first
    while hour <= last:
        yield hour
        hour += HOUR
