"""The UTC hour and day partitions: the hourly partition is the export cursor.

Dagster's record of materialized partitions replaces a hand-kept `interval_end`. The first
partition comes from `WRAPUP_START_DATE` (default 2024-01-01, read by `wrapup_assets.settings`)
so that a backfill over "all" does not reach back further than the organisation's data; the last
one is the last completed window, so a partition key from the future does not exist.
"""

from datetime import UTC, datetime, timedelta

import dagster as dg

from wrapup_assets.settings import load_settings

HOUR_KEY_FORMAT = "%Y-%m-%d-%H:%M"
DAY_KEY_FORMAT = "%Y-%m-%d"
HOUR_KEY_EXAMPLE = "2024-05-01-09:00"
DAY_KEY_EXAMPLE = "2024-05-01"
HOUR = timedelta(hours=1)

START_DATE = load_settings().start_date

hourly_partitions = dg.HourlyPartitionsDefinition(start_date=START_DATE.strftime(HOUR_KEY_FORMAT), timezone="UTC")
daily_partitions = dg.DailyPartitionsDefinition(start_date=START_DATE.strftime(DAY_KEY_FORMAT), timezone="UTC")


def utc_window(context: dg.AssetExecutionContext) -> tuple[datetime, datetime]:
    """The [start, end) of the run's partition as UTC datetimes (Dagster hands out its own tz type)."""
    window = context.partition_time_window
    return window.start.astimezone(UTC), window.end.astimezone(UTC)


def hour_key(start: datetime) -> str:
    """The hourly partition key of the hour starting at `start`, e.g. `2024-05-01-09:00`."""
    return start.astimezone(UTC).strftime(HOUR_KEY_FORMAT)


class PartitionKeyError(ValueError):
    """A partition key is not in the format of its partitions; the message shows the format."""


def hour_start(key: str) -> datetime:
    """The UTC start of an hourly partition key such as `2024-05-01-09:00`."""
    return datetime.strptime(check_hour_key(key), HOUR_KEY_FORMAT).replace(tzinfo=UTC)


def day_start(key: str) -> datetime:
    """The UTC start of a daily partition key such as `2024-05-01`."""
    return datetime.strptime(check_day_key(key), DAY_KEY_FORMAT).replace(tzinfo=UTC)


def check_hour_key(key: str) -> str:
    """``key`` if it is an hourly partition key, else PartitionKeyError showing the format."""
    return _checked(
        key, HOUR_KEY_FORMAT, f"an hourly partition key is YYYY-MM-DD-HH:00 in UTC, e.g. {HOUR_KEY_EXAMPLE}"
    )


def check_day_key(key: str) -> str:
    """``key`` if it is a daily partition key, else PartitionKeyError showing the format."""
    return _checked(key, DAY_KEY_FORMAT, f"a daily partition key is YYYY-MM-DD in UTC, e.g. {DAY_KEY_EXAMPLE}")


def _checked(key: str, key_format: str, expected: str) -> str:
    try:
        parsed = datetime.strptime(key, key_format)
    except ValueError:
        raise PartitionKeyError(f"{key!r} is not a partition key: {expected}") from None
    if parsed.minute:
        raise PartitionKeyError(f"{key!r} is not a partition key: {expected}")
    return key


def day_hour_keys(day_key: str) -> list[str]:
    """The 24 hourly partition keys of a daily partition key such as `2024-05-01`."""
    day = day_start(day_key)
    return [hour_key(day + h * HOUR) for h in range(24)]
