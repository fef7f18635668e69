"""The hour -> day pipeline with the lake on S3 (moto server on loopback), read back by pyarrow and DuckDB.

DuckDB's httpfs extension cannot be installed offline here, so DuckDB queries the S3 lake through a
pyarrow dataset (pyarrow's S3 filesystem does the reads), which is also how any pyarrow user reads it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import dagster as dg
import duckdb
import pyarrow.dataset as pads
from dagster_aws.s3 import S3Resource

from wrapup_assets.assets import ALL_ASSETS, wrapup_daily
from wrapup_assets.emulator import GenesysEmulator
from wrapup_assets.lake.io_manager import LakeIOManager
from wrapup_assets.lake.location import LakeLocation
from wrapup_assets.records.schema import RECORD_SCHEMA
from wrapup_assets_tests.runs import materialize_raw_and_records
from wrapup_assets_tests.s3.conftest import S3Server

DAY_START = datetime(2024, 5, 1, tzinfo=UTC)
LAKE_URL = "s3://lake/exports"


def sorted_rows(rows: list[dict]) -> list[dict]:
    return sorted(rows, key=lambda row: (row["interaction_id"], row["session_id"]))


def test_a_day_on_s3_lands_exactly_the_contract_rows_in_the_lake_layout(
    s3_server: S3Server, emulator: GenesysEmulator, resources: dict, instance: dg.DagsterInstance
) -> None:
    s3_resources = {**resources, "io_manager": LakeIOManager(lake_url=LAKE_URL, s3=S3Resource())}
    for hour in range(24):
        key = (DAY_START + timedelta(hours=hour)).strftime("%Y-%m-%d-%H:%M")
        result = materialize_raw_and_records(key, s3_resources, instance)
        assert result.success
    daily = dg.materialize(
        ALL_ASSETS, selection=[wrapup_daily], partition_key="2024-05-01", resources=s3_resources, instance=instance
    )
    assert daily.success

    expected = sorted_rows(
        [row for hour in range(24) for row in emulator.expected_records(DAY_START + timedelta(hours=hour))]
    )
    keys = s3_server.keys()
    assert [key for key in keys if key.endswith("/") or "/_staging/" in key] == []  # no markers, no stages
    hour_09 = "exports/wrapup_records/year=2024/month=05/day=01/hour=09/"
    assert [key.removeprefix(hour_09)[:11] for key in keys if key.startswith(hour_09)] == [
        "_manifest.j",
        "part-00000-",
    ]
    raw_09 = [key.rsplit("/", 1)[1] for key in keys if "raw_conversation_pages/" in key and "/hour=09/" in key]
    assert raw_09 == ["_manifest.json", "pages.jsonl.zst", "wrapup_codes.json"]  # not Parquet: fixed names
    daily_manifest = json.loads(
        s3_server.objects("exports/wrapup_daily/year=2024/month=05/day=01/_manifest.json").popitem()[1]
    )
    assert daily_manifest["total_rows"] == len(expected)

    filesystem = LakeLocation.from_url(LAKE_URL).filesystem
    daily_dataset = pads.dataset("lake/exports/wrapup_daily", filesystem=filesystem, partitioning="hive")
    daily_table = daily_dataset.to_table()
    assert sorted_rows(daily_table.drop_columns(["year", "month", "day"]).to_pylist()) == expected
    timestamps = daily_table["interaction_timestamp"].to_pylist()
    assert timestamps == sorted(timestamps)

    hourly_dataset = pads.dataset("lake/exports/wrapup_records", filesystem=filesystem, partitioning="hive")
    assert hourly_dataset.schema.names == [*RECORD_SCHEMA.names, "year", "month", "day", "hour"]
    per_hour = duckdb.sql("SELECT hour, count(*) FROM hourly_dataset GROUP BY hour ORDER BY hour").fetchall()
    expected_per_hour = [
        (hour, len(emulator.expected_records(DAY_START + timedelta(hours=hour)))) for hour in range(24)
    ]
    assert per_hour == [(hour, count) for hour, count in expected_per_hour if count]
