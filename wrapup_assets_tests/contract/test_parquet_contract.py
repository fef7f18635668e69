"""The daily files obey the Parquet contract, read back from their metadata as any engine would."""

from pathlib import Path

import dagster as dg
import pyarrow as pa
import pyarrow.parquet as pq

from wrapup_assets.assets import ALL_ASSETS, wrapup_daily
from wrapup_assets.lake.parquet_files import MAX_ROW_GROUP_ROWS
from wrapup_assets.records.schema import DICTIONARY_COLUMNS, RECORD_SCHEMA
from wrapup_assets_tests.contract.conftest import DAY, ExportedDay, sorted_rows

DAILY_DIR = "wrapup_daily/year=2024/month=05/day=01"


def materialize_day(resources: dict, instance: dg.DagsterInstance) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        ALL_ASSETS, selection=[wrapup_daily], partition_key=DAY, resources=resources, instance=instance
    )


def test_daily_file_metadata_shows_zstd_dictionaries_bounded_row_groups_and_contract_types(
    exported_day: ExportedDay, instance: dg.DagsterInstance, copied_lake: Path
):
    assert materialize_day(exported_day.resources(copied_lake), instance).success

    (daily_file,) = sorted((copied_lake / DAILY_DIR).glob("*.parquet"))
    parquet = pq.ParquetFile(daily_file)
    metadata = parquet.metadata
    assert parquet.schema_arrow.equals(RECORD_SCHEMA, check_metadata=False)
    assert str(parquet.schema_arrow.field("interaction_timestamp").type) == "timestamp[us, tz=UTC]"
    assert metadata.num_row_groups >= 1
    for group_index in range(metadata.num_row_groups):
        row_group = metadata.row_group(group_index)
        assert row_group.num_rows <= MAX_ROW_GROUP_ROWS
        for column_index in range(row_group.num_columns):
            column = row_group.column(column_index)
            assert column.compression == "ZSTD", column.path_in_schema
            assert column.is_stats_set, column.path_in_schema
            dictionary_encoded = column.has_dictionary_page and "RLE_DICTIONARY" in column.encodings
            assert dictionary_encoded == (column.path_in_schema in DICTIONARY_COLUMNS), column.path_in_schema
    table = parquet.read()
    assert sorted_rows(table.to_pylist()) == exported_day.expected_rows()
    timestamps = table["interaction_timestamp"].to_pylist()
    assert timestamps == sorted(timestamps)


def assert_rolled_under(target: int, exported_day: ExportedDay, instance: dg.DagsterInstance, lake: Path) -> None:
    result = materialize_day(exported_day.resources(lake, target_file_bytes=target), instance)
    assert result.success

    files = sorted((lake / DAILY_DIR).glob("*.parquet"))
    assert [path.name for path in files] == [f"part-{index:05d}.parquet" for index in range(len(files))]
    assert len(files) >= 2
    assert [path.stat().st_size for path in files] == [min(path.stat().st_size, target) for path in files]
    parts = [pq.read_table(path) for path in files]
    day = pa.concat_tables(parts)
    assert sorted_rows(day.to_pylist()) == exported_day.expected_rows()
    timestamps = day["interaction_timestamp"].to_pylist()
    assert timestamps == sorted(timestamps)  # sorted across the files, not only within each
    metadata = result.asset_materializations_for_node("wrapup_daily")[0].metadata
    assert metadata["file_count"].value == len(files)
    assert metadata["dagster/row_count"].value == day.num_rows


def test_daily_files_roll_over_at_a_small_target_through_the_real_asset(
    exported_day: ExportedDay, instance: dg.DagsterInstance, copied_lake: Path
):
    # The day's ~450 rows take ~47 KB in one file; at 32 KiB they need two.
    assert_rolled_under(32 * 1024, exported_day, instance, copied_lake)


def test_daily_files_never_pass_a_tight_target(
    exported_day: ExportedDay, instance: dg.DagsterInstance, copied_lake: Path
):
    assert_rolled_under(24 * 1024, exported_day, instance, copied_lake)
