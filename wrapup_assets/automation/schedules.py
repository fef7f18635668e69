"""The hourly export and the daily restatement, as schedules on `hourly_ingest_job`.

`build_schedule_from_partitioned_job` would ask for the last completed hour, which Genesys is still
filling in; these schedules apply the settle delay (see `hours.py`) instead.
"""

from datetime import UTC, datetime, timedelta

import dagster as dg

from wrapup_assets.assets.freshness import FRESHNESS_CHECK_OP
from wrapup_assets.automation.hours import latest_settled_hour
from wrapup_assets.jobs import freshness_check_job, hourly_ingest_job
from wrapup_assets.partitions import DAY_KEY_FORMAT, HOUR, day_hour_keys, hour_key, hour_start, hourly_partitions
from wrapup_assets.records.freshness import default_max_lag
from wrapup_assets.settings import AutomationSettings, AutomationStart

HOURLY_CRON = "10 * * * *"
"""Ten past each hour: any minute works (the settle rule picks the hour), off the top of the hour
when other integrations hit the org's API."""
FRESHNESS_CRON = "40 * * * *"
"""Half an hour after the export tick, so a normal hourly run has landed before it is checked."""
RESTATEMENT_CRON = "30 3 * * *"
RESTATEMENT_DAYS_BACK = 3
"""Genesys reprocesses analytics data for up to 48 hours: at 03:30 on day D, day D-3 ended 51.5 h
ago, so the copy the restatement writes is final."""


def schedule_status(settings: AutomationSettings) -> dg.DefaultScheduleStatus:
    return (
        dg.DefaultScheduleStatus.RUNNING
        if settings.start is AutomationStart.RUNNING
        else dg.DefaultScheduleStatus.STOPPED
    )


def _tick_time(context: dg.ScheduleEvaluationContext) -> datetime:
    """The tick's scheduled instant (the UI's "test schedule" may leave it unset: then now)."""
    return (context.scheduled_execution_time or datetime.now(UTC)).astimezone(UTC)


def build_hourly_ingest_schedule(settings: AutomationSettings) -> dg.ScheduleDefinition:
    """Each hour, export the newest hour that ended at least the settle delay ago."""

    @dg.schedule(
        name="hourly_ingest_schedule",
        cron_schedule=HOURLY_CRON,
        execution_timezone="UTC",
        job=hourly_ingest_job,
        default_status=schedule_status(settings),
        description=(
            f"Exports the newest UTC hour that ended at least {settings.settle_delay} ago "
            "(WRAPUP_SETTLE_MINUTES): raw pages, then records."
        ),
    )
    def hourly_ingest_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest | dg.SkipReason:
        hour = latest_settled_hour(_tick_time(context), settings.settle_delay)
        if hour < hourly_partitions.start:
            return dg.SkipReason(
                f"{hour_key(hour)} is before the first partition ({hour_key(hourly_partitions.start)})"
            )
        key = hour_key(hour)
        return dg.RunRequest(run_key=key, partition_key=key)

    return hourly_ingest_schedule


def build_restatement_schedule(settings: AutomationSettings) -> dg.ScheduleDefinition:
    """Each night, export again the 24 hours of day D-3; the daily automation then recompacts it."""

    @dg.schedule(
        name="restatement_schedule",
        cron_schedule=RESTATEMENT_CRON,
        execution_timezone="UTC",
        job=hourly_ingest_job,
        default_status=schedule_status(settings),
        description=(
            f"Re-exports the 24 hours of the day {RESTATEMENT_DAYS_BACK} days back, after Genesys' "
            "48-hour reprocessing; wrapup_daily is recompacted by its automation condition."
        ),
    )
    def restatement_schedule(context: dg.ScheduleEvaluationContext) -> list[dg.RunRequest] | dg.SkipReason:
        day = (_tick_time(context) - timedelta(days=RESTATEMENT_DAYS_BACK)).strftime(DAY_KEY_FORMAT)
        keys = [key for key in day_hour_keys(day) if hour_start(key) >= hourly_partitions.start]
        if not keys:
            return dg.SkipReason(f"{day} is before the first partition ({hour_key(hourly_partitions.start)})")
        return [dg.RunRequest(run_key=key, partition_key=key) for key in keys]

    return restatement_schedule


def build_freshness_schedule(settings: AutomationSettings) -> dg.ScheduleDefinition:
    """Each hour, after the export, check that the lake's newest hour is recent enough; the lag
    allowed follows the settle delay."""
    max_lag_hours = default_max_lag(settings.settle_delay) / HOUR
    return dg.ScheduleDefinition(
        name="freshness_schedule",
        cron_schedule=FRESHNESS_CRON,
        execution_timezone="UTC",
        job=freshness_check_job,
        run_config={"ops": {FRESHNESS_CHECK_OP: {"config": {"max_lag_hours": max_lag_hours}}}},
        default_status=schedule_status(settings),
        description="Runs the newest_hour_fresh check (WARN) after each hourly export.",
    )
