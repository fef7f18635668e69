"""`wrapup_daily`: the day's 24 hourly partitions compacted into few large, sorted files.

Every conversation belongs to exactly one hour (by its start), so a key that appears twice in the
day means an hourly partition is wrong: the key check stops the compaction and names the key
instead of silently picking one copy; an hour whose types drifted is named with its column. The
checks run over the whole day before anything is written (the IO manager publishes what it
writes), in a first pass that keeps only key hashes and counts; the rows are then streamed hour
after hour into the IO manager's rolling Parquet writer, sorted by `interaction_timestamp` so
engines prune row groups on time ranges. Memory is bounded by a few batches plus the day's key
hashes (8 bytes a row), not by the day (records/compaction.py, bench/compaction.py).
"""

from datetime import timedelta

import dagster as dg

from wrapup_assets.assets.conditions import daily_compaction_condition
from wrapup_assets.assets.lake_reads import read_published_manifests
from wrapup_assets.assets.metadata import GROUP_NAME, OWNERS, column_schema, top_wrap_up_codes_markdown
from wrapup_assets.checks import KEY_CHECK, SCHEMA_CHECK, check_results, raise_if_failed, record_check_specs
from wrapup_assets.lake.io_manager import LakeIOManager
from wrapup_assets.lake.partitioning import LakePartition
from wrapup_assets.partitions import daily_partitions, utc_window
from wrapup_assets.records.compaction import DayRecords, PublishedHour, scan_day
from wrapup_assets.records.schema import RECORD_SCHEMA, SCHEMA_VERSION

RECORDS_DATASET = "wrapup_records"


@dg.asset(
    partitions_def=daily_partitions,
    deps=[dg.AssetKey(RECORDS_DATASET)],
    check_specs=record_check_specs("wrapup_daily", daily_partitions),
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
def wrapup_daily(context: dg.AssetExecutionContext, io_manager: dg.ResourceParam[LakeIOManager]):
    day_start, day_end = utc_window(context)
    hours = [
        LakePartition.from_time_window(RECORDS_DATASET, start, start + timedelta(hours=1))
        for start in (day_start + timedelta(hours=hour) for hour in range((day_end - day_start) // timedelta(hours=1)))
    ]
    location = io_manager.location()
    manifests = read_published_manifests(location, hours)
    published = [PublishedHour(hour, manifests[hour.key]) for hour in hours]
    scan = scan_day(location, published, day_start, day_end)
    results = check_results([(SCHEMA_CHECK, scan.schema_outcome), (KEY_CHECK, scan.key_outcome)])
    yield from results
    raise_if_failed(context.partition_key, results)
    if not scan.hours_in_order:
        context.log.warning(
            f"The hours of {context.partition_key} overlap in time (an hour holds rows of another): "
            "sorting the day as a whole, in memory"
        )
    yield dg.Output(
        DayRecords(location, scan).reader(),
        metadata={
            "top_wrap_up_codes": dg.MetadataValue.md(top_wrap_up_codes_markdown(scan.code_counts)),
            **scan.time_range,
        },
    )
