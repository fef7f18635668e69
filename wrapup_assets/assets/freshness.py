"""`wrapup_records/newest_hour_fresh`: the lake's newest hour is recent enough (a WARN check).

Freshness is about the lake as a whole, not the hour a run writes: it is evaluated by its own job
(`freshness_check_job`, hourly through `freshness_schedule`). Dagster adds an asset's checks to
any selection of the asset, so a person materializing a historical hour with
`--select raw_conversation_pages,wrapup_records` would otherwise get a red check saying that 2024
is old; in a run that materializes `wrapup_records`, the check records no result (the UI shows it
as skipped) and leaves the verdict to its schedule.
"""

from datetime import UTC, datetime, timedelta

import dagster as dg

from wrapup_assets.assets.keys import RECORDS_KEY
from wrapup_assets.checks import check_results
from wrapup_assets.partitions import HOUR, hourly_partitions
from wrapup_assets.records.freshness import check_newest_hour, default_max_lag
from wrapup_assets.settings import DEFAULT_SETTLE_MINUTES

FRESHNESS_CHECK = "newest_hour_fresh"
FRESHNESS_CHECK_OP = "wrapup_records_newest_hour_fresh"
"""The check's op, the key of its run config (what `@dg.asset_check` named it before)."""


class FreshnessConfig(dg.Config):
    """Settings of the freshness check."""

    max_lag_hours: float = default_max_lag(timedelta(minutes=DEFAULT_SETTLE_MINUTES)) / HOUR
    """How long after its end the newest hour may still be the newest (default: settle delay 2 h
    + the hour + 1 h margin = 4 h; the freshness schedule derives it from WRAPUP_SETTLE_MINUTES)."""


@dg.multi_asset_check(
    specs=[
        dg.AssetCheckSpec(
            FRESHNESS_CHECK,
            asset=RECORDS_KEY,
            blocking=False,
            description="The newest materialized hour of wrapup_records ended no longer ago than max_lag_hours.",
        )
    ],
    can_subset=True,
    name=FRESHNESS_CHECK_OP,
)
def newest_hour_fresh(context: dg.AssetCheckExecutionContext, config: FreshnessConfig):
    if RECORDS_KEY in (context.run.asset_selection or ()):
        context.log.info(
            f"{FRESHNESS_CHECK} not evaluated: this run writes wrapup_records partitions; "
            "freshness_schedule evaluates it on its own"
        )
        return
    materialized = context.instance.get_materialized_partitions(RECORDS_KEY)
    newest_end = None
    if materialized:
        newest_end = hourly_partitions.time_window_for_partition_key(max(materialized)).end.astimezone(UTC)
    outcome = check_newest_hour(newest_end, datetime.now(UTC), config.max_lag_hours * HOUR)
    yield from check_results([(FRESHNESS_CHECK, outcome)], dg.AssetCheckSeverity.WARN)
