"""The shipped production storage section starts against a live PostgreSQL and holds what runs record.

The instance is the shipped dagster.yaml plus the `storage` section of deploy/dagster.production.yaml
(conftest), so the driver it names, its DAGSTER_PG_* variables and its schema all meet a real server.
"""

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import psycopg2
from dagster_postgres import PostgresEventLogStorage, PostgresRunStorage, PostgresScheduleStorage

from wrapup_assets.emulator import GenesysEmulator
from wrapup_assets.lake.location import LakeLocation
from wrapup_assets.lake.manifest import read_manifest
from wrapup_assets.lake.parquet_files import read_parquet_partition
from wrapup_assets.lake.partitioning import LakePartition
from wrapup_assets_tests.runs import emulator_resources, materialize_raw_and_records
from wrapup_assets_tests.test_pipeline import sorted_rows

BIN = Path(sys.executable).parent
HOUR = "2024-05-01-09:00"
HOUR_START = datetime(2024, 5, 1, 9, tzinfo=UTC)


def test_dagster_instance_migrate_creates_the_schema_from_the_shipped_storage_section(
    postgres_instance_home: Path, postgres_environment: dict[str, str]
):
    migrated = subprocess.run(
        [str(BIN / "dagster"), "instance", "migrate"],
        env={**_inherited(), "DAGSTER_HOME": str(postgres_instance_home)},
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert migrated.returncode == 0, migrated.stderr[-3000:]
    with dg.DagsterInstance.from_config(str(postgres_instance_home)) as instance:
        assert isinstance(instance.run_storage, PostgresRunStorage)
        assert isinstance(instance.event_log_storage, PostgresEventLogStorage)
        assert isinstance(instance.schedule_storage, PostgresScheduleStorage)
        assert instance.event_log_storage.postgres_url.startswith("postgresql+psycopg2://")
    with _connect(postgres_environment) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        tables = {row[0] for row in cursor.fetchall()}
    assert {"runs", "event_logs", "jobs", "job_ticks", "concurrency_slots", "alembic_version"} <= tables


def test_an_hour_materialized_on_postgres_is_in_the_lake_and_in_the_database(
    postgres_instance: dg.DagsterInstance, postgres_instance_home: Path, emulator: GenesysEmulator, tmp_path: Path
):
    lake = tmp_path / "lake"
    result = materialize_raw_and_records(HOUR, emulator_resources(emulator, str(lake)), postgres_instance)
    assert result.success

    location = LakeLocation.from_url(str(lake))
    partition = LakePartition("wrapup_records", HOUR_START, "hour")
    rows = read_parquet_partition(location, partition, read_manifest(location, partition)).to_pylist()
    assert sorted_rows(rows) == sorted_rows(emulator.expected_records(HOUR_START))

    # A second instance on the same database (another pod, say) sees the run and both materializations.
    with dg.DagsterInstance.from_config(str(postgres_instance_home)) as other:
        (run,) = other.get_runs()
        assert run.run_id == result.run_id and run.status == dg.DagsterRunStatus.SUCCESS
        for asset in ("raw_conversation_pages", "wrapup_records"):
            materialized = other.get_materialized_partitions(dg.AssetKey(asset))
            assert materialized == {HOUR}, asset


def _connect(environment: dict[str, str]):
    return psycopg2.connect(
        host=environment["DAGSTER_PG_HOST"],
        port=int(environment["DAGSTER_PG_PORT"]),
        dbname=environment["DAGSTER_PG_DB"],
        user=environment["DAGSTER_PG_USERNAME"],
        password=environment["DAGSTER_PG_PASSWORD"],
    )


def _inherited() -> dict[str, str]:
    return {key: value for key, value in os.environ.items() if not key.startswith(("GENESYS_", "WRAPUP_"))}
