"""The lake as one component: where each partition lives, how it is written and how it is read.

Everything that touches the lake goes through a `Lake`: the IO manager (thin Dagster glue), the
assets that publish the hours of a range run themselves, the checks, the daily compaction and the
code history. Writing stages a partition's files and publishes them at once on their manifest
(`lake.publish`); reading trusts only a published manifest (`lake.manifest.read_manifest`, the one
manifest reader) and exactly the files it lists, as a table, a stream of record batches or an
Arrow dataset.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.parquet as pq

from wrapup_assets.lake.errors import ManifestFormatError, PartitionNotPublishedError
from wrapup_assets.lake.location import LakeLocation
from wrapup_assets.lake.manifest import Manifest, read_manifest
from wrapup_assets.lake.page_files import PAGES_FILE_NAME, iter_page_lines, write_pages
from wrapup_assets.lake.parquet_files import DEFAULT_TARGET_FILE_BYTES, read_parquet_partition, write_parquet_parts
from wrapup_assets.lake.partitioning import LakePartition
from wrapup_assets.lake.publish import stage_partition

if TYPE_CHECKING:
    from dagster_aws.s3 import S3Resource

PARQUET_FORMAT = "parquet"
PAGES_FORMAT = "jsonl.zst"
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


@dataclass(frozen=True)
class PublishedPartition:
    """A partition with the manifest it was read under: what every read of its files goes by."""

    partition: LakePartition
    manifest: Manifest

    @property
    def key(self) -> str:
        """The Dagster partition key, or `(unpartitioned)`."""
        return self.partition.key or "(unpartitioned)"


@dataclass(frozen=True)
class Lake:
    """The lake at one location (a local directory or an S3 prefix)."""

    location: LakeLocation
    target_file_bytes: int = DEFAULT_TARGET_FILE_BYTES
    """Parquet part files roll over before passing this size."""

    @classmethod
    def from_url(
        cls, url: str, s3: S3Resource | None = None, target_file_bytes: int = DEFAULT_TARGET_FILE_BYTES
    ) -> Lake:
        """The lake at WRAPUP_LAKE_URL's value; an unusable value fails here, before any work."""
        return cls(LakeLocation.from_url(url, s3), target_file_bytes)

    # Where partitions live.

    @staticmethod
    def hour(dataset: str, start: datetime) -> LakePartition:
        """The hourly partition of `dataset` that starts at `start` (UTC)."""
        return LakePartition.from_time_window(dataset, start, start + HOUR)

    @staticmethod
    def day(dataset: str, start: datetime) -> LakePartition:
        """The daily partition of `dataset` that starts at `start` (UTC midnight)."""
        return LakePartition.from_time_window(dataset, start, start + DAY)

    def display_path(self, partition: LakePartition) -> str:
        """The partition's directory as a person copies it: an absolute local path or an s3:// URL."""
        return self.location.display_path(self.location.join(partition.relative_dir))

    # Writing: every partition is staged, then published at once on its manifest.

    def write_records(
        self, partition: LakePartition, rows: pa.Table | pa.RecordBatchReader, schema_version: int | None
    ) -> Manifest:
        """Publish rows as the partition's Parquet part files (streamed: a reader is never held whole)."""
        with stage_partition(self.location, partition, PARQUET_FORMAT, schema_version) as staged:
            write_parquet_parts(rows, rows.schema, staged, self.target_file_bytes)
            return staged.publish()

    def write_pages(
        self, partition: LakePartition, pages: Iterable[bytes], sidecar_files: Mapping[str, bytes]
    ) -> Manifest:
        """Publish API pages as the partition's pages.jsonl.zst, streamed, plus small sidecar files."""
        with stage_partition(self.location, partition, PAGES_FORMAT) as staged:
            write_pages(pages, staged)
            for name, data in sidecar_files.items():
                with staged.open_output_stream(name) as stream:
                    stream.write(data)
                staged.add_file(name, rows=None)
            return staged.publish()

    # Manifests.

    def published(self, partition: LakePartition) -> PublishedPartition:
        """The partition as published; PartitionNotPublishedError when it has no manifest."""
        return PublishedPartition(partition, read_manifest(self.location, partition))

    def published_or_none(self, partition: LakePartition) -> PublishedPartition | None:
        """The partition as published, or None when it never was."""
        try:
            return self.published(partition)
        except PartitionNotPublishedError:
            return None

    def published_all(self, partitions: Sequence[LakePartition]) -> list[PublishedPartition]:
        """Every partition as published, in order; one error naming all those that are not."""
        found: list[PublishedPartition] = []
        missing: dict[str | None, str] = {}
        for partition in partitions:
            try:
                found.append(self.published(partition))
            except PartitionNotPublishedError as error:
                missing.update(error.missing)
        if missing:
            raise PartitionNotPublishedError(partitions[0].dataset, missing)
        return found

    # Reading exactly the files a manifest lists.

    def read_table(self, published: PublishedPartition, columns: Sequence[str] | None = None) -> pa.Table:
        """The partition's rows (only `columns` when given: Parquet reads just those column chunks)."""
        return read_parquet_partition(self.location, published.partition, published.manifest, columns)

    def published_table(self, partition: LakePartition) -> pa.Table | None:
        """The partition's rows, or None when it was never published (e.g. a history's first run)."""
        published = self.published_or_none(partition)
        return None if published is None else self.read_table(published)

    def record_batches(
        self, published: PublishedPartition, batch_size: int, columns: Sequence[str] | None = None
    ) -> Iterator[pa.RecordBatch]:
        """The partition's rows file after file in manifest order, at most `batch_size` rows a batch."""
        for path in self.file_paths(published):
            with self.location.filesystem.open_input_file(path) as file:
                yield from pq.ParquetFile(file).iter_batches(batch_size=batch_size, columns=columns)

    def file_schemas(self, published: PublishedPartition) -> list[pa.Schema]:
        """Each listed Parquet file's Arrow schema, read from its footer only."""
        schemas = []
        for path in self.file_paths(published):
            with self.location.filesystem.open_input_file(path) as file:
                schemas.append(pq.ParquetFile(file).schema_arrow)
        return schemas

    def dataset(self, published: Sequence[PublishedPartition]) -> pads.Dataset:
        """An Arrow dataset over the listed files of several partitions (a range), for scans and filters."""
        paths = [path for partition in published for path in self.file_paths(partition)]
        return pads.dataset(paths, format="parquet", filesystem=self.location.filesystem)

    def pages(self, published: PublishedPartition) -> Iterator[bytes]:
        """Each stored API page's JSON bytes, in the order they were fetched, streamed."""
        pages_file = published.manifest.file_named(PAGES_FILE_NAME)
        if pages_file is None:
            raise ManifestFormatError(
                f"{published.partition.dataset} partition {published.key}: the manifest lists no {PAGES_FILE_NAME}"
            )
        return iter_page_lines(self.location, self.location.join(published.partition.relative_dir, pages_file.name))

    def sidecar(self, published: PublishedPartition, name: str) -> bytes | None:
        """A sidecar file's bytes, or None when the partition was published without it."""
        listed = published.manifest.file_named(name)
        if listed is None:
            return None
        path = self.location.join(published.partition.relative_dir, listed.name)
        with self.location.filesystem.open_input_stream(path, compression=None) as stream:
            return stream.read()

    def file_paths(self, published: PublishedPartition) -> list[str]:
        """The paths of the files the manifest lists, in its order, on the lake's filesystem."""
        return [self.location.join(published.partition.relative_dir, name) for name in published.manifest.file_names()]
