from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from wrapup_assets.lake.errors import ManifestFormatError, PartitionNotPublishedError
from wrapup_assets.lake.location import LakeLocation
from wrapup_assets.lake.manifest import Manifest, ManifestFile, read_manifest
from wrapup_assets.lake.partitioning import LakePartition

MANIFEST = Manifest(
    dataset="raw_conversation_pages",
    partition="2024-05-01-09:00",
    format="jsonl.zst",
    files=(
        ManifestFile("pages-0123456789abcdef.jsonl.zst", 12, 34_567, "0123456789abcdef" * 4, "pages.jsonl.zst"),
        ManifestFile("wrapup_codes.json", None, 890, "ab" * 32),
    ),
    created_at=datetime(2024, 5, 1, 11, 2, 3, tzinfo=UTC),
    schema_version=None,
)


def test_manifest_round_trips_through_json() -> None:
    assert Manifest.from_json(MANIFEST.to_json()) == MANIFEST


def test_manifest_finds_a_file_by_the_name_its_writer_gave_it() -> None:
    assert MANIFEST.file_named("pages.jsonl.zst") == MANIFEST.files[0]
    assert MANIFEST.file_named("wrapup_codes.json") == MANIFEST.files[1]
    assert MANIFEST.file_named("part-00000.parquet") is None


def test_a_manifest_from_before_digests_still_reads() -> None:
    document = json.loads(MANIFEST.to_json())
    document["files"] = [{"name": "pages.jsonl.zst", "rows": 12, "bytes": 34_567}]

    manifest = Manifest.from_json(json.dumps(document).encode())

    assert manifest.files == (ManifestFile("pages.jsonl.zst", 12, 34_567, None, "pages.jsonl.zst"),)


def test_manifest_json_lists_files_and_totals() -> None:
    document = json.loads(MANIFEST.to_json())

    assert document == {
        "dataset": "raw_conversation_pages",
        "partition": "2024-05-01-09:00",
        "format": "jsonl.zst",
        "files": [
            {
                "name": "pages-0123456789abcdef.jsonl.zst",
                "logical_name": "pages.jsonl.zst",
                "rows": 12,
                "bytes": 34_567,
                "sha256": "0123456789abcdef" * 4,
            },
            {
                "name": "wrapup_codes.json",
                "logical_name": "wrapup_codes.json",
                "rows": None,
                "bytes": 890,
                "sha256": "ab" * 32,
            },
        ],
        "total_rows": 12,
        "total_bytes": 35_457,
        "schema_version": None,
        "created_at": "2024-05-01T11:02:03+00:00",
    }


def test_reading_an_unpublished_partition_names_dataset_partition_and_path(location: LakeLocation) -> None:
    partition = LakePartition("wrapup_records", datetime(2024, 5, 1, 9, tzinfo=UTC), "hour")

    with pytest.raises(PartitionNotPublishedError) as raised:
        read_manifest(location, partition)

    path = f"{location.root}/wrapup_records/year=2024/month=05/day=01/hour=09/_manifest.json"
    assert str(raised.value) == f"wrapup_records: partition is not published: 2024-05-01-09:00 (no manifest at {path})"
    assert raised.value.missing == {"2024-05-01-09:00": path}


def test_a_malformed_manifest_is_reported_with_its_path(location: LakeLocation) -> None:
    partition = LakePartition.unpartitioned("wrapup_codes")
    location.make_dirs(location.join("wrapup_codes"))
    with location.filesystem.open_output_stream(location.join("wrapup_codes", "_manifest.json")) as stream:
        stream.write(b'{"dataset": "wrapup_codes"}')

    with pytest.raises(ManifestFormatError) as raised:
        read_manifest(location, partition)

    assert str(raised.value).startswith(f"{location.root}/wrapup_codes/_manifest.json: not a lake manifest")
