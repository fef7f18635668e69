"""The Dagster IO manager that stores assets in the lake: thin glue over staging, publishing and reading."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence

import dagster as dg
import pyarrow as pa
from dagster_aws.s3 import S3Resource
from pydantic import Field

from wrapup_assets.lake.errors import PartitionNotPublishedError, UnsupportedPartitioningError
from wrapup_assets.lake.location import LAKE_URL_ENV_VAR, LakeLocation
from wrapup_assets.lake.manifest import Manifest, ManifestFile, read_manifest
from wrapup_assets.lake.page_files import write_pages
from wrapup_assets.lake.parquet_files import DEFAULT_TARGET_FILE_BYTES, read_parquet_partition, write_parquet_parts
from wrapup_assets.lake.partitioning import LakePartition
from wrapup_assets.lake.payloads import HourlyRawPagesOutput, MetadataFigure, RawPagesOutput, RawPagesPartition
from wrapup_assets.lake.publish import StagedPartition, stage_partition

PARQUET_FORMAT = "parquet"
PAGES_FORMAT = "jsonl.zst"


class LakeIOManager(dg.ConfigurableIOManager):
    """Stores each asset partition as a published lake partition, Hive-laid-out and manifest-guarded.

    A ``pa.Table`` or ``pa.RecordBatchReader`` becomes Parquet part files; a ``RawPagesOutput``
    becomes pages.jsonl.zst plus its sidecar files; an ``HourlyRawPagesOutput`` (a multi-partition
    run) becomes one such partition per hour. Downstream assets read exactly the files each
    upstream manifest lists.
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

    def location(self) -> LakeLocation:
        """The lake root this IO manager reads and writes."""
        return LakeLocation.from_url(self.lake_url, self.s3)

    def handle_output(self, context: dg.OutputContext, obj: object) -> None:
        """Stage and publish one partition (or each hour of an ``HourlyRawPagesOutput``), then tell
        the UI where it went and what it holds."""
        location = self.location()
        if isinstance(obj, HourlyRawPagesOutput):
            self._publish_hours(context, location, obj)
            return
        partition = _output_partition(context)
        if isinstance(obj, pa.Table):
            with stage_partition(location, partition, PARQUET_FORMAT, _schema_version(obj)) as staged:
                write_parquet_parts(obj, obj.schema, staged, self.target_file_bytes)
                manifest = staged.publish()
            counts: dict[str, MetadataFigure] = {"dagster/row_count": manifest.total_rows}
        elif isinstance(obj, pa.RecordBatchReader):
            # A stream too big to hold as a table (the daily compaction); its schema version is the asset's.
            schema_version = context.definition_metadata.get("schema_version")
            with stage_partition(location, partition, PARQUET_FORMAT, schema_version) as staged:
                write_parquet_parts(obj, obj.schema, staged, self.target_file_bytes)
                manifest = staged.publish()
            counts = {"dagster/row_count": manifest.total_rows}
        elif isinstance(obj, RawPagesOutput):
            try:
                with stage_partition(location, partition, PAGES_FORMAT) as staged:
                    pages_file = _stage_raw_pages(obj, staged)
                    manifest = staged.publish()
            finally:
                _close(obj.close)
            counts = {"pages": pages_file.rows or 0, **(obj.summary() if obj.summary else {})}
        else:
            raise TypeError(
                f"{partition.dataset}: the lake IO manager stores a pyarrow Table or a RawPagesOutput, "
                f"got {type(obj).__name__}"
            )
        context.add_output_metadata({**_partition_metadata(location, partition, manifest), **counts})

    def _publish_hours(self, context: dg.OutputContext, location: LakeLocation, obj: HourlyRawPagesOutput) -> None:
        """Stage every hour, then publish each on its own manifest: a failure while fetching or
        writing any hour publishes none, and a reader never sees an hour half written.

        Each hour's own figures (path, files, pages) go on that partition's materialization; the
        run-wide ones (requests, fetch path) on all of them.
        """
        try:
            keys = _output_partition_keys(context, obj)
            definition = context.asset_partitions_def
            hour_figures: dict[str, tuple[StagedPartition, dict[str, MetadataFigure]]] = {}
            with contextlib.ExitStack() as stages:
                for key in keys:
                    window = definition.time_window_for_partition_key(key)
                    partition = LakePartition.from_time_window(_dataset(context), window.start, window.end)
                    staged = stages.enter_context(stage_partition(location, partition, PAGES_FORMAT))
                    hour = obj.hours[key]
                    pages_file = _stage_raw_pages(hour, staged)
                    hour_figures[key] = (
                        staged,
                        {"pages": pages_file.rows or 0, **(hour.summary() if hour.summary else {})},
                    )
                for key, (staged, figures) in hour_figures.items():
                    manifest = staged.publish()
                    context.step_context.add_asset_metadata(
                        {**_partition_metadata(location, staged.partition, manifest), **figures}, partition_key=key
                    )
        finally:
            _close(obj.close)
        context.add_output_metadata({"hours_in_run": len(keys), **(obj.summary() if obj.summary else {})})

    def load_input(self, context: dg.InputContext) -> pa.Table | RawPagesPartition:
        """One table over every upstream partition (in key order), or the raw pages of one partition."""
        location = self.location()
        partitions = _input_partitions(context)
        manifests = _read_manifests(location, partitions)
        dataset = partitions[0].dataset
        formats = {manifest.format for manifest in manifests}
        if formats == {PARQUET_FORMAT}:
            tables = [
                read_parquet_partition(location, partition, manifest)
                for partition, manifest in zip(partitions, manifests, strict=True)
            ]
            return pa.concat_tables(tables)
        if formats == {PAGES_FORMAT}:
            if len(partitions) != 1:
                raise UnsupportedPartitioningError(
                    f"{dataset}: raw pages are read one partition at a time, but {len(partitions)} "
                    f"partitions were requested ({partitions[0].key} .. {partitions[-1].key})"
                )
            return RawPagesPartition(location=location, partition=partitions[0], manifest=manifests[0])
        raise UnsupportedPartitioningError(f"{dataset}: cannot read partitions stored as {sorted(formats)} together")


