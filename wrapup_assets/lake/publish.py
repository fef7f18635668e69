"""Publishing a partition so readers never see a half-written, mixed or doubled one.

The protocol, on local disk and on S3:

1. **Stage.** Every file of the partition is written under
   ``{root}/_staging/{dataset}/{partition}-{uuid}/`` (outside the dataset trees, so no glob of a
   dataset sees it); each file's SHA-256 is computed while it streams.
2. **Commit.** ``_manifest.json``, listing every file with its rows, bytes and SHA-256, is
   published last. It is the commit point: readers and downstream assets trust only a partition
   with a manifest, and only the files it lists.
3. **Clean.** Files of the previous version that the new manifest does not list are removed after
   it is published; stages of the same partition left by killed runs are removed by a later
   publish once older than ``STALE_STAGE_AGE`` (until then they are ignored: nothing reads
   ``_staging``).

**Local disk** keeps the logical file names (``part-00000.parquet``): the manifest is written into
the stage, the current partition directory is renamed aside, the stage renamed into place, and the
old directory deleted. Two renames on one filesystem: a reader sees the old partition or, for an
instant (or after a crash between the renames), none; never a mix.

**S3** has no rename, and overwriting an object in place lets a reader pair an old manifest with
new bytes (or read a Parquet footer of one version and pages of the next, since engines read
Parquet with several range requests). So on S3 the **Parquet files are content-addressed**:
``part-00000-<first 16 hex digits of its SHA-256>.parquet``, never overwritten with other bytes.
The staged objects are copied server-side to their final keys (a content-addressed key that
already exists holds the same bytes and is not copied again), the manifest is PUT (atomic), then
every other key of the partition is deleted. Consequences, documented for readers in the README:

* a reader that trusts the manifest sees exactly one version of a Parquet partition: the files of
  the manifest it read stay intact until they are deleted (then a FileNotFoundError: re-read the
  manifest), never replaced by other bytes;
* re-materializing unchanged rows gives the same bytes, hence the same keys: the partition's
  objects do not change at all, and a glob sees no window;
* a ``*.parquet`` glob over a dataset sees, while a *changed* partition is republished (from the
  first copy to the deletes, seconds), or after a crash in that window until the next run of
  that partition, the new files next to the old ones. Deterministic names would instead show a
  mix of versions under the same names in that window, and leave that mix published after a
  crash, where no reader could tell. Exact readers use the manifest.

The raw-pages files (``pages.jsonl.zst``, ``wrapup_codes.json``) keep their names on S3 too: only
this exporter reads them, through the manifest, each in one streaming GET, and the catalog
sidecar embeds its fetch time, so a content-addressed name would change on every run although
the pages did not. Their manifest's SHA-256 lets a reader detect a file replaced under it.

**Two runs of one partition at once** stage in parallel, but steps 2 and 3 (from listing what is
published to the clean-up) run under a per-partition lease (``lake.lease``): a second publisher
waits, then publishes its whole version over the first. Without it, interleaved publishes could
delete or (fixed names) overwrite files that the other's manifest names.

A failure inside the staging context, or leaving it without ``publish()``, deletes the stage and
leaves the published partition untouched.
"""

from __future__ import annotations

import hashlib
import io
import uuid
from datetime import UTC, datetime, timedelta
from types import TracebackType

import pyarrow as pa
import pyarrow.fs as pafs

from wrapup_assets.lake.crash_points import crash_point
from wrapup_assets.lake.lease import publish_lease
from wrapup_assets.lake.location import LakeLocation
from wrapup_assets.lake.manifest import MANIFEST_NAME, Manifest, ManifestFile
from wrapup_assets.lake.partitioning import LakePartition

STAGING_DIR = "_staging"
# A stage untouched for this long belongs to a killed run: no partition takes hours to write.
STALE_STAGE_AGE = timedelta(hours=6)
CONTENT_HASH_CHARS = 16
PARQUET_SUFFIX = ".parquet"
_REPLACED_SUFFIX = ".replaced"


class DigestingOutputStream(io.RawIOBase):
    """A write-only stream that forwards to a pyarrow stream and keeps the SHA-256 and size of what passed."""

    def __init__(self, target: pa.NativeFile) -> None:
        super().__init__()
        self._target = target
        self._sha256 = hashlib.sha256()
        self._size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:
        view = memoryview(data)
        self._target.write(view)
        self._sha256.update(view)
        self._size += view.nbytes
        return view.nbytes

    def tell(self) -> int:
        return self._size

    def close(self) -> None:
        if not self.closed:
            self._target.close()
        super().close()

    @property
    def size(self) -> int:
        """Bytes written so far."""
        return self._size

    def hexdigest(self) -> str:
        """The SHA-256 of the bytes written so far, in hex."""
        return self._sha256.hexdigest()


def content_addressed_name(name: str, sha256: str) -> str:
    """``part-00000.parquet`` -> ``part-00000-<16 hex>.parquet``: the name a file is published under on S3."""
    stem, dot, extension = name.partition(".")
    return f"{stem}-{sha256[:CONTENT_HASH_CHARS]}{dot}{extension}"


