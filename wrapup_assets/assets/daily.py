"""`wrapup_daily`: the day's 24 hourly partitions compacted into few large, sorted files.

Every conversation belongs to exactly one hour (by its start), so a key that appears twice in the
day means an hourly partition is wrong: the key check stops the compaction and names the key
instead of silently picking one copy. The hours are read one table each and their types compared
with the contract before they are concatenated, so an hour whose types drifted is named with its
column instead of failing the concatenation. Rows are sorted by `interaction_timestamp` so engines
prune row groups on time ranges.
"""

from datetime import timedelta

import dagster as dg

from wrapup_assets.assets.lake_reads import read_published_tables
from wrapup_assets.assets.metadata import (
    GROUP_NAME,
    OWNERS,
    column_schema,
    time_range_metadata,
    top_wrap_up_codes_markdown,
)
from wrapup_assets.automation.conditions import daily_compaction_condition
from wrapup_assets.checks import record_check_specs, validated_day
from wrapup_assets.lake.io_manager import LakeIOManager
from wrapup_assets.lake.partitioning import LakePartition
from wrapup_assets.partitions import daily_partitions, utc_window
from wrapup_assets.records.schema import RECORD_KEY, RECORD_SCHEMA, SCHEMA_VERSION

SORT_ORDER = [("interaction_timestamp", "ascending")] + [(column, "ascending") for column in RECORD_KEY]
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
    hour_tables = read_published_tables(io_manager.location(), hours)
    day = yield from validated_day(context, hour_tables)
    day = day.sort_by(SORT_ORDER)
    yield dg.Output(
        day,
        metadata={
            "top_wrap_up_codes": dg.MetadataValue.md(top_wrap_up_codes_markdown(day)),
            **time_range_metadata(day),
        },
    )
