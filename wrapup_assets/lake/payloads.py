"""What assets hand to the lake IO manager for raw pages, and what a downstream asset gets back."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from wrapup_assets.lake.errors import ManifestFormatError
from wrapup_assets.lake.location import LakeLocation
from wrapup_assets.lake.manifest import Manifest, ManifestFile
from wrapup_assets.lake.page_files import PAGES_FILE_NAME, iter_page_lines
from wrapup_assets.lake.partitioning import LakePartition

# A figure an exporter reports about what it stored (counts, ratios, how it fetched).
MetadataFigure = int | float | str


@dataclass
class RawPagesOutput:
    """An hour of raw API pages to store: streamed, so a busy hour never sits in memory.

    ``pages`` are compact JSON documents (one per page, no newline); ``sidecar_files`` are small
    files stored next to them as-is, e.g. the ``wrapup_codes.json`` catalog used for the labels.
    ``summary`` is asked once the pages are drained, for figures only known then (API requests,
    conversations), which the IO manager adds to the materialization's metadata.
    """

    pages: Iterable[bytes]
    sidecar_files: Mapping[str, bytes] = field(default_factory=dict)
    summary: Callable[[], Mapping[str, MetadataFigure]] | None = None
    close: Callable[[], None] | None = None
    """Releases what the pages are read from (the API client); the IO manager calls it once the
    partition is stored or has failed."""


@dataclass
class HourlyRawPagesOutput:
    """Raw pages of several consecutive hours fetched in one run (a backfill through a details job).

    ``hours`` maps every partition key of the run to that hour's pages; each hour becomes its own
    partition, published on its own manifest once every hour is staged. ``summary`` is asked once
    all hours are drained, for run-wide figures (requests, fetch path) that go on every hour's
    materialization; ``close`` releases the spool and the client, whatever happened.
    """

    hours: Mapping[str, RawPagesOutput]
    summary: Callable[[], Mapping[str, MetadataFigure]] | None = None
    close: Callable[[], None] | None = None


@dataclass(frozen=True)
class RawPagesPartition:
    """A published raw-pages partition, read lazily: pages are streamed only when iterated."""

    location: LakeLocation
    partition: LakePartition
    manifest: Manifest

    def iter_pages(self) -> Iterator[bytes]:
        """Each stored page's JSON bytes, in the order they were fetched."""
        pages_file = self.manifest.file_named(PAGES_FILE_NAME)
        if pages_file is None:
            raise ManifestFormatError(
                f"{self.partition.dataset} partition {self.partition.key}: the manifest lists no {PAGES_FILE_NAME}"
            )
        return iter_page_lines(self.location, self._path(pages_file))

    def read_sidecar(self, name: str) -> bytes | None:
        """A sidecar file's bytes, or None when this partition was published without it."""
        listed = self.manifest.file_named(name)
        if listed is None:
            return None
        with self.location.filesystem.open_input_stream(self._path(listed), compression=None) as stream:
            return stream.read()

    def _path(self, file: ManifestFile) -> str:
        return self.location.join(self.partition.relative_dir, file.name)
