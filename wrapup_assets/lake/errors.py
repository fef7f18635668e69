"""The lake's exceptions: each names the setting, dataset, partition or path a person must look at."""

from __future__ import annotations

from collections.abc import Mapping


class LakeError(Exception):
    """Base class, so callers can catch every lake failure in one place."""


class LakeSettingsError(LakeError, ValueError):
    """WRAPUP_LAKE_URL (or a related setting) cannot be used: raised at start-up, not mid-run."""


class PartitionNotPublishedError(LakeError, LookupError):
    """A reader asked for partitions that have no manifest, i.e. were never (completely) published.

    ``missing`` maps each partition key (None for an unpartitioned dataset) to the manifest path
    that was looked for, so the message tells a person exactly which hours or days to materialize.
    """

    def __init__(self, dataset: str, missing: Mapping[str | None, str]) -> None:
        self.dataset = dataset
        self.missing = dict(missing)
        described = ", ".join(f"{key or 'unpartitioned'} (no manifest at {path})" for key, path in self.missing.items())
        noun = "partition is" if len(self.missing) == 1 else f"{len(self.missing)} partitions are"
        super().__init__(f"{dataset}: {noun} not published: {described}")


class ManifestFormatError(LakeError, ValueError):
    """A manifest exists but is not one this code wrote: the partition cannot be trusted."""


class CorruptPageFileError(LakeError, OSError):
    """A raw pages file is truncated or corrupt: the partition must be re-materialized."""


class UnsupportedPartitioningError(LakeError, ValueError):
    """The asset's partitioning or the run's partition selection is not one the lake can store."""
