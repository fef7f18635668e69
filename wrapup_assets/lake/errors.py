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
        super().__init__(f"{dataset}: {_describe_missing(self.missing)}")


# A message names this many keys at most: the first ones and the last ones of a longer list.
_KEYS_NAMED = 6


def _describe_missing(missing: Mapping[str | None, str]) -> str:
    """One partition with its manifest path; several as a count, their keys (the first and last
    few of a long list) and the first path looked for, e.g. for a day missing 23 hours."""
    keys = [key or "unpartitioned" for key in missing]
    paths = list(missing.values())
    if len(keys) == 1:
        return f"partition is not published: {keys[0]} (no manifest at {paths[0]})"
    named = keys if len(keys) <= _KEYS_NAMED else [*keys[: _KEYS_NAMED // 2], "...", *keys[-(_KEYS_NAMED // 2) :]]
    return (
        f"{len(keys)} partitions are not published: {', '.join(named)} "
        f"(no manifest at {paths[0]}, nor for the {len(keys) - 1} others); materialize them first"
    )


class ManifestFormatError(LakeError, ValueError):
    """A manifest exists but is not one this code wrote: the partition cannot be trusted."""


class CorruptPageFileError(LakeError, OSError):
    """A raw pages file is truncated or corrupt: the partition must be re-materialized."""


class UnsupportedPartitioningError(LakeError, ValueError):
    """The asset's partitioning or the run's partition selection is not one the lake can store."""
