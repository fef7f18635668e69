"""A materialization killed with SIGKILL mid-write leaves the previous partition, the new one, or none, never a mix.

Each case publishes an hour from one emulator (seed 11), then runs the same hour from another
emulator (seed 12, other conversations) in a real subprocess that a test-only kill point
(``WRAPUP_LAKE_TEST_KILL_AT``, see ``wrapup_assets.lake.crash_points``) SIGKILLs at one step of the
write, then checks what a manifest reader and a directory listing see, then runs the hour again
and checks that it repaired the partition. On local disk and on S3 (moto server on loopback).
"""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import dagster as dg
import pytest

from wrapup_assets.emulator import EmulatorConfig, GenesysEmulator
from wrapup_assets.lake.crash_points import KILL_AT_ENV_VAR
from wrapup_assets.lake.errors import PartitionNotPublishedError
from wrapup_assets.lake.location import LakeLocation
from wrapup_assets.lake.manifest import MANIFEST_NAME, Manifest, read_manifest
from wrapup_assets.lake.parquet_files import read_parquet_partition
from wrapup_assets.lake.partitioning import LakePartition
from wrapup_assets.lake.publish import STAGING_DIR, remove_stale_stages
from wrapup_assets_tests.conftest import TEST_CONFIG
from wrapup_assets_tests.s3.hour_run import HourRun, materialize_hour

HOUR_START = datetime(2024, 5, 1, 9, tzinfo=UTC)
RECORDS = LakePartition("wrapup_records", HOUR_START, "hour")
RAW = LakePartition("raw_conversation_pages", HOUR_START, "hour")
# Small part files, so the hour's records span several and a kill can fall between two of them.
TARGET_FILE_BYTES = 4_000

# Kill point -> what a manifest reader must find for wrapup_records afterwards.
LOCAL_CASES = {
    "page_written@raw_conversation_pages": "previous",
    "part_file_closed@wrapup_records": "previous",
    "files_staged@wrapup_records": "previous",
    "partition_moved_aside@wrapup_records": "none",
    "manifest_published@wrapup_records": "new",
}
S3_CASES = {
    "page_written@raw_conversation_pages": "previous",
    "part_file_closed@wrapup_records:2": "previous",
    "files_staged@wrapup_records": "previous",
    "data_file_copied@wrapup_records:2": "previous",
    "manifest_published@wrapup_records": "new",
}


def sorted_keys(rows: list[dict]) -> list[tuple[str, str]]:
    return sorted((row["interaction_id"], row["session_id"]) for row in rows)


@pytest.fixture
def other_emulator() -> Iterator[GenesysEmulator]:
    with GenesysEmulator(EmulatorConfig(seed=12, conversations_per_hour=40)) as running:
        yield running


def hour_run(lake_url: str, emulator: GenesysEmulator) -> HourRun:
    return HourRun(
        lake_url=lake_url,
        api_url=emulator.api_url,
        login_url=emulator.login_url,
        client_id=TEST_CONFIG.client_id,
        client_secret=TEST_CONFIG.client_secret,
        target_file_bytes=TARGET_FILE_BYTES,
    )


def published_rows(location: LakeLocation) -> tuple[Manifest, list[tuple[str, str]]] | None:
    """What a manifest reader gets for the hour's records (None: not published), checking every listed file."""
    try:
        manifest = read_manifest(location, RECORDS)
    except PartitionNotPublishedError:
        return None
    return manifest, sorted_keys(read_parquet_partition(location, RECORDS, manifest).to_pylist())


def partition_listing(location: LakeLocation, partition: LakePartition) -> list[str]:
    directory = location.join(partition.relative_dir)
    return [path.removeprefix(directory + "/") for path in location.list_files(directory)]


def test_killed_write_leaves_one_whole_version_and_the_next_run_repairs_it(
    lake_url: str, emulator: GenesysEmulator, other_emulator: GenesysEmulator, instance: dg.DagsterInstance
) -> None:
    location = LakeLocation.from_url(lake_url)
    cases = S3_CASES if lake_url.startswith("s3://") else LOCAL_CASES
    previous_rows = sorted_keys(emulator.expected_records(HOUR_START))
    new_rows = sorted_keys(other_emulator.expected_records(HOUR_START))
    assert previous_rows != new_rows and len(new_rows) > 10

    for kill_at, outcome in cases.items():
        assert materialize_hour(hour_run(lake_url, emulator), instance).success
        previous_manifest, rows = published_rows(location)
        assert rows == previous_rows
        assert len(previous_manifest.files) >= 3  # several part files, so a kill can fall between two

        killed = subprocess.run(
            [sys.executable, "-m", "wrapup_assets_tests.s3.hour_run", hour_run(lake_url, other_emulator).to_json()],
            env={**_environment(), KILL_AT_ENV_VAR: kill_at},
            capture_output=True,
            timeout=300,
        )
        assert killed.returncode == -signal.SIGKILL, (kill_at, killed.stderr.decode()[-2000:])

        published = published_rows(location)
        if outcome == "none":
            assert published is None, kill_at
        else:
            manifest, rows = published
            assert rows == {"previous": previous_rows, "new": new_rows}[outcome], kill_at
            if outcome == "previous":
                assert manifest == previous_manifest, kill_at
            listing = partition_listing(location, RECORDS)
            listed = sorted([*manifest.file_names(), MANIFEST_NAME])
            if location.is_local:
                assert listing == listed, kill_at  # the rename swap: a glob sees exactly one version
            else:
                assert set(listed) <= set(listing), kill_at  # extra objects: the other version, until repaired
        raw = read_manifest(location, RAW)  # the raw hour is whole too: previous or new, its files all there
        assert set(raw.file_names()) <= set(partition_listing(location, RAW)), kill_at

        assert materialize_hour(hour_run(lake_url, other_emulator), instance).success
        manifest, rows = published_rows(location)
        assert rows == new_rows, kill_at
        for partition in (RECORDS, RAW):
            assert partition_listing(location, partition) == sorted(
                [*read_manifest(location, partition).file_names(), MANIFEST_NAME]
            ), kill_at

    leftovers = remove_stale_stages(location, RECORDS, older_than=datetime.now(UTC) + timedelta(seconds=1))
    leftovers += remove_stale_stages(location, RAW, older_than=datetime.now(UTC) + timedelta(seconds=1))
    assert leftovers  # the killed runs' stages were there, ignored by every reader above
    assert location.list_files(location.join(STAGING_DIR)) == []


def _environment() -> dict[str, str]:
    import os

    return {key: value for key, value in os.environ.items() if not key.startswith(("WRAPUP_", "GENESYS_"))}
