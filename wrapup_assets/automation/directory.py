"""The directory refresh: every night, the histories (codes, queues, users, divisions) and the day's
snapshot of the codes each queue offers; and the sensor that keeps the mart behind wrapup_daily."""

from datetime import UTC, datetime, timedelta

import dagster as dg

from wrapup_assets.automation.schedules import schedule_status
from wrapup_assets.jobs import directory_job
from wrapup_assets.partitions import DAY_KEY_FORMAT, daily_partitions
from wrapup_assets.settings import AutomationSettings

DIRECTORY_CRON = "20 0 * * *"
"""Twenty past midnight UTC: the day that just ended is snapshotted within the hour of its end."""


def build_directory_schedule(settings: AutomationSettings) -> dg.ScheduleDefinition:
    """Each night, refresh the histories and snapshot the queues' codes for the day that just ended."""

    @dg.schedule(
        name="directory_schedule",
        cron_schedule=DIRECTORY_CRON,
        execution_timezone="UTC",
        job=directory_job,
        default_status=schedule_status(settings),
        description=(
            "Refreshes wrapup_codes, genesys_queues, genesys_users and genesys_divisions and snapshots "
            "queue_wrapup_codes for the UTC day that just ended."
        ),
    )
    def directory_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest | dg.SkipReason:
        tick = (context.scheduled_execution_time or datetime.now(UTC)).astimezone(UTC)
        day = (tick - timedelta(days=1)).strftime(DAY_KEY_FORMAT)
        if not daily_partitions.has_partition_key(day, current_time=tick):
            return dg.SkipReason(f"{day} is not a daily partition (before WRAPUP_START_DATE?)")
        return dg.RunRequest(run_key=day, partition_key=day)

    return directory_schedule


summary_sensor = dg.AutomationConditionSensorDefinition(
    "summary_sensor",
    target=dg.AssetSelection.assets("wrapup_summary_daily"),
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Builds wrapup_summary_daily for a day once its wrapup_daily is newer than it. Running by default: "
        "it never calls Genesys."
    ),
)
