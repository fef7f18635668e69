"""Reading published lake partitions from inside an asset, where the IO manager's input cannot serve.

Two assets need that: `wrapup_daily` reads its 24 hours one table per hour (the IO manager hands
a multi-partition input over as one concatenated table, and concatenating an hour whose types
drifted fails before any check could name the hour and column), and `wrapup_codes` reads its own
previous version (Dagster does not allow an unpartitioned asset to depend on itself). Both read
exactly the files each manifest lists, like the IO manager, at the IO manager's location (the
assets take it as `io_manager: dg.ResourceParam[LakeIOManager]`).
"""

from collections.abc import Sequence

import pyarrow as pa

from wrapup_assets.lake.errors import PartitionNotPublishedError
from wrapup_assets.lake.location import LakeLocation
from wrapup_assets.lake.manifest import read_manifest
from wrapup_assets.lake.parquet_files import read_parquet_partition
from wrapup_assets.lake.partitioning import LakePartition


def read_published_tables(location: LakeLocation, partitions: Sequence[LakePartition]) -> dict[str, pa.Table]:
    """Each partition's table by partition key; one error naming every partition not published."""
    tables: dict[str, pa.Table] = {}
    missing: dict[str | None, str] = {}
    for partition in partitions:
        try:
            manifest = read_manifest(location, partition)
        except PartitionNotPublishedError as error:
            missing.update(error.missing)
            continue
        tables[partition.key] = read_parquet_partition(location, partition, manifest)
    if missing:
        raise PartitionNotPublishedError(partitions[0].dataset, missing)
    return tables


def read_published_table(location: LakeLocation, partition: LakePartition) -> pa.Table | None:
    """The partition's table, or None when it was never published."""
    try:
        manifest = read_manifest(location, partition)
    except PartitionNotPublishedError:
        return None
    return read_parquet_partition(location, partition, manifest)
