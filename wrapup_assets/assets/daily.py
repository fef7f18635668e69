"""`wrapup_daily`: the day's 24 hourly partitions compacted into few large, sorted files.

Every conversation belongs to exactly one hour (by its start), so a key that appears twice in the
day means an hourly partition is wrong: the key check stops the compaction and names the key
instead of silently picking one copy; an hour whose types drifted is named with its column. The
checks run over the whole day before anything is written, in a first pass that keeps only key
hashes and counts; the rows are then streamed hour after hour into the lake's rolling Parquet
writer, sorted by `interaction_timestamp` so engines prune row groups on time ranges. Memory is
bounded by a few batches plus the day's key hashes (8 bytes a row), not by the day
(records/compaction.py, bench/compaction.py). A run over a range of days (a backfill,
`assets.range_runs`) compacts them one after another, each recorded as its own materialization
with its own check results.
"""

from datetime import timedelta

import dagster as dg

from wrapup_assets.assets.conditions import daily_compaction_condition
from wrapup_assets.assets.metadata import GROUP_NAME, OWNERS, column_schema, top_wrap_up_codes_markdown
from wrapup_assets.assets.range_runs import (
    PartitionOutcome,
    daily_backfill_policy,
    is_range_run,
    record_partitions,
)
from wrapup_assets.checks import (
    KEY_CHECK,
    SCHEMA_CHECK,
    ChecksFailed,
    check_results,
    published_then_checked,
    record_check_specs,
)
from wrapup_assets.lake.io_manager import LakeIOManager, published_partition_metadata
from wrapup_assets.lake.lake import Lake
from wrapup_assets.partitions import HOUR, daily_partitions, day_start
from wrapup_assets.records.compaction import DayRecords, DayScan, scan_day
from wrapup_assets.records.schema import RECORD_SCHEMA, SCHEMA_VERSION

DAILY_ASSET = "wrapup_daily"
RECORDS_DATASET = "wrapup_records"


@dg.multi_asset(
    name=DAILY_ASSET,
    partitions_def=daily_partitions,
    backfill_policy=daily_backfill_policy,
    deps=[dg.AssetKey(RECORDS_DATASET)],
    outs={
        DAILY_ASSET: dg.AssetOut(
            # Not required: a day of a range run is recorded by the asset itself once published.
            is_required=False,
            automation_condition=daily_compaction_condition,
            group_name=GROUP_NAME,
            owners=OWNERS,
            kinds={"parquet"},
            metadata={"dagster/column_schema": column_schema(RECORD_SCHEMA), "schema_version": SCHEMA_VERSION},
            description=(
                "The UTC day's wrapup_records in zstd Parquet files of up to the target size, "
                "sorted by interaction_timestamp; published only when all 24 hours pass the checks."
            ),
        )
    },
    check_specs=record_check_specs(DAILY_ASSET, daily_partitions),
    # Lets the day's check results of a range run be recorded per day instead of as the step's outputs.
    can_subset=True,
)
def wrapup_daily(context: dg.AssetExecutionContext, io_manager: dg.ResourceParam[LakeIOManager]):
    lake = io_manager.lake()
    if not is_range_run(context):
        (key,) = context.partition_keys
        scan = _scan(context, lake, key)
        results = _results(scan)
        outputs = []
        if scan.passed:
            outputs.append(
                dg.Output(DayRecords(lake, scan).reader(), output_name=DAILY_ASSET, metadata=_metadata(scan))
            )
        yield from published_then_checked(key, results, outputs)
        return
    failed = []
    outcomes: list[PartitionOutcome] = []
    daily = dg.AssetKey(DAILY_ASSET)
    try:
        for key in context.partition_keys:
            scan = _scan(context, lake, key)
            results = _results(scan)
            if not scan.passed:
                context.log.error(f"{key} not published: its checks failed")
                outcomes.append(PartitionOutcome(daily, key, None, results))
                failed.append(key)
                continue
            partition = lake.day(DAILY_ASSET, day_start(key))
            manifest = lake.write_records(partition, DayRecords(lake, scan).reader(), SCHEMA_VERSION)
            metadata = {
                **published_partition_metadata(lake, partition, manifest),
                "dagster/row_count": manifest.total_rows,
                **_metadata(scan),
            }
            outcomes.append(PartitionOutcome(daily, key, metadata, results))
    finally:
        record_partitions(context, outcomes)
    if failed:
        raise ChecksFailed(
            description=(
                f"{len(failed)} of {len(context.partition_keys)} days not published, their checks failed: "
                f"{', '.join(failed)}. The other days are published."
            ),
            metadata={"failed_days": ", ".join(failed)},
        )


def _scan(context: dg.AssetExecutionContext, lake: Lake, key: str) -> DayScan:
    """Pass one over the day's 24 published hours (an error naming those not published)."""
    first_hour = day_start(key)
    hours = lake.published_all([lake.hour(RECORDS_DATASET, first_hour + hour * HOUR) for hour in range(24)])
    scan = scan_day(lake, hours, first_hour, first_hour + timedelta(days=1))
    if scan.passed and not scan.hours_in_order:
        context.log.warning(
            f"The hours of {key} overlap in time (an hour holds rows of another): sorting the day as a whole, in memory"
        )
    return scan


def _results(scan: DayScan) -> list[dg.AssetCheckResult]:
    return check_results([(SCHEMA_CHECK, scan.schema_outcome), (KEY_CHECK, scan.key_outcome)])


def _metadata(scan: DayScan) -> dict[str, object]:
    return {"top_wrap_up_codes": dg.MetadataValue.md(top_wrap_up_codes_markdown(scan.code_counts)), **scan.time_range}
