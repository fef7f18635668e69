"""The catch-up sensor (missing hours, oldest first) and the sensor that runs the daily automation."""

from collections.abc import Callable
from datetime import UTC, datetime

import dagster as dg

from wrapup_assets.assets import wrapup_daily
from wrapup_assets.assets.keys import RECORDS_KEY
from wrapup_assets.automation.hours import HOUR, hours_between, latest_settled_hour
from wrapup_assets.jobs import hourly_ingest_job
from wrapup_assets.partitions import hour_key, hourly_partitions
from wrapup_assets.settings import AutomationSettings, AutomationStart

CATCH_UP_INTERVAL_SECONDS = 60


def _utc_now() -> datetime:
    return datetime.now(UTC)


def missing_hours(instance: dg.DagsterInstance, first: datetime, last: datetime) -> tuple[list[str], list[str]]:
    """The hour keys from `first` to `last` whose records were never materialized nor are being
    materialized (oldest first), and those whose last attempt failed.

    In-flight hours count as present whoever launched them (this sensor, the schedule, a backfill,
    a person), so an hour is never requested twice while its run is queued or running.
    """
    keys = [hour_key(hour) for hour in hours_between(first, last)]
    status = instance.get_status_by_partition(RECORDS_KEY, keys, hourly_partitions) or {}
    missing = [key for key in keys if status.get(key) is None]
    failed = [key for key in keys if status.get(key) is dg.AssetPartitionStatus.FAILED]
    return missing, failed


def build_catch_up_sensor(
    settings: AutomationSettings, clock: Callable[[], datetime] = _utc_now
) -> dg.SensorDefinition:
    """Request the oldest missing settled hours, a bounded number per tick, so the lake refills
    itself after downtime at a pace the API quota and the pool absorb.

    The newest settled hour belongs to the hourly schedule; catch-up takes the hours before it, so
    the two never race for the same hour. Failed hours are not retried here (Dagster's run retries
    handle passing faults; one that keeps failing needs a person and is named in the tick's log).
    `clock` exists for tests that evaluate the sensor at a fixed instant.
    """

    @dg.sensor(
        name="catch_up_sensor",
        job=hourly_ingest_job,
        minimum_interval_seconds=CATCH_UP_INTERVAL_SECONDS,
        default_status=(
            dg.DefaultSensorStatus.RUNNING
            if settings.start is AutomationStart.RUNNING
            else dg.DefaultSensorStatus.STOPPED
        ),
        description=(
            f"Requests up to {settings.catch_up_runs_per_tick} missing hours per tick "
            "(WRAPUP_CATCH_UP_RUNS_PER_TICK), oldest first, from WRAPUP_START_DATE to the hour "
            "before the hourly schedule's."
        ),
    )
    def catch_up_sensor(context: dg.SensorEvaluationContext) -> list[dg.RunRequest] | dg.SkipReason:
        newest = latest_settled_hour(clock(), settings.settle_delay) - HOUR
        missing, failed = missing_hours(context.instance, hourly_partitions.start, newest)
        if failed:
            context.log.warning(f"{len(failed)} hours failed and are left for a person to re-run, oldest {failed[0]}")
        if not missing:
            return dg.SkipReason(f"every hour up to {hour_key(newest)} is materialized, in flight or failed")
        return [dg.RunRequest(partition_key=key) for key in missing[: settings.catch_up_runs_per_tick]]

    return catch_up_sensor


daily_compaction_sensor = dg.AutomationConditionSensorDefinition(
    "daily_compaction_sensor",
    target=dg.AssetSelection.assets(wrapup_daily),
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Compacts a day into wrapup_daily once its 24 hours exist and one is newer than it. Running "
        "by default: it never calls Genesys, it only follows the hours that land."
    ),
)
