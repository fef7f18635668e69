"""Backfills as a few runs over ranges of partitions, each partition still its own materialization.

An asset backfill runs `raw_conversation_pages` and `wrapup_records` (same hourly partitions, same
backfill policy: Dagster's backfill daemon puts them in the same run) over up to
`WRAPUP_BACKFILL_HOURS_PER_RUN` hours per run (default a week), and `wrapup_daily` over up to a
month of days per run; the live path (schedule, catch-up sensor, one partition from the UI) stays
one partition per run.

A plain range run records the same metadata on every partition and one check result for the whole
range. So the assets that check what they publish record each partition themselves, once it is
published: its own `AssetMaterialization`, then each check's evaluation attached to that
materialization (Dagster's internal `AssetCheckEvaluation` with `target_materialization_data`,
pinned by wrapup_assets_tests/assets/test_range_runs.py). A partition whose blocking checks fail
gets its failed evaluations and no materialization: nothing of it is published.
"""

import warnings
from collections.abc import Mapping, Sequence

import dagster as dg
from dagster._core.definitions.asset_checks.asset_check_evaluation import (
    AssetCheckEvaluation,
    AssetCheckEvaluationTargetMaterializationData,
)

from wrapup_assets.partitions import BACKFILL_HOURS_PER_RUN

DAYS_PER_RANGE_RUN = 31
"""Days of `wrapup_daily` per backfill run: the daemon launches the days that became ready in one
iteration together, so the runs follow the hourly ones rather than their size."""

with warnings.catch_warnings():
    # backfill_policy is a beta parameter in Dagster 1.13; silenced here only.
    warnings.simplefilter("ignore", dg.BetaWarning)
    hourly_backfill_policy = dg.BackfillPolicy.multi_run(BACKFILL_HOURS_PER_RUN)
    daily_backfill_policy = dg.BackfillPolicy.multi_run(DAYS_PER_RANGE_RUN)


def is_range_run(context: dg.AssetExecutionContext) -> bool:
    """True when the step covers several partitions (a backfill run), not one."""
    return context.has_partition_key_range and len(context.partition_keys) > 1


def record_published_partition(
    context: dg.AssetExecutionContext,
    asset_key: dg.AssetKey,
    partition_key: str,
    metadata: Mapping[str, object],
    results: Sequence[dg.AssetCheckResult],
) -> None:
    """Log a partition published inside a range run, then its check results attached to it."""
    context.log_event(dg.AssetMaterialization(asset_key=asset_key, partition=partition_key, metadata=metadata))
    (materialization,) = context.instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=asset_key, asset_partitions=[partition_key]), limit=1
    ).records
    target = AssetCheckEvaluationTargetMaterializationData(
        storage_id=materialization.storage_id, run_id=materialization.run_id, timestamp=materialization.timestamp
    )
    record_check_results(context, asset_key, partition_key, results, target)


def record_check_results(
    context: dg.AssetExecutionContext,
    asset_key: dg.AssetKey,
    partition_key: str,
    results: Sequence[dg.AssetCheckResult],
    target: AssetCheckEvaluationTargetMaterializationData | None = None,
) -> None:
    """Log check results on one partition; without a target (a partition not published) they
    attach to no materialization."""
    for result in results:
        context.log_event(
            AssetCheckEvaluation(
                asset_key=asset_key,
                check_name=result.check_name,
                passed=result.passed,
                metadata=result.metadata,
                severity=result.severity,
                description=result.description,
                partition=partition_key,
                target_materialization_data=target,
            )
        )
