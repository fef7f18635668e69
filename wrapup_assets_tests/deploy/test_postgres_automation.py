"""The daemon's schedule and sensor iterations on PostgreSQL: ticks, cursors and the runs they queue
are recorded in the database, and the catch-up sensor reads the materializations it holds.

The code location is loaded as the daemon loads it (a gRPC code server process) and the iterations
are the daemon's own functions, called once each instead of on the daemon's clock.
"""

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.scheduler.instigation import TickStatus
from dagster._core.test_utils import create_test_daemon_workspace_context, load_remote_repo
from dagster._core.workspace.load_target import ModuleTarget
from dagster._daemon.sensor import execute_sensor_iteration
from dagster._scheduler.scheduler import launch_scheduled_runs

from wrapup_assets.automation.hours import latest_settled_hour
from wrapup_assets.partitions import hour_key

PROJECT = Path(__file__).resolve().parents[2]
LOGGER = logging.getLogger("wrapup_assets_tests.daemon")


@pytest.fixture
def automation_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """What the code server reads when the location loads: the catch-up range and its pace."""
    for name in ("GENESYS_API_URL", "GENESYS_LOGIN_URL", "GENESYS_CLIENT_ID", "GENESYS_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("WRAPUP_START_DATE", "2024-05-01")
    monkeypatch.setenv("WRAPUP_CATCH_UP_RUNS_PER_TICK", "3")


def queued_partitions(instance: dg.DagsterInstance, tags: dict[str, str]) -> list[str]:
    runs = instance.get_runs(dg.RunsFilter(tags=tags, statuses=[dg.DagsterRunStatus.QUEUED]))
    return sorted(run.tags["dagster/partition"] for run in runs)


def test_schedule_tick_and_catch_up_sensor_tick_queue_their_runs_in_postgres(
    postgres_instance: dg.DagsterInstance, automation_environment: None
):
    # An hour already materialized (as a run records it): catch-up must skip it.
    postgres_instance.report_runless_asset_event(
        dg.AssetMaterialization(asset_key="wrapup_records", partition="2024-05-01-00:00")
    )
    target = ModuleTarget(
        module_name="wrapup_assets.definitions",
        attribute=None,
        working_directory=str(PROJECT),
        location_name="wrapup_assets",
    )
    with create_test_daemon_workspace_context(target, postgres_instance) as workspace:
        repository = load_remote_repo(workspace, "__repository__")
        schedule = repository.get_schedule("hourly_ingest_schedule")
        sensor = repository.get_sensor("catch_up_sensor")
        postgres_instance.start_schedule(schedule)
        postgres_instance.start_sensor(sensor)

        now = datetime.now(UTC)
        next_tick = now.replace(minute=10, second=0, microsecond=0)
        next_tick += timedelta(hours=1) if next_tick <= now else timedelta(0)
        list(launch_scheduled_runs(workspace, LOGGER, next_tick + timedelta(seconds=1), iteration_times={}))
        list(execute_sensor_iteration(workspace, LOGGER, threadpool_executor=None, submit_threadpool_executor=None))

    (schedule_tick,) = postgres_instance.get_ticks(schedule.get_remote_origin_id(), schedule.selector_id)
    assert schedule_tick.status == TickStatus.SUCCESS
    assert schedule_tick.timestamp == next_tick.timestamp()
    scheduled_hour = hour_key(latest_settled_hour(next_tick, timedelta(hours=2)))
    assert queued_partitions(postgres_instance, {"dagster/schedule_name": schedule.name}) == [scheduled_hour]

    (sensor_tick,) = postgres_instance.get_ticks(sensor.get_remote_origin_id(), sensor.selector_id)
    assert sensor_tick.status == TickStatus.SUCCESS, sensor_tick.error
    assert queued_partitions(postgres_instance, {"dagster/sensor_name": sensor.name}) == [
        "2024-05-01-01:00",
        "2024-05-01-02:00",
        "2024-05-01-03:00",
    ]
    assert set(sensor_tick.run_ids) == {
        run.run_id for run in postgres_instance.get_runs(dg.RunsFilter(tags={"dagster/sensor_name": sensor.name}))
    }
