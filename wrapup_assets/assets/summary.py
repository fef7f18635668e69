"""`wrapup_summary_daily`: the wrap-up mart, a UTC day of `wrapup_daily` per code, queue, media type
and direction, named as of the day (records/summary.py).

The day's files are read as the manifest lists them, by DuckDB within its memory limit (never one
table in memory); the histories are small and read whole. The blocking checks judge the computed rows before
anything is handed to the lake: on success the Output is yielded first (the IO manager publishes)
and the results after it, so they attach to the new materialization; on failure the failed results
are yielded and the step raises without an Output, so the previous version stays published.
"""

import warnings

import dagster as dg

from wrapup_assets.assets.conditions import summary_condition
from wrapup_assets.assets.metadata import GROUP_NAME, OWNERS, column_schema
from wrapup_assets.checks import check_results, raise_if_failed
from wrapup_assets.lake.io_manager import LakeIOManager
from wrapup_assets.lake.lake import Lake
from wrapup_assets.lake.partitioning import LakePartition
from wrapup_assets.partitions import daily_partitions, utc_window
from wrapup_assets.records.summary import (
    SUMMARY_SCHEMA,
    Histories,
    check_keys_unique,
    check_sessions_match,
    check_summary_schema,
    summarize_day,
    summary_markdown,
)

SUMMARY_DATASET = "wrapup_summary_daily"
DAILY_DATASET = "wrapup_daily"
HISTORY_DATASETS = ("wrapup_codes", "genesys_queues", "genesys_divisions")
KEY_CHECK, SESSIONS_CHECK, SCHEMA_CHECK = "key_unique", "sessions_equal_daily_rows", "summary_schema"


def _check_specs() -> list[dg.AssetCheckSpec]:
    """Partitioned check specs (a Dagster preview, like the records' checks): silenced here only."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.PreviewWarning)
        return [
            dg.AssetCheckSpec(
                name,
                asset=SUMMARY_DATASET,
                blocking=True,
                partitions_def=daily_partitions,
                description=description,
            )
            for name, description in (
                (KEY_CHECK, "(utc_date, wrap_up_code_id, queue_id, media_type, direction) is unique in the day."),
                (SESSIONS_CHECK, "sum(sessions) equals the day's wrapup_daily rows: every session counted once."),
                (SCHEMA_CHECK, "Columns, types and nullability of the mart; every row of the partition's day."),
            )
        ]


def _histories(lake: Lake, partition_key: str) -> Histories:
    tables = {}
    for dataset in HISTORY_DATASETS:
        table = lake.published_table(LakePartition.unpartitioned(dataset))
        if table is None:
            raise dg.Failure(
                f"{SUMMARY_DATASET} {partition_key}: {dataset} was never materialized, and the mart names its "
                f"groups from it: materialize {dataset} first (the directory_job refreshes all the histories)"
            )
        tables[dataset] = table
    return Histories(
        codes=tables["wrapup_codes"], queues=tables["genesys_queues"], divisions=tables["genesys_divisions"]
    )


@dg.asset(
    name=SUMMARY_DATASET,
    partitions_def=daily_partitions,
    deps=[dg.AssetKey(DAILY_DATASET), *(dg.AssetKey(dataset) for dataset in HISTORY_DATASETS)],
    check_specs=_check_specs(),
    automation_condition=summary_condition,
    group_name=GROUP_NAME,
    owners=OWNERS,
    kinds={"duckdb", "parquet"},
    metadata={"dagster/column_schema": column_schema(SUMMARY_SCHEMA)},
    description=(
        "The wrap-up mart: per UTC day, code, queue, media type and direction, sessions, conversations and "
        "handle / after-call-work sums, means and nearest-rank p50/p90, named as of the day's start."
    ),
)
def wrapup_summary_daily(context: dg.AssetExecutionContext, io_manager: dg.ResourceParam[LakeIOManager]):
    day_start, day_end = utc_window(context)
    lake = io_manager.lake()
    daily = lake.published(LakePartition.from_time_window(DAILY_DATASET, day_start, day_end))
    manifest = daily.manifest
    histories = _histories(lake, context.partition_key)
    summary = summarize_day(lake.file_paths(daily), histories, day_start, lake.location.filesystem)
    results = check_results(
        [
            (KEY_CHECK, check_keys_unique(summary)),
            (SESSIONS_CHECK, check_sessions_match(summary, manifest.total_rows)),
            (SCHEMA_CHECK, check_summary_schema(summary, day_start.date())),
        ]
    )
    if not all(result.passed for result in results):
        yield from results
        raise_if_failed(context.partition_key, results)
    yield dg.Output(
        summary,
        metadata={
            "groups": summary.num_rows,
            "sessions": manifest.total_rows,
            "groups_without_queue_name": summary.filter(summary["queue_name"].is_null()).num_rows,
            "busiest_groups": dg.MetadataValue.md(summary_markdown(summary)),
        },
    )
    yield from results
