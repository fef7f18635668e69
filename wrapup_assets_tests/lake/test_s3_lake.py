from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import boto3
import pytest
from moto.server import ThreadedMotoServer

from wrapup_assets.lake.errors import PartitionNotPublishedError
from wrapup_assets.lake.location import LakeLocation
from wrapup_assets.lake.manifest import read_manifest
from wrapup_assets.lake.parquet_files import read_parquet_partition, write_parquet_parts
from wrapup_assets.lake.partitioning import LakePartition
from wrapup_assets.lake.publish import stage_partition
from wrapup_assets_tests.lake.conftest import RECORDS_SCHEMA, records_table

HOUR = LakePartition("wrapup_records", datetime(2024, 5, 1, 9, tzinfo=UTC), "hour")
PREFIX = "exports/wrapup_records/year=2024/month=05/day=01/hour=09"


@pytest.fixture
def s3_endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(Bucket="lake")
    yield endpoint
    server.stop()


def object_keys(endpoint: str) -> list[str]:
    listing = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").list_objects_v2(Bucket="lake")
    return sorted(item["Key"] for item in listing.get("Contents", []))


def test_s3_publish_twice_leaves_exactly_the_second_partition_and_no_markers(s3_endpoint: str) -> None:
    location = LakeLocation.from_url("s3://lake/exports")
    with pytest.raises(PartitionNotPublishedError, match=f"no manifest at s3://lake/{PREFIX}/_manifest.json"):
        read_manifest(location, HOUR)
    busy_hour = records_table(20_000)
    with stage_partition(location, HOUR, "parquet") as staged:
        write_parquet_parts(busy_hour, RECORDS_SCHEMA, staged, target_file_bytes=200_000)
        first_manifest = staged.publish()
    first_keys = object_keys(s3_endpoint)

    quiet_hour = records_table(10, seed=3)
    with stage_partition(location, HOUR, "parquet") as staged:
        write_parquet_parts(quiet_hour, RECORDS_SCHEMA, staged, target_file_bytes=200_000)
        staged.publish()

    part_count = len(first_manifest.files)
    assert part_count >= 2
    assert first_keys == [f"{PREFIX}/_manifest.json"] + [f"{PREFIX}/part-{i:05d}.parquet" for i in range(part_count)]
    assert object_keys(s3_endpoint) == [f"{PREFIX}/_manifest.json", f"{PREFIX}/part-00000.parquet"]
    manifest = read_manifest(location, HOUR)
    assert read_parquet_partition(location, HOUR, manifest).equals(quiet_hour)
