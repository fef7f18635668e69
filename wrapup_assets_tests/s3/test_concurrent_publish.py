"""Two runs publishing one partition at once leave one complete version, on local disk and on S3.

Each writer is a real process (``partition_writer``). Pause points (``WRAPUP_LAKE_TEST_PAUSE_AT``,
see ``wrapup_assets.lake.crash_points``) stop the first writer inside its publish, at each step
where an overlapping writer used to do damage (S3: deleting or overwriting files the other's
manifest names; local disk: the second rename swap failing and leaving the set-aside directory),
and the test starts the second writer there and waits until it is seen waiting for the partition's
lease. Afterwards: the manifest's files all exist with their recorded sizes and SHA-256, nothing
else is in the partition, and no stage or lease is left. Then killed holders, foreign leases, and
a short stress run of simultaneous writers on the S3 server.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from wrapup_assets.lake import lease
from wrapup_assets.lake.crash_points import KILL_AT_ENV_VAR, PAUSE_AT_ENV_VAR, PAUSE_DIR_ENV_VAR
from wrapup_assets.lake.errors import PartitionNotPublishedError
from wrapup_assets.lake.location import LakeLocation
from wrapup_assets.lake.manifest import MANIFEST_NAME, read_manifest
from wrapup_assets.lake.publish import STAGING_DIR, remove_stale_stages
from wrapup_assets_tests.s3.conftest import S3Server
from wrapup_assets_tests.s3.partition_writer import PARTITION, publish_version, version_files

WAIT_SECONDS = 120
# Where a first writer is held while a second one arrives: between its writes to the partition,
# and after its commit but before its clean-up.
PAUSE_POINTS = {
    "local": ["partition_moved_aside", "manifest_published"],
    "s3": ["data_file_copied", "manifest_published"],
}
KILL_POINTS = {"local": "partition_moved_aside", "s3": "data_file_copied"}


def backend(lake_url: str) -> str:
    return "s3" if lake_url.startswith("s3://") else "local"


def start_writer(lake_url: str, label: str, **environment: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "wrapup_assets_tests.s3.partition_writer", lake_url, label],
        env={**os.environ, **environment},
        stderr=subprocess.PIPE,
    )


def finished(writer: subprocess.Popen) -> int:
    _, stderr = writer.communicate(timeout=WAIT_SECONDS)
    assert writer.returncode == 0, stderr.decode()[-3000:]
    return writer.returncode


def wait_for_file(path: Path, writer: subprocess.Popen) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not path.exists():
        if writer.poll() is not None:
            raise AssertionError(f"the writer ended ({writer.returncode}) before {path.name}: {writer.stderr.read()}")
        assert time.monotonic() < deadline, f"{path.name} not reached within {WAIT_SECONDS} s"
        time.sleep(0.02)


def paused_writer(lake_url: str, label: str, points: list[str], pause_dir: Path) -> subprocess.Popen:
    """A writer that stops at each of ``points`` (in order) until the test releases it."""
    pause_dir.mkdir()
    return start_writer(lake_url, label, **{PAUSE_AT_ENV_VAR: ",".join(points), PAUSE_DIR_ENV_VAR: str(pause_dir)})


def reached(writer: subprocess.Popen, pause_dir: Path, point: str) -> None:
    wait_for_file(pause_dir / f"{point}.reached", writer)


def release(pause_dir: Path, point: str) -> None:
    (pause_dir / f"{point}.go").touch()


def one_complete_version(location: LakeLocation) -> str:
    """The label of the published version, after checking it is whole and alone; no stage or lease left."""
    manifest = read_manifest(location, PARTITION)
    directory = location.join(PARTITION.relative_dir)
    contents = {}
    for file in manifest.files:
        with location.filesystem.open_input_stream(f"{directory}/{file.name}", compression=None) as stream:
            data = stream.read()
        assert (len(data), hashlib.sha256(data).hexdigest()) == (file.bytes, file.sha256), file.name
        contents[file.logical_name] = data
    listing = [path.removeprefix(directory + "/") for path in location.list_files(directory)]
    assert listing == sorted([*manifest.file_names(), MANIFEST_NAME])
    assert location.list_files(location.join(STAGING_DIR)) == []
    label = contents["pages.jsonl.zst"].split(b" ")[0].decode()
    assert contents == version_files(label)
    return label


@pytest.mark.parametrize("step", range(2))
def test_a_second_writer_waits_for_the_first_and_then_publishes_its_whole_version(
    lake_url: str, step: int, tmp_path: Path
):
    location = LakeLocation.from_url(lake_url)
    publish_version(lake_url, "previous")
    point = PAUSE_POINTS[backend(lake_url)][step]
    first_pauses, second_pauses = tmp_path / "first", tmp_path / "second"
    # Both start (and import) together; the second waits with its files staged until the first is
    # inside its publish.
    first = paused_writer(lake_url, "first", [point], first_pauses)
    second = paused_writer(lake_url, "second", ["files_staged", "lease_busy"], second_pauses)
    reached(first, first_pauses, point)
    reached(second, second_pauses, "files_staged")
    release(second_pauses, "files_staged")
    reached(second, second_pauses, "lease_busy")
    release(second_pauses, "lease_busy")  # it goes on waiting for the lease, not for the test
    time.sleep(0.5)
    assert second.poll() is None, "the second writer published while the first held the partition"
    release(first_pauses, point)

    finished(first), finished(second)
    assert one_complete_version(location) == "second"


def test_a_killed_holder_does_not_block_the_partition_and_its_leftovers_are_cleaned(lake_url: str):
    location = LakeLocation.from_url(lake_url)
    publish_version(lake_url, "previous")
    killed = start_writer(lake_url, "killed", **{KILL_AT_ENV_VAR: KILL_POINTS[backend(lake_url)]})
    killed.communicate(timeout=WAIT_SECONDS)
    assert killed.returncode == -9

    started = time.monotonic()
    publish_version(lake_url, "next")
    assert time.monotonic() - started < 30  # the dead holder's lease was taken over, not waited out
    leftovers = location.list_files(location.join(STAGING_DIR))
    assert leftovers and not any(path.endswith(lease.LEASE_SUFFIX) for path in leftovers)  # its stage only
    remove_stale_stages(location, PARTITION, older_than=datetime.now(UTC) + timedelta(seconds=1))
    assert one_complete_version(location) == "next"


def foreign_lease(s3_server: S3Server, expires_at: datetime) -> None:
    """A lease as a run in another pod writes it."""
    document = {"owner": "x", "host": "another-pod", "pid_namespace": "pid:[1]", "pid": 1}
    key = f"exports/{STAGING_DIR}/{PARTITION.dataset}/{PARTITION.staging_id}{lease.LEASE_SUFFIX}"
    body = json.dumps({**document, "expires_at": expires_at.isoformat()}).encode()
    s3_server.client.put_object(Bucket="lake", Key=key, Body=body)


def test_s3_an_expired_lease_of_another_pod_is_taken_over(s3_server: S3Server):
    foreign_lease(s3_server, datetime.now(UTC) - timedelta(seconds=1))
    publish_version("s3://lake/exports", "next")
    assert one_complete_version(LakeLocation.from_url("s3://lake/exports")) == "next"


def test_s3_a_live_lease_of_another_pod_is_waited_for_then_named_in_the_error(
    s3_server: S3Server, monkeypatch: pytest.MonkeyPatch
):
    foreign_lease(s3_server, datetime.now(UTC) + timedelta(minutes=5))
    monkeypatch.setattr(lease, "WAIT_SECONDS", 1)
    with pytest.raises(lease.PartitionBusyError, match=r"another run has been publishing it .* another-pod pid 1"):
        publish_version("s3://lake/exports", "blocked")
    location = LakeLocation.from_url("s3://lake/exports")
    with pytest.raises(PartitionNotPublishedError):
        read_manifest(location, PARTITION)
    (left,) = location.list_files(location.join(STAGING_DIR))  # the foreign lease; the stage was discarded
    assert left.endswith(lease.LEASE_SUFFIX)


def test_s3_stress_simultaneous_writers_of_one_hour(s3_server: S3Server, monkeypatch: pytest.MonkeyPatch):
    """Eight writers released together by a barrier, three times: every one succeeds and one whole
    version remains. Threads of this process (one process start instead of 24): the lease is an S3
    object, so they contend exactly as pods do."""
    _make_moto_conditional_puts_atomic(monkeypatch)
    location = LakeLocation.from_url("s3://lake/exports")
    for round_number in range(3):
        labels = [f"w{round_number}{index}" + "x" * index for index in range(8)]
        barrier = threading.Barrier(len(labels))
        errors: list[BaseException] = []

        def write(label: str, barrier: threading.Barrier = barrier, errors: list = errors) -> None:
            barrier.wait()
            try:
                publish_version("s3://lake/exports", label)
            except BaseException as error:
                errors.append(error)

        writers = [threading.Thread(target=write, args=(label,)) for label in labels]
        for writer in writers:
            writer.start()
        for writer in writers:
            writer.join(timeout=WAIT_SECONDS)
        assert errors == []
        assert one_complete_version(location) in labels


def _make_moto_conditional_puts_atomic(monkeypatch: pytest.MonkeyPatch) -> None:
    """moto checks If-None-Match / If-Match and then stores, unlocked, across its server threads; S3
    does both atomically. Serialise moto's PUTs and DELETEs so the server keeps S3's promise."""
    from moto.s3.responses import S3Response

    lock = threading.Lock()
    for name in ("put_object", "delete_object"):
        original = getattr(S3Response, name)

        def serialised(self, *args, _original=original, **kwargs):
            with lock:
                return _original(self, *args, **kwargs)

        monkeypatch.setattr(S3Response, name, serialised)
