"""Publishing to S3 (moto server on loopback): content-addressed files, the manifest last, no markers."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta

import pyarrow.dataset as pads
import pytest
from dagster_aws.s3 import S3Resource

from wrapup_assets.lake.errors import PartitionNotPublishedError
from wrapup_assets.lake.location import LakeLocation
from wrapup_assets.lake.manifest import read_manifest
from wrapup_assets.lake.parquet_files import read_parquet_partition, write_parquet_parts
from wrapup_assets.lake.partitioning import LakePartition
from wrapup_assets.lake.publish import remove_stale_stages, stage_partition
from wrapup_assets_tests.lake.conftest import RECORDS_SCHEMA, records_table
from wrapup_assets_tests.s3.conftest import S3Server

HOUR = LakePartition("wrapup_records", datetime(2024, 5, 1, 9, tzinfo=UTC), "hour")
PREFIX = "exports/wrapup_records/year=2024/month=05/day=01/hour=09"


def publish(location: LakeLocation, rows: int, seed: int, target_file_bytes: int = 200_000) -> None:
    with stage_partition(location, HOUR, "parquet") as staged:
        write_parquet_parts(records_table(rows, seed=seed), RECORDS_SCHEMA, staged, target_file_bytes)
        staged.publish()


def test_files_are_published_under_their_content_hash_and_listed_by_the_manifest(s3_server: S3Server) -> None:
    location = LakeLocation.from_url("s3://lake/exports")
    with pytest.raises(PartitionNotPublishedError, match=f"no manifest at s3://lake/{PREFIX}/_manifest.json"):
        read_manifest(location, HOUR)

    publish(location, 20_000, seed=7)

    objects = s3_server.objects()
    manifest = json.loads(objects.pop(f"{PREFIX}/_manifest.json"))
    assert len(manifest["files"]) >= 2
    for index, file in enumerate(manifest["files"]):
        data = objects.pop(f"{PREFIX}/{file['name']}")
        digest = hashlib.sha256(data).hexdigest()
        assert file == {
            "name": f"part-{index:05d}-{digest[:16]}.parquet",
            "logical_name": f"part-{index:05d}.parquet",
            "rows": file["rows"],
            "bytes": len(data),
            "sha256": digest,
        }
    assert objects == {}  # nothing else: no staging leftovers, no directory markers


def test_republishing_changed_rows_leaves_exactly_the_new_version(s3_server: S3Server) -> None:
    location = LakeLocation.from_url("s3://lake/exports")
    publish(location, 20_000, seed=7)
    first_keys = s3_server.keys()

    quiet_hour = records_table(10, seed=3)
    with stage_partition(location, HOUR, "parquet") as staged:
        write_parquet_parts(quiet_hour, RECORDS_SCHEMA, staged)
        staged.publish()

    manifest = read_manifest(location, HOUR)
    assert s3_server.keys() == [f"{PREFIX}/_manifest.json", f"{PREFIX}/{manifest.files[0].name}"]
    assert f"{PREFIX}/{manifest.files[0].name}" not in first_keys  # old objects were never overwritten
    assert read_parquet_partition(location, HOUR, manifest).equals(quiet_hour)


def test_republishing_the_same_rows_leaves_the_same_objects(s3_server: S3Server) -> None:
    location = LakeLocation.from_url("s3://lake/exports")
    publish(location, 20_000, seed=7)
    first = s3_server.objects()

    publish(location, 20_000, seed=7)

    second = s3_server.objects()
    manifest_key = f"{PREFIX}/_manifest.json"
    assert {key: data for key, data in second.items() if key != manifest_key} == {
        key: data for key, data in first.items() if key != manifest_key
    }
    assert json.loads(second[manifest_key])["files"] == json.loads(first[manifest_key])["files"]


def test_the_s3_resource_configures_the_lake_without_any_aws_variable(
    s3_server: S3Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"):
        monkeypatch.delenv(name)
    resource = S3Resource(
        endpoint_url=s3_server.endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="from-resource",
        aws_secret_access_key="from-resource",
    )
    location = LakeLocation.from_url("s3://lake/exports", resource)

    publish(location, 10, seed=1)
    publish(location, 5, seed=2)  # the stale file is deleted through the resource's boto3 client

    manifest = read_manifest(location, HOUR)
    assert s3_server.keys() == [f"{PREFIX}/_manifest.json", f"{PREFIX}/{manifest.files[0].name}"]
    dataset = pads.dataset("lake/exports/wrapup_records", filesystem=location.filesystem, partitioning="hive")
    assert dataset.count_rows() == 5


def test_stages_left_by_killed_runs_are_ignored_then_removed_once_stale(s3_server: S3Server) -> None:
    location = LakeLocation.from_url("s3://lake/exports")
    abandoned = stage_partition(location, HOUR, "parquet")  # a killed run never closes its stage
    write_parquet_parts(records_table(50, seed=9), RECORDS_SCHEMA, abandoned)
    publish(location, 10, seed=1)

    manifest = read_manifest(location, HOUR)
    assert read_parquet_partition(location, HOUR, manifest).num_rows == 10
    assert [key for key in s3_server.keys() if "/_staging/" in key] == [
        f"exports/_staging/wrapup_records/{abandoned.staging_dir.rsplit('/', 1)[1]}/part-00000.parquet"
    ]  # younger than STALE_STAGE_AGE: kept, in case it is a concurrent run's

    removed = remove_stale_stages(location, HOUR, older_than=datetime.now(UTC) + timedelta(seconds=1))

    assert removed == [abandoned.staging_dir.rsplit("/", 1)[1]]
    assert [key for key in s3_server.keys() if "/_staging/" in key] == []
