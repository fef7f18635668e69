"""Issue 16's acceptance scenario on a live PostgreSQL: a one-day backfill launched through GraphQL
as the UI launches it and, from the moment its first run is executing, the same 24 hours
materialized again from the CLI (`dagster asset materialize`, hour by hour) on the same instance.
Whatever the interleaving: the day's `wrapup_daily` holds exactly the oracle's rows, every
manifest in the lake names only files that exist with the recorded size and SHA-256 (and nothing
else is left in a partition or in the staging area), and every run is recorded in PostgreSQL.

The instance file is the shipped dagster.yaml plus the storage section of
deploy/dagster.production.yaml; the emulator runs in this process and both `dagster dev` and the CLI
reach it as a real org.
"""

import hashlib
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import pyarrow.parquet as pq
import pytest
from dagster_postgres import PostgresRunStorage

from wrapup_assets.emulator import GenesysEmulator
from wrapup_assets.lake.manifest import MANIFEST_NAME, Manifest
from wrapup_assets.lake.publish import STAGING_DIR
from wrapup_assets_tests.commands import clean_environment, materialize_command
from wrapup_assets_tests.dagster_dev_server import launch_history, wait_for_backfill
from wrapup_assets_tests.deploy.conftest import dagster_dev_on_postgres, org_lake_environment
from wrapup_assets_tests.test_pipeline import sorted_rows

DAY = "2024-05-01"
HOURS = (f"{DAY}-00:00", f"{DAY}-23:00")
HOUR_KEYS = [f"{DAY}-{hour:02d}:00" for hour in range(24)]
TIMEOUT_SECONDS = 300
SENSOR_INTERVAL_SECONDS = 35  # the automation condition sensors evaluate every 30 s
IN_PROGRESS = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
]


def wait_until_a_run_is_started(instance: dg.DagsterInstance, backfill_id: str) -> None:
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while not instance.get_runs(
        dg.RunsFilter(tags={"dagster/backfill": backfill_id}, statuses=[dg.DagsterRunStatus.STARTED])
    ):
        assert time.monotonic() < deadline, f"no run of backfill {backfill_id} started in {TIMEOUT_SECONDS} s"
        time.sleep(0.5)


def wait_until_every_run_ended(instance: dg.DagsterInstance, quiet_from: float) -> None:
    """Until no run is queued or in progress, and not before `quiet_from` (so that the sensors have
    ticked on the last hours written): dagster dev must not be stopped under a running run."""
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while time.monotonic() < quiet_from or instance.get_runs(dg.RunsFilter(statuses=IN_PROGRESS)):
        assert time.monotonic() < deadline, f"runs still in progress after {TIMEOUT_SECONDS} s"
        time.sleep(1)


def whole_partitions(lake: Path) -> int:
    """Check every published partition: its manifest's files exist with their sizes and digests,
    and the directory holds nothing else; the number of partitions checked."""
    manifests = sorted(lake.rglob(MANIFEST_NAME))
    for manifest_path in manifests:
        manifest = Manifest.from_json(manifest_path.read_bytes())
        for file in manifest.files:
            data = (manifest_path.parent / file.name).read_bytes()
            assert (len(data), hashlib.sha256(data).hexdigest()) == (file.bytes, file.sha256), manifest_path
        left = {path.name for path in manifest_path.parent.iterdir() if path.is_file()}
        assert left == {MANIFEST_NAME, *manifest.file_names()}, manifest_path
    assert not any(path.is_file() for path in (lake / STAGING_DIR).rglob("*")), "a stage was left behind"
    return len(manifests)


# ~4 min here: 24 CLI runs of ~6 s each, then the daemon's 30 s iterations.
@pytest.mark.soak
def test_a_one_day_backfill_and_the_same_hours_from_the_cli_at_once_leave_one_exact_day(
    postgres_instance_home: Path, emulator: GenesysEmulator, tmp_path: Path
):
    lake = tmp_path / "lake"
    environment = org_lake_environment(emulator, lake)
    with (
        dagster_dev_on_postgres(postgres_instance_home, environment) as client,
        dg.DagsterInstance.from_config(str(postgres_instance_home)) as instance,
    ):
        backfill_id = launch_history(client, DAY, DAY)
        wait_until_a_run_is_started(instance, backfill_id)
        # The CLI runs a range only for single-run backfill policies: hour by hour, as a person would.
        for hour in HOUR_KEYS:
            cli = subprocess.run(
                materialize_command(partition=hour),
                env=clean_environment(DAGSTER_HOME=str(postgres_instance_home), **environment),
                capture_output=True,
                text=True,
                timeout=TIMEOUT_SECONDS,
            )
            assert cli.returncode == 0, (hour, cli.stderr[-3000:])
        status, backfill_runs = wait_for_backfill(client, backfill_id, TIMEOUT_SECONDS)
        assert status == "COMPLETED_SUCCESS", backfill_runs
        wait_until_every_run_ended(instance, quiet_from=time.monotonic() + SENSOR_INTERVAL_SECONDS)

        assert isinstance(instance.run_storage, PostgresRunStorage)
        runs = instance.get_runs()
        by_backfill = [run for run in runs if run.tags.get("dagster/backfill") == backfill_id]
        by_sensors = [run for run in runs if "dagster/sensor_name" in run.tags]
        cli_runs = [run for run in runs if run not in by_backfill and run not in by_sensors]
        # One range run of the day's hours, one of its daily; as the webserver reported them.
        assert len(by_backfill) == len(backfill_runs) == 2
        assert sorted(run.tags["dagster/partition"] for run in cli_runs) == HOUR_KEYS
        assert all(run.status == dg.DagsterRunStatus.SUCCESS for run in [*by_backfill, *cli_runs])
        # The hours the CLI rewrote after the daily was built make it stale, so the daily compaction
        # sensor (running by default) compacts the day again: one more writer of the same daily.
        assert {run.tags["dagster/sensor_name"] for run in by_sensors} <= {"daily_compaction_sensor", "summary_sensor"}
        assert all(
            run.status == dg.DagsterRunStatus.SUCCESS
            for run in by_sensors
            if run.tags["dagster/sensor_name"] == "daily_compaction_sensor"
        )

    day_start = datetime.fromisoformat(DAY).replace(tzinfo=UTC)
    expected = [row for hour in range(24) for row in emulator.expected_records(day_start + timedelta(hours=hour))]
    daily = pq.read_table(lake / "wrapup_daily/year=2024/month=05/day=01")
    assert daily.num_rows == len(expected) > 24 * 10
    assert sorted_rows(daily.to_pylist()) == sorted_rows(expected)
    # 24 hours of raw pages, records and quarantine, and the day: each one whole.
    assert whole_partitions(lake) == 24 * 3 + 1
