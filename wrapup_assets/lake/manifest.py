"""The partition manifest: the file list a reader trusts instead of listing the directory.

Written last into a partition, it is the commit marker: a partition without one was never
published, and only the files it names are part of the partition. Each file is listed under the
name it has in the partition directory, with its rows, bytes and SHA-256, and under its logical
name (``part-00000.parquet``, ``pages.jsonl.zst``): the same on local disk, while on S3 the
published name carries a content hash (see ``lake.publish``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from wrapup_assets.lake.errors import ManifestFormatError, PartitionNotPublishedError
from wrapup_assets.lake.location import LakeLocation
from wrapup_assets.lake.partitioning import LakePartition

MANIFEST_NAME = "_manifest.json"

T = TypeVar("T")


@dataclass(frozen=True)
class ManifestFile:
    """One published file: its name inside the partition, its row count (None for sidecars), its size.

    ``logical_name`` is the name the writer gave it (defaults to ``name``); ``sha256`` is the hex
    digest of its bytes (None only in manifests written before digests were recorded).
    """

    name: str
    rows: int | None
    bytes: int
    sha256: str | None = None
    logical_name: str = ""

    def __post_init__(self) -> None:
        if not self.logical_name:
            object.__setattr__(self, "logical_name", self.name)


@dataclass(frozen=True)
class Manifest:
    """What a published partition holds, and when and under which record schema it was written."""

    dataset: str
    partition: str | None
    format: str
    files: tuple[ManifestFile, ...]
    created_at: datetime
    schema_version: int | None

    @property
    def total_rows(self) -> int:
        """Rows (or pages) over every counted file; sidecar files carry no rows."""
        return sum(file.rows for file in self.files if file.rows is not None)

    @property
    def total_bytes(self) -> int:
        """Bytes of every listed file, the manifest itself excluded."""
        return sum(file.bytes for file in self.files)

    def to_json(self) -> bytes:
        """Stable, human-readable JSON, so a person can `cat` a manifest and diff two of them."""
        document = {
            "dataset": self.dataset,
            "partition": self.partition,
            "format": self.format,
            "files": [
                {
                    "name": file.name,
                    "logical_name": file.logical_name,
                    "rows": file.rows,
                    "bytes": file.bytes,
                    "sha256": file.sha256,
                }
                for file in self.files
            ],
            "total_rows": self.total_rows,
            "total_bytes": self.total_bytes,
            "schema_version": self.schema_version,
            "created_at": self.created_at.isoformat(),
        }
        return json.dumps(document, indent=2).encode() + b"\n"

    @classmethod
    def from_json(cls, data: bytes) -> Manifest:
        """Parse a manifest; anything malformed raises ManifestFormatError rather than a KeyError."""
        try:
            document: dict[str, Any] = json.loads(data)
            manifest = cls(
                dataset=str(document["dataset"]),
                partition=_optional(document["partition"], str),
                format=str(document["format"]),
                files=tuple(
                    ManifestFile(
                        name=str(file["name"]),
                        rows=_optional(file["rows"], int),
                        bytes=int(file["bytes"]),
                        sha256=_optional(file.get("sha256"), str),
                        logical_name=str(file.get("logical_name") or file["name"]),
                    )
                    for file in document["files"]
                ),
                created_at=datetime.fromisoformat(document["created_at"]),
                schema_version=_optional(document.get("schema_version"), int),
            )
        except (ValueError, KeyError, TypeError) as error:
            raise ManifestFormatError(f"not a lake manifest: {error!r}") from error
        if manifest.created_at.tzinfo is None:
            raise ManifestFormatError(f"manifest created_at {document['created_at']!r} has no timezone")
        return manifest

    def file_names(self) -> list[str]:
        """The listed file names, in manifest order (the order rows were written)."""
        return [file.name for file in self.files]

    def file_named(self, logical_name: str) -> ManifestFile | None:
        """The listed file the writer called ``logical_name`` (e.g. pages.jsonl.zst), if any."""
        return next((file for file in self.files if file.logical_name == logical_name), None)


def _optional(value: object, kind: Callable[[Any], T]) -> T | None:
    return None if value is None else kind(value)


def manifest_path(location: LakeLocation, partition: LakePartition) -> str:
    """Where a partition's manifest is (or would be) published."""
    return location.join(partition.relative_dir, MANIFEST_NAME)


def read_manifest(location: LakeLocation, partition: LakePartition) -> Manifest:
    """The published manifest of a partition; PartitionNotPublishedError when there is none."""
    path = manifest_path(location, partition)
    try:
        with location.filesystem.open_input_stream(path, compression=None) as stream:
            data = stream.read()
    except FileNotFoundError as error:
        raise PartitionNotPublishedError(partition.dataset, {partition.key: location.display_path(path)}) from error
    try:
        return Manifest.from_json(data)
    except ManifestFormatError as error:
        raise ManifestFormatError(f"{location.display_path(path)}: {error}") from error
