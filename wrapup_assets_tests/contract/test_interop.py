"""The lake read the way analysts read it: DuckDB, pyarrow.dataset and polars over the hive layout,
and the schema-evolution policy (a later schema version adds nullable columns, read by name)."""

from collections import Counter
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from wrapup_assets.assets import ALL_ASSETS, wrapup_daily
from wrapup_assets.records.codes_history import CODE_HISTORY_SCHEMA
from wrapup_assets.records.quarantine import QUARANTINE_SCHEMA
from wrapup_assets.records.schema import RECORD_SCHEMA
from wrapup_assets_tests.contract.conftest import DAY, ExportedDay

HIVE_COLUMNS = ["year", "month", "day", "hour"]


@pytest.fixture
def lake(exported_day: ExportedDay, copied_lake: Path, instance: dg.DagsterInstance) -> Path:
    """The exported day's hours plus its daily files."""
    resources = exported_day.resources(copied_lake)
    result = dg.materialize(
        ALL_ASSETS, selection=[wrapup_daily], partition_key=DAY, resources=resources, instance=instance
    )
    assert result.success
    return copied_lake


def rows_per_hour(exported_day: ExportedDay) -> dict[int, int]:
    return dict(Counter(row["interaction_timestamp"].hour for row in exported_day.expected_rows()))


def test_no_file_column_is_named_like_a_hive_column():
    for schema in (RECORD_SCHEMA, QUARANTINE_SCHEMA, CODE_HISTORY_SCHEMA):
        assert set(schema.names).isdisjoint(HIVE_COLUMNS)


def test_duckdb_reads_hours_and_days_with_hive_partitioning(exported_day: ExportedDay, lake: Path):
    hourly = duckdb.sql(
        f"SELECT hour, count(*) FROM read_parquet('{lake}/wrapup_records/**/*.parquet', hive_partitioning = true, "
        "hive_types = {'year': INTEGER, 'month': INTEGER, 'day': INTEGER, 'hour': INTEGER}) "
        "WHERE year = 2024 AND month = 5 AND day = 1 GROUP BY hour"
    ).fetchall()
    daily_columns = [
        row[0]
        for row in duckdb.sql(
            f"DESCRIBE SELECT * FROM read_parquet('{lake}/wrapup_daily/**/*.parquet', hive_partitioning = true)"
        ).fetchall()
    ]
    (daily_rows,) = duckdb.sql(
        f"SELECT count(*) FROM read_parquet('{lake}/wrapup_daily/**/*.parquet', hive_partitioning = true, "
        "hive_types = {'year': INTEGER, 'month': INTEGER, 'day': INTEGER}) WHERE month BETWEEN 4 AND 6"
    ).fetchall()[0]

    assert dict(hourly) == rows_per_hour(exported_day)
    file_columns, hive_columns = daily_columns[: len(RECORD_SCHEMA)], daily_columns[len(RECORD_SCHEMA) :]
    assert file_columns == RECORD_SCHEMA.names
    assert sorted(hive_columns) == ["day", "month", "year"]  # DuckDB orders them its own way
    assert daily_rows == len(exported_day.expected_rows())


def test_pyarrow_dataset_reads_hours_and_days_with_hive_partitioning(exported_day: ExportedDay, lake: Path):
    hourly = ds.dataset(lake / "wrapup_records", format="parquet", partitioning="hive")
    daily = ds.dataset(lake / "wrapup_daily", format="parquet", partitioning="hive")

    assert hourly.schema.names == RECORD_SCHEMA.names + HIVE_COLUMNS
    assert daily.schema.names == RECORD_SCHEMA.names + ["year", "month", "day"]
    nine = hourly.to_table(filter=(pc.field("day") == 1) & (pc.field("hour") == 9))
    assert nine.num_rows == rows_per_hour(exported_day)[9]
    assert nine.schema.field("interaction_timestamp").type == pa.timestamp("us", tz="UTC")
    assert daily.count_rows(filter=pc.field("month") == 5) == len(exported_day.expected_rows())


def test_polars_scans_hours_and_days_with_hive_partitioning(exported_day: ExportedDay, lake: Path):
    hourly = pl.scan_parquet(f"{lake}/wrapup_records/**/*.parquet", hive_partitioning=True)
    daily = pl.scan_parquet(f"{lake}/wrapup_daily/**/*.parquet", hive_partitioning=True)

    per_hour = hourly.group_by("hour").len().collect()
    assert dict(per_hour.iter_rows()) == rows_per_hour(exported_day)
    assert hourly.collect_schema().names() == RECORD_SCHEMA.names + HIVE_COLUMNS
    assert daily.filter(pl.col("day") == 1).select(pl.len()).collect().item() == len(exported_day.expected_rows())


def test_readers_union_a_later_schema_version_by_column_name(exported_day: ExportedDay, lake: Path):
    """The evolution policy: version 2 may only add nullable columns; v1 files read as null there."""
    version_1 = pq.read_table(next((lake / "wrapup_daily").rglob("*.parquet")))
    version_2 = version_1.slice(0, 3).append_column(pa.field("queue_name", pa.string()), pa.array(["Sales"] * 3))
    version_2 = version_2.set_column(
        version_2.schema.get_field_index("schema_version"), "schema_version", pa.array([2] * 3, pa.int16())
    )
    next_day = lake / "wrapup_daily/year=2024/month=05/day=02"
    next_day.mkdir(parents=True)
    pq.write_table(version_2, next_day / "part-00000.parquet")

    by_name = duckdb.sql(
        f"SELECT schema_version, count(*), count(queue_name) FROM read_parquet('{lake}/wrapup_daily/**/*.parquet', "
        "hive_partitioning = true, union_by_name = true) GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    files = sorted((lake / "wrapup_daily").rglob("*.parquet"))
    unified = pa.unify_schemas([pq.read_schema(path) for path in files])
    dataset = ds.dataset(lake / "wrapup_daily", format="parquet", partitioning="hive", schema=unified)

    assert by_name == [(1, version_1.num_rows, 0), (2, 3, 3)]
    assert unified.names == RECORD_SCHEMA.names + ["queue_name"]
    table = dataset.to_table(columns=["schema_version", "queue_name"])
    assert table.filter(pc.equal(table["schema_version"], 1))["queue_name"].null_count == version_1.num_rows
    newest = pl.read_parquet_schema(next_day / "part-00000.parquet")
    scanned = pl.scan_parquet(
        f"{lake}/wrapup_daily/**/*.parquet", hive_partitioning=True, schema=newest, missing_columns="insert"
    )
    per_version = scanned.group_by("schema_version").agg(pl.len(), pl.col("queue_name").count()).sort("schema_version")
    assert per_version.collect().rows() == by_name
