"""`wrapup_daily`: the day's 24 hourly partitions compacted into few large, sorted files.

Every conversation belongs to exactly one hour (by its start), so a key that appears twice in the
day means an hourly partition is wrong: the key check stops the compaction and names the key
instead of silently picking one copy. Rows are sorted by `interaction_timestamp` so engines prune
row groups on time ranges.
"""

import dagster as dg
import pyarrow as pa

from wrapup_assets.assets.metadata import (
    GROUP_NAME,
    OWNERS,
    column_schema,
    time_range_metadata,
    top_wrap_up_codes_markdown,
)
from wrapup_assets.checks import record_check_specs, validated_records
from wrapup_assets.partitions import daily_partitions
from wrapup_assets.records.schema import RECORD_KEY, RECORD_SCHEMA, SCHEMA_VERSION

SORT_ORDER = [("interaction_timestamp", "ascending")] + [(column, "ascending") for column in RECORD_KEY]


@dg.asset(
    partitions_def=daily_partitions,
    check_specs=record_check_specs("wrapup_daily", daily_partitions),
    group_name=GROUP_NAME,
    owners=OWNERS,
    kinds={"parquet"},
    metadata={"dagster/column_schema": column_schema(RECORD_SCHEMA), "schema_version": SCHEMA_VERSION},
    description=(
        "The UTC day's wrapup_records in zstd Parquet files of up to the target size, "
        "sorted by interaction_timestamp; published only when all 24 hours pass the checks."
    ),
)
def wrapup_daily(context: dg.AssetExecutionContext, wrapup_records: pa.Table):
    yield from validated_records(context, wrapup_records)
    day = wrapup_records.sort_by(SORT_ORDER)
    yield dg.Output(
        day,
        metadata={
            "top_wrap_up_codes": dg.MetadataValue.md(top_wrap_up_codes_markdown(day)),
            **time_range_metadata(day),
        },
    )
