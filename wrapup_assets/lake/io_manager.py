"""The Dagster IO manager that stores assets in the lake: thin glue over the `Lake`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import dagster as dg
import pyarrow as pa
from dagster_aws.s3 import S3Resource
from pydantic import Field

from wrapup_assets.lake.errors import UnsupportedPartitioningError
from wrapup_assets.lake.lake import PAGES_FORMAT, PARQUET_FORMAT, Lake
from wrapup_assets.lake.location import LAKE_URL_ENV_VAR, LakeLocation
from wrapup_assets.lake.manifest import Manifest, ManifestFile
from wrapup_assets.lake.parquet_files import DEFAULT_TARGET_FILE_BYTES
from wrapup_assets.lake.partitioning import LakePartition
from wrapup_assets.lake.payloads import HourlyRawPagesOutput, RawPagesOutput, RawPagesPartition

TEMPORARY_INSTANCE_PREFIX = ".tmp_dagster_home_"
"""Directory prefix of the instance Dagster's CLI makes when DAGSTER_HOME is unset (removed at exit)."""
TEMPORARY_INSTANCE_WARNING = (
    "DAGSTER_HOME is not set: this run is on a temporary Dagster instance. The lake is written, but the "
    "run, its materializations and its check results are thrown away when the command exits and never "
    "show in the UI. Set DAGSTER_HOME to the instance the UI uses, e.g. export DAGSTER_HOME=$PWD/data/dagster_home"
)


def is_temporary_instance(instance: dg.DagsterInstance) -> bool:
    """An in-memory instance, or the throwaway one Dagster's CLI creates without DAGSTER_HOME."""
    return instance.is_ephemeral or Path(instance.root_directory).name.startswith(TEMPORARY_INSTANCE_PREFIX)


class LakeIOManager(dg.ConfigurableIOManager):
    """Stores each asset partition as a published lake partition, Hive-laid-out and manifest-guarded.

    Writes and reads go through the `Lake`: a ``pa.Table`` or a ``pa.RecordBatchReader`` (a stream)
    becomes Parquet part files, a ``RawPagesOutput`` (a stream of pages) pages.jsonl.zst plus its
    sidecar files; downstream assets read exactly the files each upstream manifest lists. A run
    over a range of partitions publishes each partition from the asset itself (through the same
    `Lake`), not through one output.
    An s3:// lake is reached through the nested dagster-aws ``S3Resource``.
    """

    lake_url: str = Field(
        description=(
            f"Lake root, normally from {LAKE_URL_ENV_VAR}: a local directory (default ./data/lake) "
            "or s3://bucket/prefix."
        )
    )
    s3: S3Resource | None = Field(
        default=None,
        description=(
            "How to reach an s3:// lake (region, endpoint_url for S3-compatible stores, profile or keys); "
            "unset fields fall back to AWS_REGION, AWS_ENDPOINT_URL and the default AWS credential chain."
        ),
    )
    target_file_bytes: int = Field(
        default=DEFAULT_TARGET_FILE_BYTES,
        description="Parquet part files roll over before passing this size (default 256 MiB).",
    )

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        """Warn once per run when the run's history will not be kept: the lake outlives the
        instance, so a user would otherwise find data the UI knows nothing about."""
        if context.instance is not None and is_temporary_instance(context.instance):
            (context.log or dg.get_dagster_logger()).warning(TEMPORARY_INSTANCE_WARNING)

    def location(self) -> LakeLocation:
        """The lake root this IO manager reads and writes."""
        return LakeLocation.from_url(self.lake_url, self.s3)

    def lake(self) -> Lake:
        """The lake this IO manager reads and writes, for assets and checks that read or publish
        partitions themselves."""
        return Lake(self.location(), self.target_file_bytes)

    def handle_output(self, context: dg.OutputContext, obj: object) -> None:
        """Publish one partition from the stream or table the asset produced, then tell the UI where
        it went and what it holds."""
        lake = self.lake()
        if isinstance(obj, HourlyRawPagesOutput):
            self._publish_hours(context, lake, obj)
            return
        partition = _output_partition(context)
        if isinstance(obj, pa.Table):
            manifest = lake.write_records(partition, obj, _schema_version(obj))
            counts: dict[str, object] = {"dagster/row_count": manifest.total_rows}
        elif isinstance(obj, pa.RecordBatchReader):
            # A stream too big to hold as a table; its schema version is the asset's.
            manifest = lake.write_records(partition, obj, context.definition_metadata.get("schema_version"))
            counts = {"dagster/row_count": manifest.total_rows}
        elif isinstance(obj, RawPagesOutput):
            manifest = lake.write_pages(partition, obj.pages, obj.sidecar_files)
            counts = {"pages": manifest.total_rows}
        else:
            raise TypeError(
                f"{partition.dataset}: the lake IO manager stores a pyarrow Table or a RawPagesOutput, "
                f"got {type(obj).__name__}"
            )
        context.add_output_metadata({**published_partition_metadata(lake, partition, manifest), **counts})

    def _publish_hours(self, context: dg.OutputContext, lake: Lake, obj: HourlyRawPagesOutput) -> None:
        """Publish each hour of a range run on its own manifest; its path, files and pages go on
        that hour's materialization (the figures of the whole run come with the output)."""
        keys = _output_partition_keys(context, obj)
        definition = context.asset_partitions_def
        for key in keys:
            window = definition.time_window_for_partition_key(key)
            partition = LakePartition.from_time_window(_dataset(context), window.start, window.end)
            hour = obj.hours[key]
            manifest = lake.write_pages(partition, hour.pages, hour.sidecar_files)
            context.step_context.add_asset_metadata(
                {**published_partition_metadata(lake, partition, manifest), "pages": manifest.total_rows},
                partition_key=key,
            )

    def load_input(self, context: dg.InputContext) -> pa.Table | RawPagesPartition:
        """One table over every upstream partition (in key order), or the raw pages of one partition."""
        lake = self.lake()
        published = lake.published_all(_input_partitions(context))
        dataset = published[0].partition.dataset
        formats = {partition.manifest.format for partition in published}
        if formats == {PARQUET_FORMAT}:
            return pa.concat_tables([lake.read_table(partition) for partition in published])
        if formats == {PAGES_FORMAT}:
            if len(published) != 1:
                raise UnsupportedPartitioningError(
                    f"{dataset}: raw pages are read one partition at a time, but {len(published)} "
                    f"partitions were requested ({published[0].key} .. {published[-1].key})"
                )
            (pages,) = published
            return RawPagesPartition(location=lake.location, partition=pages.partition, manifest=pages.manifest)
        raise UnsupportedPartitioningError(f"{dataset}: cannot read partitions stored as {sorted(formats)} together")


