from __future__ import annotations

from datetime import UTC, datetime

import duckdb

from wrapup_assets.lake.location import LakeLocation
from wrapup_assets.lake.parquet_files import write_parquet_parts
from wrapup_assets.lake.partitioning import LakePartition
from wrapup_assets.lake.publish import stage_partition
from wrapup_assets_tests.lake.conftest import RECORDS_SCHEMA, records_table


def test_duckdb_hive_glob_sees_published_hours_and_never_a_stage(location: LakeLocation) -> None:
    for hour, rows in ((9, 3), (10, 2)):
        start = datetime(2024, 5, 1, hour, tzinfo=UTC)
        with stage_partition(location, LakePartition("wrapup_records", start, "hour"), "parquet") as staged:
            write_parquet_parts(records_table(rows, start=start, seed=hour), RECORDS_SCHEMA, staged)
            staged.publish()
    unfinished_start = datetime(2024, 5, 1, 11, tzinfo=UTC)
    with stage_partition(location, LakePartition("wrapup_records", unfinished_start, "hour"), "parquet") as unfinished:
        write_parquet_parts(records_table(50, start=unfinished_start), RECORDS_SCHEMA, unfinished)

        rows = duckdb.sql(
            f"select year, month, day, hour, interaction_timestamp, media_type "
            f"from read_parquet('{location.root}/wrapup_records/**/*.parquet', hive_partitioning=true) "
            f"order by interaction_timestamp"
        ).fetchall()

    # DuckDB keeps zero-padded Hive values as text ('05'); year has no padding, so it is a number.
    assert [row[:4] for row in rows] == [(2024, "05", "01", "09")] * 3 + [(2024, "05", "01", "10")] * 2
    assert [(row[4].hour, row[4].microsecond, row[5]) for row in rows] == [
        (9, 0, "voice"),
        (9, 1000, "chat"),
        (9, 2000, "email"),
        (10, 0, "voice"),
        (10, 1000, "chat"),
    ]
