"""One writer at a time publishes a partition: a lease per partition around the publish.

Two runs of the same partition can overlap (the D-3 restatement and a catch-up run, a backfill and a
person re-running an hour). Their staging is private to each run, but the publish is not: it reads
what is in the partition, writes files under their final names, commits the manifest and deletes
what the manifest does not name. Interleaved, one run can delete files that the other run's
manifest names, or (the raw pages keep fixed names) overwrite them with other bytes, and the
partition stays broken until it is written again. So the publish runs under a lease on the
partition; the staging before it still runs in parallel, and the last writer's version wins whole.

Why a lease and not only a conditional write of the manifest: a conditional ``PUT`` (``If-Match``)
stops a stale manifest from landing, but not the other run's copies and deletes around it, which
touch files the winning manifest names. Every step between the listing and the clean-up must be
exclusive; the commit alone is not enough.

* **Local disk**: ``flock`` on ``_staging/<dataset>/<partition>.lease``. The kernel releases it when
  its holder dies, so a killed run never blocks the partition. The file is removed on release.
* **S3**: an object at the same key, created with ``If-None-Match: *`` (S3 creates it for exactly one
  of several concurrent writers) and holding its owner and an expiry. A writer that finds it waits;
  a lease past its expiry (its holder was killed) is taken over with ``If-Match`` on the ETag read, so
  two waiters cannot both take it; one whose holder is a dead process on this same machine is taken
  over at once. The owner deletes it with ``If-Match``, so a holder whose lease was taken over never
  deletes its successor's. A publish takes seconds; the expiry, ``LEASE_SECONDS``, is minutes, and a
  holder paused longer than that (not seen in practice) could overlap its successor.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from wrapup_assets.lake.crash_points import crash_point
from wrapup_assets.lake.location import LakeLocation
from wrapup_assets.lake.partitioning import LakePartition

if TYPE_CHECKING:
    from wrapup_assets.lake.s3 import S3Connection

LEASE_SUFFIX = ".lease"
# How long an S3 lease protects a publish that may have been killed; publishes take seconds.
LEASE_SECONDS = 600
# How long a writer waits for the partition before failing (more than one expiry, so a killed
# holder's lease is always taken over first).
WAIT_SECONDS = 900
_POLL_SECONDS = 0.2


class PartitionBusyError(RuntimeError):
    """Another writer kept the partition's publish lease longer than a publisher waits."""


@contextlib.contextmanager
def publish_lease(location: LakeLocation, partition: LakePartition, stages_dir: str) -> Iterator[None]:
    """Hold the partition's publish lease for the duration of the block (waiting for it if needed).

    The lease lives next to the partition's stages (``stages_dir``), outside every dataset tree.
    """
    path = f"{stages_dir}/{partition.staging_id}{LEASE_SUFFIX}"
    if location.s3 is None:
        with _local_lease(location, path, partition):
            yield
    else:
        with _s3_lease(location.s3, path, partition):
            yield


@contextlib.contextmanager
def _local_lease(location: LakeLocation, path: str, partition: LakePartition) -> Iterator[None]:
    location.make_dirs(path.rsplit("/", 1)[0])
    while True:
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            crash_point("lease_busy", partition.dataset)
            fcntl.flock(descriptor, fcntl.LOCK_EX)
        # The previous holder removes the file on release: only a lock on the file still at the path counts.
        with contextlib.suppress(FileNotFoundError):
            if os.fstat(descriptor).st_ino == os.stat(path).st_ino:
                break
        os.close(descriptor)
    try:
        crash_point("lease_acquired", partition.dataset)
        yield
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        os.close(descriptor)


@contextlib.contextmanager
def _s3_lease(connection: S3Connection, path: str, partition: LakePartition) -> Iterator[None]:
    bucket, key = path.split("/", 1)
    etag = _acquire_s3_lease(connection, bucket, key, partition)
    try:
        crash_point("lease_acquired", partition.dataset)
        yield
    finally:
        # Conditional: a lease taken over after expiry belongs to its new holder.
        with contextlib.suppress(connection.client.exceptions.ClientError):
            connection.client.delete_object(Bucket=bucket, Key=key, IfMatch=etag)


def _acquire_s3_lease(connection: S3Connection, bucket: str, key: str, partition: LakePartition) -> str:
    client = connection.client
    deadline = time.monotonic() + WAIT_SECONDS
    announced = False
    while True:
        lease = _lease_document()
        etag = _put_if(client, bucket, key, lease, IfNoneMatch="*")
        if etag is not None:
            return etag
        try:
            current = client.get_object(Bucket=bucket, Key=key)
        except client.exceptions.NoSuchKey:
            continue  # released between the two requests: try again at once
        holder = json.loads(current["Body"].read())
        if _abandoned(holder):
            etag = _put_if(client, bucket, key, lease, IfMatch=current["ETag"])
            if etag is not None:
                return etag
        if not announced:
            crash_point("lease_busy", partition.dataset)
            announced = True
        if time.monotonic() > deadline:
            raise PartitionBusyError(
                f"{partition.dataset} partition {partition.key}: another run has been publishing it for more "
                f"than {WAIT_SECONDS} s (lease s3://{bucket}/{key}, held by {holder.get('host')} pid "
                f"{holder.get('pid')} until {holder.get('expires_at')}); retry the run once it has finished"
            )
        time.sleep(_POLL_SECONDS)


def _put_if(client, bucket: str, key: str, body: bytes, **condition: str) -> str | None:
    """PUT under a condition; the new ETag, or None when the condition did not hold."""
    try:
        return client.put_object(Bucket=bucket, Key=key, Body=body, **condition)["ETag"]
    except client.exceptions.ClientError as error:
        code = error.response.get("Error", {}).get("Code")
        if code in ("PreconditionFailed", "ConditionalRequestConflict", "NoSuchKey", "412", "409", "404"):
            return None
        raise


def _lease_document() -> bytes:
    expires_at = datetime.now(UTC) + timedelta(seconds=LEASE_SECONDS)
    return json.dumps(
        {
            "owner": uuid.uuid4().hex,
            "host": socket.gethostname(),
            "pid_namespace": _pid_namespace(),
            "pid": os.getpid(),
            "expires_at": expires_at.isoformat(),
        }
    ).encode()


def _abandoned(holder: dict) -> bool:
    """The holder's lease expired, or its holder is a process of this machine that no longer runs."""
    try:
        if datetime.fromisoformat(holder["expires_at"]) < datetime.now(UTC):
            return True
        same_machine = (holder["host"], holder["pid_namespace"]) == (socket.gethostname(), _pid_namespace())
        pid = int(holder["pid"])
    except (KeyError, TypeError, ValueError):
        return True  # not a lease this code wrote: nothing to respect
    if not same_machine or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _pid_namespace() -> str:
    try:
        return os.readlink("/proc/self/ns/pid")
    except OSError:
        return ""
