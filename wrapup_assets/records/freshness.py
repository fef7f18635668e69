"""Freshness: the newest exported hour must not lag behind the clock by more than a setting.

An hour is exported a settle delay (default 2 h) after it ends, so in a healthy deployment the
newest hourly partition ends at most settle delay + one scheduling hour before now; the default
allowance adds an hour of margin.
"""

from datetime import datetime, timedelta

from wrapup_assets.records.validation import CheckOutcome

SCHEDULING_HOUR_AND_MARGIN = timedelta(hours=2)


def default_max_lag(settle_delay: timedelta) -> timedelta:
    """The lag a healthy deployment never passes: the settle delay, the hour, and an hour of margin."""
    return settle_delay + SCHEDULING_HOUR_AND_MARGIN


def check_newest_hour(newest_hour_end: datetime | None, now: datetime, max_lag: timedelta) -> CheckOutcome:
    """Passes when the newest materialized hour ended no longer than `max_lag` before `now`."""
    if newest_hour_end is None:
        return CheckOutcome(
            passed=False,
            description="no hour of wrapup_records has been materialized yet",
            metadata={"max_lag_hours": max_lag / timedelta(hours=1)},
        )
    lag = now - newest_hour_end
    metadata = {
        "newest_hour_end": newest_hour_end.isoformat(),
        "lag_hours": round(lag / timedelta(hours=1), 3),
        "max_lag_hours": max_lag / timedelta(hours=1),
    }
    if lag > max_lag:
        return CheckOutcome(
            passed=False,
            description=(
                f"the newest exported hour ended at {newest_hour_end.isoformat()}, "
                f"{lag} ago: more than the allowed {max_lag}"
            ),
            metadata=metadata,
        )
    return CheckOutcome(
        passed=True,
        description=f"the newest exported hour ended at {newest_hour_end.isoformat()}, {lag} ago",
        metadata=metadata,
    )
