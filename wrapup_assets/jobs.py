"""Jobs a person launches from the UI or the CLI, one per partitioning."""

import dagster as dg

from wrapup_assets.assets import (
    genesys_divisions,
    genesys_queues,
    genesys_users,
    queue_wrapup_codes,
    raw_conversation_pages,
    wrapup_codes,
    wrapup_daily,
    wrapup_records,
    wrapup_summary_daily,
)
from wrapup_assets.assets.freshness import newest_hour_fresh
from wrapup_assets.partitions import daily_partitions, hourly_partitions

hourly_ingest_job = dg.define_asset_job(
    "hourly_ingest_job",
    # Freshness is about the lake as a whole, not the hour being written: it has its own job.
    selection=dg.AssetSelection.assets(raw_conversation_pages, wrapup_records)
    - dg.AssetSelection.checks(newest_hour_fresh),
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
directory_job = dg.define_asset_job(
    "directory_job",
    selection=[wrapup_codes, genesys_queues, genesys_users, genesys_divisions, queue_wrapup_codes],
    partitions_def=daily_partitions,
    description="Refresh the histories (codes, queues, users, divisions) and snapshot a day's queue codes.",
)
summary_job = dg.define_asset_job(
    "summary_job",
    selection=[wrapup_summary_daily],
    partitions_def=daily_partitions,
    description="Aggregate a UTC day of wrapup_daily into wrapup_summary_daily, named as of the day.",
)

freshness_check_job = dg.define_asset_job(
    "freshness_check_job",
    selection=dg.AssetSelection.checks(newest_hour_fresh),
    description="Warn when the newest hourly partition of wrapup_records is older than allowed.",
)

ALL_JOBS = [
    hourly_ingest_job,
    daily_compaction_job,
    wrapup_codes_job,
    directory_job,
    summary_job,
    freshness_check_job,
]
