from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from wrapup_assets.lake.location import LakeLocation
from wrapup_assets.lake.manifest import ManifestFile, read_manifest
from wrapup_assets.lake.partitioning import LakePartition
from wrapup_assets.lake.publish import stage_partition
from wrapup_assets_tests.lake.conftest import files_under


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


HOUR = LakePartition("wrapup_records", datetime(2024, 5, 1, 9, tzinfo=UTC), "hour")
DAY = LakePartition("wrapup_daily", datetime(2024, 5, 1, tzinfo=UTC), "day")
CODES = LakePartition.unpartitioned("wrapup_codes")


def publish_files(location: LakeLocation, partition: LakePartition, contents: dict[str, bytes]) -> None:
    with stage_partition(location, partition, "parquet", schema_version=1) as staged:
        for name, data in contents.items():
            with staged.open_output_stream(name) as stream:
                stream.write(data)
            staged.add_file(name, rows=len(data))
        staged.publish()


def staged_leftovers(lake_root: Path) -> list[str]:
    return files_under(lake_root / "_staging") + sorted(
        path.name for path in (lake_root / "_staging").glob("*/*") if path.is_dir()
    )


@pytest.mark.parametrize(
    ("partition", "directory"),
    [
        (HOUR, "wrapup_records/year=2024/month=05/day=01/hour=09"),
        (DAY, "wrapup_daily/year=2024/month=05/day=01"),
        (CODES, "wrapup_codes"),
    ],
)
def test_published_partition_lands_at_its_exact_path(
    location: LakeLocation, lake_root: Path, partition: LakePartition, directory: str
) -> None:
    publish_files(location, partition, {"part-00000.parquet": b"abc", "part-00001.parquet": b"de"})

    assert [name for name in files_under(lake_root) if not name.startswith("_staging")] == [
        f"{directory}/_manifest.json",
        f"{directory}/part-00000.parquet",
        f"{directory}/part-00001.parquet",
    ]
    assert staged_leftovers(lake_root) == []
    manifest = json.loads((lake_root / directory / "_manifest.json").read_bytes())
    assert manifest["dataset"] == partition.dataset
    assert manifest["partition"] == partition.key
    assert manifest["format"] == "parquet"
    assert manifest["schema_version"] == 1
    assert manifest["files"] == [
        {
            "name": "part-00000.parquet",
            "logical_name": "part-00000.parquet",
            "rows": 3,
            "bytes": 3,
            "sha256": sha256(b"abc"),
        },
        {
            "name": "part-00001.parquet",
            "logical_name": "part-00001.parquet",
            "rows": 2,
            "bytes": 2,
            "sha256": sha256(b"de"),
        },
    ]
    assert (manifest["total_rows"], manifest["total_bytes"]) == (5, 5)


def test_publishing_again_with_fewer_files_leaves_exactly_the_second_set(
    location: LakeLocation, lake_root: Path
) -> None:
    publish_files(location, HOUR, {"part-00000.parquet": b"old-0", "part-00001.parquet": b"old-1"})

    publish_files(location, HOUR, {"part-00000.parquet": b"new"})

    directory = lake_root / HOUR.relative_dir
    assert files_under(directory) == ["_manifest.json", "part-00000.parquet"]
    assert (directory / "part-00000.parquet").read_bytes() == b"new"
    assert read_manifest(location, HOUR).files == (ManifestFile("part-00000.parquet", 3, 3, sha256(b"new")),)
    assert staged_leftovers(lake_root) == []


def test_failure_while_staging_keeps_the_published_partition_and_removes_the_stage(
    location: LakeLocation, lake_root: Path
) -> None:
    publish_files(location, HOUR, {"part-00000.parquet": b"published"})

    with pytest.raises(RuntimeError, match="flattening failed"):
        with stage_partition(location, HOUR, "parquet") as staged:
            with staged.open_output_stream("part-00000.parquet") as stream:
                stream.write(b"half-written")
            raise RuntimeError("flattening failed")

    directory = lake_root / HOUR.relative_dir
    assert files_under(directory) == ["_manifest.json", "part-00000.parquet"]
    assert (directory / "part-00000.parquet").read_bytes() == b"published"
    assert staged_leftovers(lake_root) == []


def test_leaving_the_stage_without_publishing_publishes_nothing(location: LakeLocation, lake_root: Path) -> None:
    with stage_partition(location, CODES, "parquet") as staged:
        with staged.open_output_stream("part-00000.parquet") as stream:
            stream.write(b"never published")
        staged.add_file("part-00000.parquet", rows=1)

    assert files_under(lake_root) == []


def test_stage_is_closed_after_publish(location: LakeLocation) -> None:
    with stage_partition(location, CODES, "parquet") as staged:
        with staged.open_output_stream("part-00000.parquet") as stream:
            stream.write(b"x")
        staged.add_file("part-00000.parquet", rows=1)
        staged.publish()

        with pytest.raises(RuntimeError, match=r"wrapup_codes partition \(unpartitioned\): the stage is closed"):
            staged.path("part-00001.parquet")


def test_recording_a_file_that_was_never_written_names_it(location: LakeLocation) -> None:
    with stage_partition(location, HOUR, "parquet") as staged:
        message = "wrapup_records partition 2024-05-01-09:00: staged file 'part-00000.parquet' was not written"
        with pytest.raises(FileNotFoundError, match=message):
            staged.add_file("part-00000.parquet", rows=0)