def published_partition_metadata(lake: Lake, partition: LakePartition, manifest: Manifest) -> dict[str, object]:
    """What the UI shows about a published partition: its path, its files with rows and bytes."""
    return {
        "path": dg.MetadataValue.path(lake.display_path(partition)),
        "files": dg.MetadataValue.md(_files_markdown(manifest.files)),
        "file_count": len(manifest.files),
        "bytes": manifest.total_bytes,
    }


def _dataset(context: dg.InputContext | dg.OutputContext) -> str:
    return context.asset_key.path[-1]


def _output_partition_keys(context: dg.OutputContext, obj: HourlyRawPagesOutput) -> list[str]:
    """The run's partition keys, which must be exactly the hours the output holds."""
    keys = list(context.asset_partition_keys) if context.has_asset_partitions else []
    if sorted(obj.hours) != sorted(keys):
        missing, extra = sorted(set(keys) - set(obj.hours)), sorted(set(obj.hours) - set(keys))
        raise UnsupportedPartitioningError(
            f"{_dataset(context)}: the run writes {len(keys)} partitions but the output holds {len(obj.hours)} "
            f"hours; missing {missing[:3]}, unexpected {extra[:3]}"
        )
    return keys


def _output_partition(context: dg.OutputContext) -> LakePartition:
    dataset = _dataset(context)
    if not context.has_asset_partitions:
        return LakePartition.unpartitioned(dataset)
    keys = context.asset_partition_keys
    if len(keys) != 1:
        raise UnsupportedPartitioningError(
            f"{dataset}: this run writes {len(keys)} partitions ({keys[0]} .. {keys[-1]}) in one output; "
            f"the lake writes one partition per run, so give the asset "
            f"backfill_policy=dg.BackfillPolicy.multi_run(1) (single partition per run)"
        )
    window = context.asset_partitions_time_window
    return LakePartition.from_time_window(dataset, window.start, window.end)


def _input_partitions(context: dg.InputContext) -> list[LakePartition]:
    dataset = _dataset(context)
    if not context.has_asset_partitions:
        return [LakePartition.unpartitioned(dataset)]
    definition = context.asset_partitions_def
    if not isinstance(definition, dg.TimeWindowPartitionsDefinition):
        raise UnsupportedPartitioningError(
            f"{dataset}: the lake stores hourly or daily time partitions, not {type(definition).__name__}"
        )
    partitions = []
    for key in context.asset_partition_keys:
        window = definition.time_window_for_partition_key(key)
        partitions.append(LakePartition.from_time_window(dataset, window.start, window.end))
    return partitions


def _schema_version(table: pa.Table) -> int | None:
    if "schema_version" not in table.column_names or table.num_rows == 0:
        return None
    return table.column("schema_version")[0].as_py()


def _files_markdown(files: Sequence[ManifestFile]) -> str:
    rows = [f"| {file.name} | {'' if file.rows is None else f'{file.rows:,}'} | {file.bytes:,} |" for file in files]
    return "\n".join(["| file | rows | bytes |", "| --- | ---: | ---: |", *rows])
