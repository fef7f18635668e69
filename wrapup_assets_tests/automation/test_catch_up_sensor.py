"""The catch-up sensor, evaluated at fixed instants against a real instance in a known state."""

from datetime import UTC, datetime
from pathlib import Path

import dagster as dg

from wrapup_assets.assets import raw_conversation_pages, wrapup_records
from wrapup_assets.automation.hours import hours_between
from wrapup_assets.automation.sensors import build_catch_up_sensor
from wrapup_assets.genesys.resource import GenesysCloudResource
from wrapup_assets.lake.io_manager import LakeIOManager
from wrapup_assets.partitions import hour_key
from wrapup_assets.settings import AutomationSettings
from wrapup_assets_tests.automation.conftest import record_materialized, start_run_for_hour

# At 10:30 with the default 2-hour settle delay the schedule owns 07:00; catch-up takes 00:00-06:00.
NOW = datetime(2024, 1, 1, 10, 30, tzinfo=UTC)


def tick(sensor: dg.SensorDefinition, instance: dg.DagsterInstance, repository: dg.RepositoryDefinition):
    return sensor.evaluate_tick(dg.build_sensor_context(instance=instance, repository_def=repository))


def requested(data) -> list[str]:
    return [request.partition_key for request in data.run_requests or []]


def fail_hour(instance: dg.DagsterInstance, hour: str, lake: Path) -> None:
    """A real run of the hour that fails: the Genesys endpoint refuses connections (port 9, discard)."""
    unreachable = GenesysCloudResource(
        api_url="http://127.0.0.1:9",
        login_url="http://127.0.0.1:9",
        client_id="id",
        client_secret="secret",
        max_attempts=1,
    )
    result = dg.materialize(
        [raw_conversation_pages, wrapup_records],
        partition_key=hour,
        instance=instance,
        resources={"genesys": unreachable, "io_manager": LakeIOManager(lake_url=str(lake))},
        raise_on_error=False,
    )
    assert not result.success


def test_requests_the_oldest_missing_hours_a_bounded_number_per_tick(instance, repository):
    sensor = build_catch_up_sensor(AutomationSettings(catch_up_runs_per_tick=3), clock=lambda: NOW)
    assert requested(tick(sensor, instance, repository)) == ["2024-01-01-00:00", "2024-01-01-01:00", "2024-01-01-02:00"]


def test_skips_materialized_in_flight_and_failed_hours(instance, repository, tmp_path):
    record_materialized(instance, "wrapup_records", "2024-01-01-00:00")
    start_run_for_hour(instance, "2024-01-01-01:00")  # queued by anyone: the schedule, a backfill, a person
    fail_hour(instance, "2024-01-01-02:00", tmp_path)
    record_materialized(instance, "wrapup_records", "2024-01-01-04:00")
    sensor = build_catch_up_sensor(AutomationSettings(catch_up_runs_per_tick=2), clock=lambda: NOW)
    assert requested(tick(sensor, instance, repository)) == ["2024-01-01-03:00", "2024-01-01-05:00"]


def test_an_hour_requested_once_is_not_requested_again_while_in_flight(instance, repository):
    sensor = build_catch_up_sensor(AutomationSettings(catch_up_runs_per_tick=4), clock=lambda: NOW)
    first = requested(tick(sensor, instance, repository))
    for hour in first:
        start_run_for_hour(instance, hour)
    second = requested(tick(sensor, instance, repository))
    assert first == ["2024-01-01-00:00", "2024-01-01-01:00", "2024-01-01-02:00", "2024-01-01-03:00"]
    assert second == ["2024-01-01-04:00", "2024-01-01-05:00", "2024-01-01-06:00"]
    for hour in second:
        start_run_for_hour(instance, hour)
    assert "every hour up to 2024-01-01-06:00" in tick(sensor, instance, repository).skip_message


def test_never_reaches_into_the_settle_delay_nor_the_schedules_hour(instance, repository):
    """Across a month end: at 2024-02-01T01:00 the schedule owns 2024-01-31-22:00; catch-up stops at 21:00."""
    now = datetime(2024, 2, 1, 1, 0, tzinfo=UTC)
    for hour in hours_between(datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 1, 31, 19, tzinfo=UTC)):
        record_materialized(instance, "wrapup_records", hour_key(hour))
    sensor = build_catch_up_sensor(AutomationSettings(catch_up_runs_per_tick=10), clock=lambda: now)
    assert requested(tick(sensor, instance, repository)) == ["2024-01-31-20:00", "2024-01-31-21:00"]
