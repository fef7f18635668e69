"""The UTC hour and day partitions: the hourly partition is the export cursor.

Dagster's record of materialized partitions replaces a hand-kept `interval_end`. The first
partition comes from `WRAPUP_START_DATE` (default 2024-01-01) so that a backfill over "all" does
not reach back further than the organisation's data; the last one is the last completed window,
so a partition key from the future does not exist.
"""

import os
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

import dagster as dg

START_DATE_VARIABLE = "WRAPUP_START_DATE"
DEFAULT_START_DATE = "2024-01-01"
HOUR_KEY_FORMAT = "%Y-%m-%d-%H:%M"
DAY_KEY_FORMAT = "%Y-%m-%d"


BACKFILL_HOURS_VARIABLE = "WRAPUP_BACKFILL_HOURS_PER_RUN"
DEFAULT_BACKFILL_HOURS_PER_RUN = 168


class PartitionSettingsError(ValueError):
    """A partition setting in the environment is malformed."""


def start_date_from_environment(environ: Mapping[str, str] = os.environ) -> datetime:
    """The first partition's day, read from `WRAPUP_START_DATE` (YYYY-MM-DD, UTC)."""
    raw = environ.get(START_DATE_VARIABLE) or DEFAULT_START_DATE
    try:
        start = datetime.strptime(raw, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise PartitionSettingsError(
            f"{START_DATE_VARIABLE}={raw!r} is not a date in the form YYYY-MM-DD (UTC)"
        ) from None
    if start > datetime.now(UTC):
        raise PartitionSettingsError(f"{START_DATE_VARIABLE}={raw!r} is in the future")
    return start


def backfill_hours_from_environment(environ: Mapping[str, str] = os.environ) -> int:
    """Hours of history one backfill run covers, from `WRAPUP_BACKFILL_HOURS_PER_RUN` (default a week)."""
    raw = environ.get(BACKFILL_HOURS_VARIABLE) or str(DEFAULT_BACKFILL_HOURS_PER_RUN)
    if not raw.isdigit() or not 1 <= int(raw) <= 31 * 24:
        raise PartitionSettingsError(
            f"{BACKFILL_HOURS_VARIABLE}={raw!r} is not a whole number of hours from 1 to 744 (31 days); "
            f"the default is {DEFAULT_BACKFILL_HOURS_PER_RUN} (a week)"
        )
    return int(raw)


START_DATE = start_date_from_environment()
BACKFILL_HOURS_PER_RUN = backfill_hours_from_environment()

hourly_partitions = dg.HourlyPartitionsDefinition(start_date=START_DATE.strftime(HOUR_KEY_FORMAT), timezone="UTC")
daily_partitions = dg.DailyPartitionsDefinition(start_date=START_DATE.strftime(DAY_KEY_FORMAT), timezone="UTC")


def utc_window(context: dg.AssetExecutionContext) -> tuple[datetime, datetime]:
    """The [start, end) of the run's partition as UTC datetimes (Dagster hands out its own tz type)."""
    window = context.partition_time_window
    return window.start.astimezone(UTC), window.end.astimezone(UTC)


def hour_key(start: datetime) -> str:
    """The hourly partition key of the hour starting at `start`, e.g. `2024-05-01-09:00`."""
    return start.astimezone(UTC).strftime(HOUR_KEY_FORMAT)


def hour_start(key: str) -> datetime:
    """The UTC start of an hourly partition key such as `2024-05-01-09:00`."""
    return datetime.strptime(key, HOUR_KEY_FORMAT).replace(tzinfo=UTC)


def day_hour_keys(day_key: str) -> list[str]:
    """The 24 hourly partition keys of a daily partition key such as `2024-05-01`."""
    day = datetime.strptime(day_key, DAY_KEY_FORMAT).replace(tzinfo=UTC)
    return [hour_key(day + timedelta(hours=h)) for h in range(24)]
