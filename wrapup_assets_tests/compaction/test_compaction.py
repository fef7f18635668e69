"""The two-pass daily compaction on small synthetic days published through the lake's own writer
(the benchmark's fixture): order kept or restored, duplicates named, failing rows named by hour
whatever hours the row rules judge together, one dictionary per column in each daily row group."""

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pytest

from wrapup_assets.lake.lake import Lake, PublishedPartition
from wrapup_assets.lake.location import LakeLocation
from wrapup_assets.lake.manifest import read_manifest
from wrapup_assets.lake.parquet_files import write_parquet_parts
from wrapup_assets.lake.partitioning import LakePartition
from wrapup_assets.lake.publish import stage_partition
from wrapup_assets.records import batch_checks
from wrapup_assets.records.batch_checks import ROW_RULE_ROWS
from wrapup_assets.records.compaction import DayRecords, scan_day
from wrapup_assets.records.schema import SORT_ORDER

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from compaction_fixture import RECORDS_DATASET, synthetic_hour  # noqa: E402

DAY_START = datetime(2024, 5, 1, tzinfo=UTC)
DAY_END = DAY_START + timedelta(days=1)


def publish_day(lake: Path, hour_tables: list[pa.Table]) -> list[PublishedPartition]:
    location = LakeLocation.from_url(str(lake))
    hours = []
    for index, table in enumerate(hour_tables):
        start = DAY_START + timedelta(hours=index)
        partition = LakePartition.from_time_window(RECORDS_DATASET, start, start + timedelta(hours=1))
        with stage_partition(location, partition, "parquet", 1) as staged:
            write_parquet_parts(table, table.schema, staged)
            staged.publish()
        hours.append(PublishedPartition(partition, read_manifest(location, partition)))
    return hours


def day_tables(rows: int = 50) -> list[pa.Table]:
    return [synthetic_hour(DAY_START + timedelta(hours=hour), rows, seed=hour + 1) for hour in range(24)]


def test_a_day_streams_in_sort_order_and_an_hour_written_out_of_order_is_sorted(tmp_path: Path):
    tables = day_tables()
    tables[5] = tables[5].take(pa.array(range(49, -1, -1)))  # hour 05 written backwards
    hours = publish_day(tmp_path, tables)
    location = LakeLocation.from_url(str(tmp_path))

    scan = scan_day(Lake(location), hours, DAY_START, DAY_END)

    assert scan.passed and scan.rows == 24 * 50 and scan.hours_in_order
    assert [scanned.in_sort_order for scanned in scan.hours] == [hour != 5 for hour in range(24)]
    streamed = DayRecords(Lake(location), scan).reader().read_all()
    expected = pa.concat_tables(tables).sort_by(SORT_ORDER)
    assert streamed.to_pylist() == expected.to_pylist()  # dictionaries compared as values
    assert scan.key_outcome.description == "all 1200 keys (interaction_id, session_id) are unique"


def test_a_key_repeated_in_a_later_hour_is_named_and_overlapping_hours_are_sorted_as_a_day(tmp_path: Path):
    tables = day_tables()
    stray = tables[3].slice(0, 1)
    tables[9] = pa.concat_tables([tables[9], stray])  # a row of hour 03 in hour 09: a duplicate, and out of place
    location = LakeLocation.from_url(str(tmp_path))

    scan = scan_day(Lake(location), publish_day(tmp_path, tables), DAY_START, DAY_END)

    assert not scan.key_outcome.passed
    assert scan.key_outcome.metadata == {
        "duplicate_keys": 1,
        "first_duplicates": f"{stray['interaction_id'][0]}/{stray['session_id'][0]}",
    }
    assert not scan.hours_in_order


def with_handle_ms(table: pa.Table, row: int, value: int) -> pa.Table:
    handle_ms = table["handle_ms"].to_pylist()
    handle_ms[row] = value
    index = table.schema.get_field_index("handle_ms")
    return table.set_column(index, table.schema.field(index), pa.array(handle_ms, pa.int64()))


@pytest.mark.parametrize("rule_rows", [ROW_RULE_ROWS, 120])  # the whole day in one call; ~2 hours per call
def test_row_rules_judged_over_several_hours_name_each_failing_hour(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rule_rows: int
):
    monkeypatch.setattr(batch_checks, "ROW_RULE_ROWS", rule_rows)
    tables = day_tables()
    tables[7] = with_handle_ms(tables[7], 3, -1)
    tables[15] = with_handle_ms(tables[15], 40, -5)
    location = LakeLocation.from_url(str(tmp_path))

    scan = scan_day(Lake(location), publish_day(tmp_path, tables), DAY_START, DAY_END)

    failing_checks = (
        "2024-05-01-07:00: handle_ms/greater_than_or_equal_to(0): 1; "
        "2024-05-01-15:00: handle_ms/greater_than_or_equal_to(0): 1"
    )
    assert scan.schema_outcome.description == f"2 of 1200 rows break the record contract: {failing_checks}"
    assert scan.schema_outcome.metadata == {
        "failures": 2,
        "failing_rows": 2,
        "failing_checks": failing_checks,
        "first_failing_interaction_ids": f"{tables[7]['interaction_id'][3]}, {tables[15]['interaction_id'][40]}",
        "failing_partitions": "2024-05-01-07:00, 2024-05-01-15:00",
    }
    assert scan.key_outcome.passed
