from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from wrapup_assets.lake import parquet_files
from wrapup_assets.lake.location import LakeLocation
from wrapup_assets.lake.manifest import read_manifest
from wrapup_assets.lake.parquet_files import parquet_write_options, read_parquet_partition, write_parquet_parts
from wrapup_assets.lake.partitioning import LakePartition
from wrapup_assets.lake.publish import stage_partition
from wrapup_assets_tests.lake.conftest import RECORDS_SCHEMA, files_under, records_table

DAY = LakePartition("wrapup_daily", datetime(2024, 5, 1, tzinfo=UTC), "day")


def publish_parquet(location: LakeLocation, data: pa.Table | list[pa.RecordBatch], target_file_bytes: int) -> None:
    with stage_partition(location, DAY, "parquet") as staged:
        write_parquet_parts(data, RECORDS_SCHEMA, staged, target_file_bytes)
        staged.publish()


def test_write_options_dictionary_encode_exactly_the_dictionary_columns() -> None:
    assert parquet_write_options(RECORDS_SCHEMA) == {
        "compression": "zstd",
        "write_statistics": True,
        "dictionary_pagesize_limit": 2**20,
        "use_dictionary": ["queue_id", "media_type"],
    }


def test_parquet_files_use_zstd_dictionaries_statistics_and_bounded_row_groups(
    location: LakeLocation, lake_root: Path
) -> None:
    table = records_table(250_000)

    publish_parquet(location, table, target_file_bytes=256 * 2**20)

    directory = lake_root / DAY.relative_dir
    assert files_under(directory) == ["_manifest.json", "part-00000.parquet"]
    metadata = pq.read_metadata(directory / "part-00000.parquet")
    assert [metadata.row_group(i).num_rows for i in range(metadata.num_row_groups)] == [100_000, 100_000, 50_000]
    for group in range(metadata.num_row_groups):
        columns = {
            metadata.row_group(group).column(i).path_in_schema: metadata.row_group(group).column(i)
            for i in range(metadata.num_columns)
        }
        assert {column.compression for column in columns.values()} == {"ZSTD"}
        assert columns["queue_id"].has_dictionary_page and columns["media_type"].has_dictionary_page
        assert not columns["interaction_id"].has_dictionary_page
        assert all(column.is_stats_set for column in columns.values())
        assert columns["handle_ms"].statistics.has_min_max
    assert pq.read_table(directory / "part-00000.parquet").equals(table)


def test_small_target_rolls_into_several_files_each_within_target_keeping_row_order(
    location: LakeLocation, lake_root: Path
) -> None:
    table = records_table(60_000)
    batches = table.to_batches(max_chunksize=7_000)

    publish_parquet(location, batches, target_file_bytes=200_000)

    directory = lake_root / DAY.relative_dir
    part_files = [name for name in files_under(directory) if name.endswith(".parquet")]
    assert len(part_files) >= 4
    assert part_files == [f"part-{index:05d}.parquet" for index in range(len(part_files))]
    sizes = {name: (directory / name).stat().st_size for name in part_files}
    assert all(size <= 200_000 for size in sizes.values()), sizes
    manifest = read_manifest(location, DAY)
    assert [(file.name, file.bytes) for file in manifest.files] == list(sizes.items())
    assert manifest.total_rows == 60_000
    assert read_parquet_partition(location, DAY, manifest).equals(table)


@pytest.mark.parametrize("target_file_bytes", [16 * 1024, 24 * 1024])
def test_a_tight_target_is_never_passed_even_by_the_first_file(
    location: LakeLocation, lake_root: Path, target_file_bytes: int
) -> None:
    # The first row group used to be sized from the whole input's bytes per row, lower than a
    # small slice's: at 16 KiB the first file was 18,431 bytes.
    table = records_table(3_000)

    publish_parquet(location, table, target_file_bytes=target_file_bytes)

    directory = lake_root / DAY.relative_dir
    sizes = [path.stat().st_size for path in sorted(directory.glob("*.parquet"))]
    assert len(sizes) >= 2
    assert max(sizes) <= target_file_bytes, sizes
    assert read_parquet_partition(location, DAY, read_manifest(location, DAY)).equals(table)


def test_empty_input_publishes_one_readable_zero_row_file(location: LakeLocation, lake_root: Path) -> None:
    publish_parquet(location, [], target_file_bytes=200_000)

    directory = lake_root / DAY.relative_dir
    assert files_under(directory) == ["_manifest.json", "part-00000.parquet"]
    manifest = read_manifest(location, DAY)
    assert [(file.name, file.rows) for file in manifest.files] == [("part-00000.parquet", 0)]
    empty = read_parquet_partition(location, DAY, manifest)
    assert empty.num_rows == 0
    assert empty.schema == RECORDS_SCHEMA


def test_a_batch_with_another_schema_is_refused_naming_the_column(location: LakeLocation) -> None:
    wrong = records_table(3).cast(RECORDS_SCHEMA.set(4, pa.field("handle_ms", pa.int32())))

    with stage_partition(location, DAY, "parquet") as staged, pytest.raises(ValueError) as raised:
        write_parquet_parts(wrong.to_batches(), RECORDS_SCHEMA, staged)

    assert str(raised.value) == (
        "wrapup_daily partition 2024-05-01: a batch does not match the schema being written: "
        "handle_ms is int32 (nullable=True), expected int64 (nullable=True)"
    )


def test_each_row_group_shares_one_dictionary_per_column(monkeypatch: pytest.MonkeyPatch) -> None:
    """Streamed batches each bring their own dictionaries; a row group mixing two would make the
    Parquet writer give up dictionary encoding for the rest of the column chunk."""
    monkeypatch.setattr(parquet_files, "MAX_ROW_GROUP_ROWS", 500)
    table = records_table(1_200)
    batches = [
        pa.RecordBatch.from_arrays(
            [
                column.dictionary_decode().dictionary_encode() if pa.types.is_dictionary(column.type) else column
                for column in batch.columns
            ],
            schema=RECORDS_SCHEMA,
        )
        for batch in table.to_batches(max_chunksize=50)
    ]
    assert not batches[0]["media_type"].dictionary.equals(batches[1]["media_type"].dictionary)

    row_groups = list(parquet_files._row_groups(batches, RECORDS_SCHEMA, "test"))

    assert [group.num_rows for group in row_groups] == [500, 500, 200]
    for group in row_groups:
        for column in ("queue_id", "media_type"):
            dictionaries = [chunk.dictionary for chunk in group[column].chunks]
            assert all(dictionary.equals(dictionaries[0]) for dictionary in dictionaries)
    assert pa.concat_tables(row_groups).to_pylist() == table.to_pylist()
