from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from wrapup_assets.lake.partitioning import LakePartition

NINE = datetime(2024, 5, 1, 9, tzinfo=UTC)


def test_hour_window_maps_to_hour_directory_and_dagster_key() -> None:
    partition = LakePartition.from_time_window("wrapup_records", NINE, NINE + timedelta(hours=1))

    assert partition == LakePartition("wrapup_records", NINE, "hour")
    assert partition.relative_dir == "wrapup_records/year=2024/month=05/day=01/hour=09"
    assert partition.key == "2024-05-01-09:00"


def test_day_window_maps_to_day_directory_and_dagster_key() -> None:
    midnight = datetime(2024, 5, 1, tzinfo=UTC)

    partition = LakePartition.from_time_window("wrapup_daily", midnight, midnight + timedelta(days=1))

    assert partition.grain == "day"
    assert partition.relative_dir == "wrapup_daily/year=2024/month=05/day=01"
    assert partition.key == "2024-05-01"


def test_unpartitioned_dataset_is_its_own_directory() -> None:
    partition = LakePartition.unpartitioned("wrapup_codes")

    assert partition == LakePartition("wrapup_codes", None, "none")
    assert partition.relative_dir == "wrapup_codes"
    assert partition.key is None


def test_other_window_lengths_are_rejected_naming_the_window() -> None:
    with pytest.raises(ValueError) as raised:
        LakePartition.from_time_window("wrapup_records", NINE, NINE + timedelta(minutes=15))

    assert str(raised.value) == (
        "wrapup_records: time window 2024-05-01T09:00:00+00:00 to 2024-05-01T09:15:00+00:00 is neither "
        "one hour nor one day; the lake stores hourly or daily partitions only"
    )


def test_non_utc_and_misaligned_starts_are_rejected() -> None:
    with pytest.raises(ValueError, match="must be a UTC datetime"):
        LakePartition("wrapup_records", datetime(2024, 5, 1, 9, tzinfo=timezone(timedelta(hours=2))), "hour")
    with pytest.raises(ValueError, match="must be a UTC datetime"):
        LakePartition("wrapup_records", datetime(2024, 5, 1, 9), "hour")
    with pytest.raises(ValueError, match="is not the start of a UTC day"):
        LakePartition("wrapup_daily", NINE, "day")
