"""What an asset hands to the lake IO manager for raw pages, and what a downstream asset gets back."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from wrapup_assets.lake.lake import Lake, PublishedPartition
from wrapup_assets.lake.location import LakeLocation
from wrapup_assets.lake.manifest import Manifest
from wrapup_assets.lake.partitioning import LakePartition


@dataclass
class RawPagesOutput:
    """An hour of raw API pages to store, as a stream: a busy hour never sits in memory.

    ``pages`` are compact JSON documents (one per page, no newline); ``sidecar_files`` are small
    files stored next to them as-is, e.g. the ``wrapup_codes.json`` catalog used for the labels.
    """

    pages: Iterable[bytes]
    sidecar_files: Mapping[str, bytes] = field(default_factory=dict)


@dataclass
class HourlyRawPagesOutput:
    """The raw pages of every hour of a run over a range (a backfill): each hour becomes its own
    partition, published on its own manifest, in key order."""

    hours: Mapping[str, RawPagesOutput]


@dataclass(frozen=True)
class RawPagesPartition:
    """A published raw-pages partition, read lazily: pages are streamed only when iterated."""

    location: LakeLocation
    partition: LakePartition
    manifest: Manifest

    def iter_pages(self) -> Iterator[bytes]:
        """Each stored page's JSON bytes, in the order they were fetched."""
        return Lake(self.location).pages(self._published)

    def read_sidecar(self, name: str) -> bytes | None:
        """A sidecar file's bytes, or None when this partition was published without it."""
        return Lake(self.location).sidecar(self._published, name)

    @property
    def _published(self) -> PublishedPartition:
        return PublishedPartition(self.partition, self.manifest)
