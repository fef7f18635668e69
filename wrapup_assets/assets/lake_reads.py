"""Reading published lake partitions from inside an asset, where the IO manager's input cannot serve.

Two assets need that: `wrapup_daily` streams its 24 hours itself (the IO manager hands a
multi-partition input over as one concatenated table: a whole day in memory, and an hour whose
types drifted fails the concatenation before any check could name the hour and column), and
`wrapup_codes` reads its own previous version (Dagster does not allow an unpartitioned asset to
depend on itself). Both read exactly the files each manifest lists, like the IO manager, at the IO
manager's location (the assets take it as `io_manager: dg.ResourceParam[LakeIOManager]`).
"""

from collections.abc import Sequence

import pyarrow as pa

from wrapup_assets.lake.errors import PartitionNotPublishedError
from wrapup_assets.lake.location import LakeLocation
from wrapup_assets.lake.manifest import Manifest, read_manifest
from wrapup_assets.lake.parquet_files import read_parquet_partition
from wrapup_assets.lake.partitioning import LakePartition


def read_published_manifests(location: LakeLocation, partitions: Sequence[LakePartition]) -> dict[str, Manifest]:
    """Each partition's manifest by partition key; one error naming every partition not published."""
    manifests: dict[str, Manifest] = {}
    missing: dict[str | None, str] = {}
    for partition in partitions:
        try:
            manifests[partition.key] = read_manifest(location, partition)
        except PartitionNotPublishedError as error:
            missing.update(error.missing)
    if missing:
        raise PartitionNotPublishedError(partitions[0].dataset, missing)
    return manifests


def read_published_table(location: LakeLocation, partition: LakePartition) -> pa.Table | None:
    """The partition's table, or None when it was never published."""
    try:
        manifest = read_manifest(location, partition)
    except PartitionNotPublishedError:
        return None
    return read_parquet_partition(location, partition, manifest)
