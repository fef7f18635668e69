"""Publishing a partition so readers never see a half-written one.

Every file of a partition is written into a staging directory outside the dataset trees
(``{root}/_staging/{dataset}/{partition}-{uuid}/``, so a glob over ``{root}/{dataset}/**`` never
sees it). ``publish()`` then writes the manifest and swaps the partition in:

* Local disk: the manifest is written last into the staging directory, the current partition
  directory (if any) is renamed to ``{root}/_staging/_replaced-...``, the staging directory is
  renamed into place, and the replaced one is deleted. Two renames on one filesystem: a reader sees
  the old partition or, for an instant, none, never a mix of old and new files.
* S3 (no rename): the staged objects are copied server-side to their final keys, then the manifest
  is written, then every key of the partition that the manifest does not list is deleted. Between
  the first copy and the last delete a prefix listing can show a mix of old and new objects, and a
  file name reused by the new partition already holds new bytes while the old manifest is still in
  place. **On S3, readers must trust the manifest** (and should check each file's size against it);
  a later issue hardens this (versioned file names per publish).

A failure inside the staging context, or leaving it without ``publish()``, deletes the staging
directory and leaves the published partition untouched.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from types import TracebackType

import pyarrow as pa
import pyarrow.fs as pafs

from wrapup_assets.lake.location import LakeLocation
from wrapup_assets.lake.manifest import MANIFEST_NAME, Manifest, ManifestFile
from wrapup_assets.lake.partitioning import LakePartition

STAGING_DIR = "_staging"


class StagedPartition:
    """A partition being written: files go to staging until ``publish()`` swaps them in at once."""

    def __init__(
        self, location: LakeLocation, partition: LakePartition, format: str, schema_version: int | None = None
    ) -> None:
        self.location = location
        self.partition = partition
        self.format = format
        self.schema_version = schema_version
        self.staging_dir = location.join(STAGING_DIR, partition.dataset, f"{partition.staging_id}-{uuid.uuid4().hex}")
        self.final_dir = location.join(partition.relative_dir)
        self._files: dict[str, ManifestFile] = {}
        self._closed = False
        location.make_dirs(self.staging_dir)

    def __enter__(self) -> StagedPartition:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if not self._closed:
            self.discard()

    @property
    def files(self) -> tuple[ManifestFile, ...]:
        """The files recorded so far, in the order they were added."""
        return tuple(self._files.values())

    def path(self, name: str) -> str:
        """Where to write the file ``name`` of this partition while it is staged."""
        self._require_open()
        if not name or "/" in name or name in (".", "..", MANIFEST_NAME):
            raise ValueError(f"{self._describe()}: {name!r} is not a valid partition file name")
        return f"{self.staging_dir}/{name}"

    def open_output_stream(self, name: str) -> pa.NativeFile:
        """A raw (uncompressed-by-extension) output stream for a staged file; the caller closes it."""
        return self.location.filesystem.open_output_stream(self.path(name), compression=None)

    def add_file(self, name: str, rows: int | None) -> ManifestFile:
        """Record a finished staged file for the manifest; its size is read back from the filesystem."""
        path = self.path(name)
        info = self.location.filesystem.get_file_info(path)
        if info.type != pafs.FileType.File:
            raise FileNotFoundError(f"{self._describe()}: staged file {name!r} was not written ({path})")
        self._files[name] = ManifestFile(name=name, rows=rows, bytes=info.size)
        return self._files[name]

    def publish(self) -> Manifest:
        """Write the manifest and swap the staged files in as the partition; closes the stage."""
        self._require_open()
        if not self._files:
            raise ValueError(f"{self._describe()}: nothing to publish, no file was added")
        manifest = Manifest(
            dataset=self.partition.dataset,
            partition=self.partition.key,
            format=self.format,
            files=self.files,
            created_at=datetime.now(UTC),
            schema_version=self.schema_version,
        )
        if self.location.is_local:
            self._swap_local(manifest)
        else:
            self._replace_s3(manifest)
        self._closed = True
        return manifest

    def discard(self) -> None:
        """Drop everything staged; the published partition (if any) stays as it was."""
        self._closed = True
        self.location.delete_tree(self.staging_dir)

    def _swap_local(self, manifest: Manifest) -> None:
        fs = self.location.filesystem
        _write_bytes(fs, f"{self.staging_dir}/{MANIFEST_NAME}", manifest.to_json())
        self.location.make_dirs(self.final_dir.rsplit("/", 1)[0])
        replaced = None
        if fs.get_file_info(self.final_dir).type != pafs.FileType.NotFound:
            replaced = self.location.join(
                STAGING_DIR, f"_replaced-{self.partition.dataset}-{self.partition.staging_id}-{uuid.uuid4().hex}"
            )
            fs.move(self.final_dir, replaced)
        try:
            fs.move(self.staging_dir, self.final_dir)
        except BaseException:
            if replaced is not None:
                fs.move(replaced, self.final_dir)
            raise
        if replaced is not None:
            self.location.delete_tree(replaced)

    def _replace_s3(self, manifest: Manifest) -> None:
        fs = self.location.filesystem
        previous = self.location.list_files(self.final_dir)
        for name in self._files:
            fs.copy_file(f"{self.staging_dir}/{name}", f"{self.final_dir}/{name}")
        _write_bytes(fs, f"{self.final_dir}/{MANIFEST_NAME}", manifest.to_json())
        current = {f"{self.final_dir}/{name}" for name in [*self._files, MANIFEST_NAME]}
        self.location.delete_files(path for path in previous if path not in current)
        self.location.delete_tree(self.staging_dir)

    def _require_open(self) -> None:
        if self._closed:
            raise RuntimeError(f"{self._describe()}: the stage is closed (already published or discarded)")

    def _describe(self) -> str:
        return f"{self.partition.dataset} partition {self.partition.key or '(unpartitioned)'}"


def stage_partition(
    location: LakeLocation, partition: LakePartition, format: str, schema_version: int | None = None
) -> StagedPartition:
    """Start writing a partition; use as ``with stage_partition(...) as staged: ...; staged.publish()``."""
    return StagedPartition(location, partition, format, schema_version)


def _write_bytes(fs: pafs.FileSystem, path: str, data: bytes) -> None:
    with fs.open_output_stream(path, compression=None) as stream:
        stream.write(data)
