"""The hourly and restatement schedules, evaluated at fixed instants the way the daemon does."""

from datetime import UTC, datetime, timedelta

import dagster as dg
import pytest

from wrapup_assets.automation.hours import latest_settled_hour
from wrapup_assets.automation.schedules import build_hourly_ingest_schedule, build_restatement_schedule
from wrapup_assets.definitions import defs
from wrapup_assets.partitions import day_hour_keys
from wrapup_assets.settings import AutomationSettings, AutomationStart

DEFAULTS = AutomationSettings()


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def evaluate(schedule: dg.ScheduleDefinition, instant: datetime, instance: dg.DagsterInstance):
    """One tick at `instant`, within the code location so that partition keys resolve against the job."""
    context = dg.build_schedule_context(
        instance=instance, scheduled_execution_time=instant, repository_def=defs.get_repository_def()
    )
    return schedule.evaluate_tick(context)


def requested_keys(schedule: dg.ScheduleDefinition, instant: datetime, instance: dg.DagsterInstance) -> list[str]:
    return [request.partition_key for request in evaluate(schedule, instant, instance).run_requests or []]


@pytest.mark.parametrize(
    ("tick", "expected"),
    [
        ("2024-05-01T12:10", "2024-05-01-09:00"),  # ended 10:00 <= 12:10 - 2 h
        ("2024-05-01T12:00", "2024-05-01-09:00"),  # ended exactly at the horizon
        ("2024-05-01T11:59", "2024-05-01-08:00"),
        ("2024-05-02T00:10", "2024-05-01-21:00"),  # across midnight
        ("2024-05-02T02:10", "2024-05-01-23:00"),
        ("2024-05-01T01:10", "2024-04-30-22:00"),  # across a month end
        ("2024-03-01T00:10", "2024-02-29-21:00"),  # leap day
        ("2025-01-01T01:10", "2024-12-31-22:00"),  # across a year end
    ],
)
def test_hourly_schedule_requests_the_newest_settled_hour(tick, expected, instance):
    assert requested_keys(build_hourly_ingest_schedule(DEFAULTS), at(tick), instance) == [expected]


def test_the_settle_delay_is_a_setting(instance):
    schedule = build_hourly_ingest_schedule(AutomationSettings(settle_delay=timedelta(minutes=30)))
    assert requested_keys(schedule, at("2024-05-01T12:10"), instance) == ["2024-05-01-10:00"]
    schedule = build_hourly_ingest_schedule(AutomationSettings(settle_delay=timedelta(minutes=0)))
    assert requested_keys(schedule, at("2024-05-01T12:10"), instance) == ["2024-05-01-11:00"]


def test_the_hour_never_ends_later_than_the_settle_delay_allows():
    """Every minute of a leap day and its neighbours, for several delays: the hour ended early enough
    and is the newest such hour."""
    for settle_minutes in (0, 45, 120, 1500):
        settle = timedelta(minutes=settle_minutes)
        instant = at("2024-02-28T00:00")
        while instant < at("2024-03-02T00:00"):
            hour = latest_settled_hour(instant, settle)
            assert hour.minute == 0 and hour + timedelta(hours=1) <= instant - settle < hour + timedelta(hours=2)
            instant += timedelta(minutes=7)


def test_hourly_schedule_runs_every_hour_in_utc_and_starts_as_configured():
    schedule = build_hourly_ingest_schedule(DEFAULTS)
    assert (schedule.cron_schedule, schedule.execution_timezone, schedule.job_name) == (
        "10 * * * *",
        "UTC",
        "hourly_ingest_job",
    )
    assert schedule.default_status == dg.DefaultScheduleStatus.STOPPED
    running = build_hourly_ingest_schedule(AutomationSettings(start=AutomationStart.RUNNING))
    assert running.default_status == dg.DefaultScheduleStatus.RUNNING


def test_hourly_schedule_skips_hours_before_the_first_partition(instance):
    data = evaluate(build_hourly_ingest_schedule(DEFAULTS), at("2024-01-01T02:10"), instance)
    assert not data.run_requests
    assert "before the first partition" in data.skip_message


@pytest.mark.parametrize(
    ("tick", "day"),
    [
        ("2024-05-04T03:30", "2024-05-01"),
        ("2024-05-02T03:30", "2024-04-29"),  # across a month end
        ("2024-03-02T03:30", "2024-02-28"),
        ("2024-03-03T03:30", "2024-02-29"),
    ],
)
def test_restatement_requests_the_24_hours_of_day_minus_3(tick, day, instance):
    keys = requested_keys(build_restatement_schedule(DEFAULTS), at(tick), instance)
    assert keys == day_hour_keys(day)
    assert len(keys) == 24


def test_restatement_runs_nightly_after_the_48_hour_reprocessing_window():
    schedule = build_restatement_schedule(DEFAULTS)
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("30 3 * * *", "UTC")
    # Day D-3 ended at 00:00 on D-2: 51.5 hours before the 03:30 tick.
    assert at("2024-05-04T03:30") - at("2024-05-02T00:00") > timedelta(hours=48)
