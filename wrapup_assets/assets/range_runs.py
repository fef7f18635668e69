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
pinned by wrapup_assets_tests/contract/test_range_runs.py). A partition whose blocking checks fail
gets its failed evaluations and no materialization: nothing of it is published.
"""

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import dagster as dg
from dagster._core.definitions.asset_checks.asset_check_evaluation import (
    AssetCheckEvaluation,
    AssetCheckEvaluationTargetMaterializationData,
)

from wrapup_assets.settings import load_settings

DAYS_PER_RANGE_RUN = 31
"""Days of `wrapup_daily` per backfill run: the daemon launches the days that became ready in one
iteration together, so the runs follow the hourly ones rather than their size."""

with warnings.catch_warnings():
    # backfill_policy is a beta parameter in Dagster 1.13; silenced here only.
    warnings.simplefilter("ignore", dg.BetaWarning)
    hourly_backfill_policy = dg.BackfillPolicy.multi_run(load_settings().backfill_hours_per_run)
    daily_backfill_policy = dg.BackfillPolicy.multi_run(DAYS_PER_RANGE_RUN)


def is_range_run(context: dg.AssetExecutionContext) -> bool:
    """True when the step covers several partitions (a backfill run), not one."""
    return context.has_partition_key_range and len(context.partition_keys) > 1


@dataclass(frozen=True)
class PartitionOutcome:
    """What to record about one partition of a range run: its materialization's metadata (None when
    it was not published) and its check results."""

    asset_key: dg.AssetKey
    partition_key: str
    metadata: Mapping[str, object] | None
    results: Sequence[dg.AssetCheckResult] = ()


def record_partitions(context: dg.AssetExecutionContext, outcomes: Sequence[PartitionOutcome]) -> None:
    """Record the partitions of a range run: each published one as its materialization followed by
    its check results attached to it, the others by their check results alone.

    Called once the run's partitions are published (or from a `finally` when the run stops early),
    not as each is published, and the materializations that gate other assets first, in one
    stretch: the days of a range of hours then become ready for the daily compaction together, and
    the backfill daemon launches one run for them instead of one for whatever days were ready at
    each of its iterations. The check results follow, then the materializations without results
    (the quarantine).
    """
    published = [outcome for outcome in outcomes if outcome.metadata is not None]
    for outcome in published:
        if outcome.results:
            _log_materialization(context, outcome)
    targets = _latest_materializations(context, [outcome for outcome in published if outcome.results])
    for outcome in outcomes:
        if outcome.results:
            target = targets.get((outcome.asset_key, outcome.partition_key)) if outcome.metadata is not None else None
            record_check_results(context, outcome.asset_key, outcome.partition_key, outcome.results, target)
    for outcome in published:
        if not outcome.results:
            _log_materialization(context, outcome)


def _log_materialization(context: dg.AssetExecutionContext, outcome: PartitionOutcome) -> None:
    context.log_event(
        dg.AssetMaterialization(asset_key=outcome.asset_key, partition=outcome.partition_key, metadata=outcome.metadata)
    )


def _latest_materializations(
    context: dg.AssetExecutionContext, outcomes: Sequence[PartitionOutcome]
) -> dict[tuple[dg.AssetKey, str], AssetCheckEvaluationTargetMaterializationData]:
    """The latest materialization of each outcome's partition (the one just logged), as a check
    evaluation's target."""
    targets = {}
    for asset_key in {outcome.asset_key for outcome in outcomes}:
        keys = [outcome.partition_key for outcome in outcomes if outcome.asset_key == asset_key]
        records = context.instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=asset_key, asset_partitions=keys, storage_ids=None),
            limit=len(keys) * 4,
        ).records
        for record in records:  # newest first: keep the first seen per partition
            targets.setdefault(
                (asset_key, record.partition_key),
                AssetCheckEvaluationTargetMaterializationData(
                    storage_id=record.storage_id, run_id=record.run_id, timestamp=record.timestamp
                ),
            )
    return targets


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