class StagedPartition:
    """A partition being written: files go to staging until ``publish()`` commits them at once."""

    def __init__(
        self, location: LakeLocation, partition: LakePartition, format: str, schema_version: int | None = None
    ) -> None:
        self.location = location
        self.partition = partition
        self.format = format
        self.schema_version = schema_version
        self.stages_dir = location.join(STAGING_DIR, partition.dataset)
        self.staging_dir = f"{self.stages_dir}/{partition.staging_id}-{uuid.uuid4().hex}"
        self.final_dir = location.join(partition.relative_dir)
        self._streams: dict[str, DigestingOutputStream] = {}
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
        """Where the file ``name`` of this partition is staged."""
        self._require_open()
        if not name or "/" in name or name in (".", "..", MANIFEST_NAME):
            raise ValueError(f"{self._describe()}: {name!r} is not a valid partition file name")
        return f"{self.staging_dir}/{name}"

    def open_output_stream(self, name: str) -> DigestingOutputStream:
        """A raw output stream for a staged file (no compression by extension); the caller closes it."""
        target = self.location.filesystem.open_output_stream(self.path(name), compression=None)
        self._streams[name] = DigestingOutputStream(target)
        return self._streams[name]

    def add_file(self, name: str, rows: int | None) -> ManifestFile:
        """Record a finished (closed) staged file for the manifest, with its size and SHA-256."""
        path = self.path(name)
        stream = self._streams.get(name)
        if stream is None or not stream.closed:
            state = "was not written" if stream is None else "is still open"
            raise FileNotFoundError(f"{self._describe()}: staged file {name!r} {state} ({path})")
        sha256 = stream.hexdigest()
        content_addressed = not self.location.is_local and name.endswith(PARQUET_SUFFIX)
        published_name = content_addressed_name(name, sha256) if content_addressed else name
        self._files[name] = ManifestFile(
            name=published_name, rows=rows, bytes=stream.size, sha256=sha256, logical_name=name
        )
        return self._files[name]

    def publish(self) -> Manifest:
        """Write the manifest, make the staged files the partition, remove what they replace."""
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
        crash_point("files_staged", self.partition.dataset)
        with publish_lease(self.location, self.partition, self.stages_dir):
            if self.location.is_local:
                self._swap_local(manifest)
            else:
                self._publish_content_addressed(manifest)
        self._closed = True
        remove_stale_stages(self.location, self.partition, datetime.now(UTC) - STALE_STAGE_AGE)
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
        if self.location.exists(self.final_dir):
            replaced = f"{self.staging_dir}{_REPLACED_SUFFIX}"
            fs.move(self.final_dir, replaced)
            crash_point("partition_moved_aside", self.partition.dataset)
        try:
            fs.move(self.staging_dir, self.final_dir)
        except BaseException:
            if replaced is not None:
                fs.move(replaced, self.final_dir)
            raise
        crash_point("manifest_published", self.partition.dataset)
        if replaced is not None:
            self.location.delete_tree(replaced)

    def _publish_content_addressed(self, manifest: Manifest) -> None:
        fs = self.location.filesystem
        previous = set(self.location.list_files(self.final_dir))
        for file in manifest.files:
            final_path = f"{self.final_dir}/{file.name}"
            content_addressed = file.name != file.logical_name
            if not (content_addressed and final_path in previous):  # such a key already holds these bytes
                fs.copy_file(f"{self.staging_dir}/{file.logical_name}", final_path)
                crash_point("data_file_copied", self.partition.dataset)
        _write_bytes(fs, f"{self.final_dir}/{MANIFEST_NAME}", manifest.to_json())
        crash_point("manifest_published", self.partition.dataset)
        current = {f"{self.final_dir}/{name}" for name in [*manifest.file_names(), MANIFEST_NAME]}
        self.location.delete_files(sorted(previous - current))
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


def remove_stale_stages(location: LakeLocation, partition: LakePartition, older_than: datetime) -> list[str]:
    """Delete this partition's stages (and set-aside old versions) last touched before ``older_than``.

    They are what killed runs leave behind; nothing reads them, this only reclaims the space.
    Returns the stage directories removed.
    """
    stages_dir = location.join(STAGING_DIR, partition.dataset)
    newest: dict[str, datetime] = {}
    selector = pafs.FileSelector(stages_dir, recursive=True, allow_not_found=True)
    for info in location.filesystem.get_file_info(selector):
        stage = info.path[len(stages_dir) + 1 :].split("/", 1)[0]
        if stage.startswith(f"{partition.staging_id}-") and info.mtime is not None:
            newest[stage] = max(newest.get(stage, info.mtime), info.mtime)
    stale = sorted(stage for stage, modified in newest.items() if modified < older_than)
    for stage in stale:
        location.delete_tree(f"{stages_dir}/{stage}")
    return stale


def _write_bytes(fs: pafs.FileSystem, path: str, data: bytes) -> None:
    with fs.open_output_stream(path, compression=None) as stream:
        stream.write(data)