def _dataset(context: dg.InputContext | dg.OutputContext) -> str:
    return context.asset_key.path[-1]


def _output_partition_keys(context: dg.OutputContext, obj: HourlyRawPagesOutput) -> list[str]:
    """The run's partition keys, which must be exactly the hours the output holds."""
    keys = list(context.asset_partition_keys) if context.has_asset_partitions else []
    if sorted(obj.hours) != sorted(keys):
        missing, extra = sorted(set(keys) - set(obj.hours)), sorted(set(obj.hours) - set(keys))
        raise UnsupportedPartitioningError(
            f"{_dataset(context)}: the run writes partitions {keys[:1]}..{keys[-1:]} ({len(keys)}) but the output "
            f"holds hours {sorted(obj.hours)[:1]}..{sorted(obj.hours)[-1:]} ({len(obj.hours)}); "
            f"missing {missing[:3]}, unexpected {extra[:3]}"
        )
    return keys


def _stage_raw_pages(obj: RawPagesOutput, staged: StagedPartition) -> ManifestFile:
    """pages.jsonl.zst streamed from the pages, then the sidecar files, into the stage."""
    pages_file = write_pages(obj.pages, staged)
    for name, data in obj.sidecar_files.items():
        with staged.open_output_stream(name) as stream:
            stream.write(data)
        staged.add_file(name, rows=None)
    return pages_file


def _partition_metadata(location: LakeLocation, partition: LakePartition, manifest: Manifest) -> dict[str, object]:
    return {
        "path": dg.MetadataValue.path(location.display_path(location.join(partition.relative_dir))),
        "files": dg.MetadataValue.md(_files_markdown(manifest.files)),
        "file_count": len(manifest.files),
        "bytes": manifest.total_bytes,
    }


def _close(close: Callable[[], None] | None) -> None:
    if close is not None:
        close()


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


def _read_manifests(location: LakeLocation, partitions: Sequence[LakePartition]) -> list[Manifest]:
    """Every partition's manifest; one error listing all the missing ones, not just the first."""
    manifests: list[Manifest] = []
    missing: dict[str | None, str] = {}
    for partition in partitions:
        try:
            manifests.append(read_manifest(location, partition))
        except PartitionNotPublishedError as error:
            missing.update(error.missing)
    if missing:
        raise PartitionNotPublishedError(partitions[0].dataset, missing)
    return manifests


def _schema_version(table: pa.Table) -> int | None:
    if "schema_version" not in table.column_names or table.num_rows == 0:
        return None
    return table.column("schema_version")[0].as_py()


def _files_markdown(files: Sequence[ManifestFile]) -> str:
    rows = [f"| {file.name} | {'' if file.rows is None else f'{file.rows:,}'} | {file.bytes:,} |" for file in files]
    return "\n".join(["| file | rows | bytes |", "| --- | ---: | ---: |", *rows])
