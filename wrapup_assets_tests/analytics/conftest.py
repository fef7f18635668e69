"""A UTC day in a lake, with its daily files, the histories and the mart, built once per session.

The hourly partitions are planted from the emulator's oracle (the records path has its own tests);
`wrapup_daily`, the histories and `wrapup_summary_daily` are materialized by Dagster against the
emulator over HTTP, as in production.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import pyarrow as pa
import pytest

from wrapup_assets.assets import ALL_ASSETS, wrapup_daily, wrapup_summary_daily
from wrapup_assets.assets.codes import wrapup_codes
from wrapup_assets.assets.dimensions import genesys_divisions, genesys_queues, genesys_users, queue_wrapup_codes
from wrapup_assets.emulator import EmulatorConfig, GenesysEmulator
from wrapup_assets.lake.location import LakeLocation
from wrapup_assets.lake.parquet_files import write_parquet_parts
from wrapup_assets.lake.partitioning import LakePartition
from wrapup_assets.lake.publish import stage_partition
from wrapup_assets.records.schema import RECORD_SCHEMA
from wrapup_assets_tests.runs import emulator_resources

DAY = "2024-05-01"
DAY_START = datetime(2024, 5, 1, tzinfo=UTC)
# The clock after every change of the emulator's directory, like the demo's (real time).
CONFIG = EmulatorConfig(seed=11, conversations_per_hour=40, now=datetime(2024, 6, 1, tzinfo=UTC))
HISTORIES = [wrapup_codes, genesys_queues, genesys_users, genesys_divisions]


@dataclass
class SummarizedDay:
    emulator: GenesysEmulator
    lake: Path
    instance: dg.DagsterInstance
    summary_result: dg.ExecuteInProcessResult

    def resources(self) -> dict[str, object]:
        return emulator_resources(self.emulator, str(self.lake))


def plant_hours(emulator: GenesysEmulator, lake: Path) -> None:
    """The day's 24 hourly record partitions, published as the records asset would."""
    location = LakeLocation.from_url(str(lake))
    for hour in range(24):
        start = DAY_START + timedelta(hours=hour)
        rows = sorted(
            emulator.expected_records(start),
            key=lambda row: (row["interaction_timestamp"], row["interaction_id"], row["session_id"]),
        )
        table = pa.Table.from_pylist(rows, schema=RECORD_SCHEMA)
        partition = LakePartition.from_time_window("wrapup_records", start, start + timedelta(hours=1))
        with stage_partition(location, partition, "parquet", 1) as staged:
            write_parquet_parts(table, RECORD_SCHEMA, staged)
            staged.publish()


@pytest.fixture(scope="session")
def summarized_day(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SummarizedDay]:
    with GenesysEmulator(CONFIG) as emulator, dg.instance_for_test() as instance:
        lake = tmp_path_factory.mktemp("analytics") / "lake"
        plant_hours(emulator, lake)
        resources = emulator_resources(emulator, str(lake))
        assert dg.materialize(ALL_ASSETS, selection=HISTORIES, resources=resources, instance=instance).success
        assert dg.materialize(
            ALL_ASSETS,
            selection=[wrapup_daily, queue_wrapup_codes],
            partition_key=DAY,
            resources=resources,
            instance=instance,
            run_config={"ops": {"queue_wrapup_codes": {"config": {"allow_late_snapshot": True}}}},
        ).success
        result = dg.materialize(
            ALL_ASSETS, selection=[wrapup_summary_daily], partition_key=DAY, resources=resources, instance=instance
        )
        assert result.success
        yield SummarizedDay(emulator, lake, instance, result)


@pytest.fixture
def emulator_at_june() -> Iterator[GenesysEmulator]:
    """An emulator whose clock is past every change of its directory."""
    with GenesysEmulator(CONFIG) as emulator:
        yield emulator
