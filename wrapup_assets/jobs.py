"""Jobs a person launches from the UI or the CLI, one per partitioning."""

import dagster as dg

from wrapup_assets.assets import raw_conversation_pages, wrapup_codes, wrapup_daily, wrapup_records
from wrapup_assets.partitions import daily_partitions, hourly_partitions

hourly_ingest_job = dg.define_asset_job(
    "hourly_ingest_job",
    selection=[raw_conversation_pages, wrapup_records],
    partitions_def=hourly_partitions,
    description="Export one UTC hour from Genesys: raw pages, then the typed records.",
)
daily_compaction_job = dg.define_asset_job(
    "daily_compaction_job",
    selection=[wrapup_daily],
    partitions_def=daily_partitions,
    description="Compact a UTC day's 24 hourly partitions into the daily files.",
)
wrapup_codes_job = dg.define_asset_job(
    "wrapup_codes_job",
    selection=[wrapup_codes],
    description="Refresh the wrap-up code catalog.",
)

ALL_JOBS = [hourly_ingest_job, daily_compaction_job, wrapup_codes_job]
