"""Asset checks: the Dagster side of the pure check functions in `wrapup_assets.records`.

Blocking checks (schema, key, quarantine) run inside the asset that produces the data, before
anything is published: a failed check is recorded on the partition that caused it (partitioned
check specs), and the asset then stops, so bad rows never reach the lake or the daily files.

Warnings run as their own checks after the hour is published: reconciliation against the Genesys
aggregates (a partitioned check, so it reads only its hour and is recorded on it). Freshness of the
newest hour is in `assets/freshness.py`.
"""

import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC

import dagster as dg
import pyarrow as pa

from wrapup_assets.genesys.resource import GenesysCloudResource
from wrapup_assets.lake.io_manager import LakeIOManager
from wrapup_assets.partitions import hourly_partitions
from wrapup_assets.records.batch_checks import BatchChecks, KeyTables
from wrapup_assets.records.quarantine import QuarantinedConversation, check_quarantined_fraction
from wrapup_assets.records.reconciliation import (
    DEFAULT_TOLERANCE,
    RECONCILED_COLUMNS,
    aggregate_counts,
    reconcile_code_counts,
    row_counts,
)
from wrapup_assets.records.validation import CheckOutcome

SCHEMA_CHECK = "record_schema"
KEY_CHECK = "key_unique"
QUARANTINE_CHECK = "quarantine_within_threshold"
RECONCILIATION_CHECK = "reconciled_with_genesys_aggregates"
RECORDS_ASSET_KEY = dg.AssetKey("wrapup_records")


def record_check_specs(asset_name: str, partitions_def: dg.PartitionsDefinition) -> list[dg.AssetCheckSpec]:
    """The blocking schema and key-uniqueness checks of a records asset, one evaluation per partition.

    Partitioned check specs are a Dagster preview feature (1.13); we rely on them so that a failed
    check shows on the partition that caused it, and silence the preview warning here only.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.PreviewWarning)
        return _record_check_specs(asset_name, partitions_def)


def _record_check_specs(asset_name: str, partitions_def: dg.PartitionsDefinition) -> list[dg.AssetCheckSpec]:
    return [
        dg.AssetCheckSpec(
            SCHEMA_CHECK,
            asset=asset_name,
            blocking=True,
            partitions_def=partitions_def,
            description="Every row obeys record contract v1: Arrow types, nullability, times inside the partition.",
        ),
        dg.AssetCheckSpec(
            KEY_CHECK,
            asset=asset_name,
            blocking=True,
            partitions_def=partitions_def,
            description="(interaction_id, session_id) is unique in the partition.",
        ),
    ]


def quarantine_check_spec(asset_name: str) -> dg.AssetCheckSpec:
    """The blocking check that too many of the hour's conversations were not quarantined."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.PreviewWarning)
        return dg.AssetCheckSpec(
            QUARANTINE_CHECK,
            asset=asset_name,
            blocking=True,
            partitions_def=hourly_partitions,
            description="At most max_quarantined_fraction of the hour's conversations could not become records.",
        )


class ChecksFailed(dg.Failure):
    """Raised after recording failed checks, so the asset publishes nothing for the partition."""


def check_results(
    named_outcomes: Iterable[tuple[str, CheckOutcome]], severity: dg.AssetCheckSeverity = dg.AssetCheckSeverity.ERROR
) -> list[dg.AssetCheckResult]:
    """AssetCheckResults for (check name, outcome) pairs, with the severity of a failure and metadata kept."""
    return [
        dg.AssetCheckResult(
            check_name=name,
            passed=outcome.passed,
            severity=severity,
            description=outcome.description,
            metadata=dict(outcome.metadata),
        )
        for name, outcome in named_outcomes
    ]


def hour_check_results(
    checks: BatchChecks,
    key_tables: KeyTables,
    quarantine: Sequence[QuarantinedConversation],
    conversations_seen: int,
    max_quarantined_fraction: float,
) -> list[dg.AssetCheckResult]:
    """The schema, key and quarantine verdicts on an hour checked batch by batch."""
    return check_results(
        [
            (SCHEMA_CHECK, checks.schema_outcome()),
            (KEY_CHECK, checks.key_outcome(key_tables)),
            (
                QUARANTINE_CHECK,
                check_quarantined_fraction(list(quarantine), conversations_seen, max_quarantined_fraction),
            ),
        ]
    )


def published_then_checked(
    partition_key: str, results: Sequence[dg.AssetCheckResult], outputs: Iterable[dg.Output]
) -> Iterator[dg.Output | dg.AssetCheckResult]:
    """The outputs (which the IO manager publishes), then the check results, when every check passed;
    only the failed results and a ChecksFailed otherwise, so nothing is published.

    Dagster attaches a check result to the latest materialization of its partition when the result
    is recorded: after the Output, that is the materialization the checks validated (the UI shows
    the partition's check as passed); before it, the previous version, or none on a first write.
    """
    if any(not result.passed for result in results):
        yield from results
        raise_if_failed(partition_key, results)
    yield from outputs
    yield from results


def raise_if_failed(partition_key: str, results: Sequence[dg.AssetCheckResult]) -> None:
    """Stop the step when a check failed, naming the partition and what failed."""
    failed = [result for result in results if not result.passed]
    if failed:
        reasons = "; ".join(f"{result.check_name}: {result.description}" for result in failed)
        raise ChecksFailed(
            description=f"Partition {partition_key} not published, checks failed: {reasons}",
            metadata={"failed_checks": ", ".join(result.check_name for result in failed)},
        )


def reconciliation_result(
    records: pa.Table, aggregates: Mapping, tolerance: float = DEFAULT_TOLERANCE
) -> dg.AssetCheckResult:
    """The reconciliation verdict on an hour's rows (at least RECONCILED_COLUMNS) against the
    Genesys aggregates response for that hour: a warning, never a blocker."""
    outcome = reconcile_code_counts(row_counts(records), aggregate_counts(aggregates), tolerance)
    (result,) = check_results([(RECONCILIATION_CHECK, outcome)], dg.AssetCheckSeverity.WARN)
    return result


class ReconciliationConfig(dg.Config):
    """Settings of the reconciliation check."""

    tolerance: float = DEFAULT_TOLERANCE
    """Per wrap-up code, the allowed difference as a share of the larger count (default 5%)."""


def _reconciliation_check() -> dg.AssetChecksDefinition:
    # Partitioned checks are a Dagster preview (1.13): silence its warning here only.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.PreviewWarning)

        @dg.asset_check(
            asset=RECORDS_ASSET_KEY,
            name=RECONCILIATION_CHECK,
            partitions_def=hourly_partitions,
            pool="genesys_api",
            blocking=False,
            description=(
                "Rows per wrap-up code of the hour (with a handle time) equal the Genesys aggregates "
                "(tHandle count grouped by wrapUpCode), within the tolerance."
            ),
        )
        def reconciled_with_genesys_aggregates(
            context: dg.AssetCheckExecutionContext,
            config: ReconciliationConfig,
            genesys: GenesysCloudResource,
            io_manager: dg.ResourceParam[LakeIOManager],
        ) -> dg.AssetCheckResult:
            window = hourly_partitions.time_window_for_partition_key(context.partition_key)
            start, end = window.start.astimezone(UTC), window.end.astimezone(UTC)
            # Read the two columns it counts, not the hour through the IO manager: a busy hour is
            # hundreds of MB as a table, and a check's input cannot ask the IO manager for columns.
            lake = io_manager.lake()
            published = lake.published(lake.hour(RECORDS_ASSET_KEY.to_user_string(), start))
            records = lake.read_table(published, columns=RECONCILED_COLUMNS)
            with genesys.get_client() as client:
                response = client.aggregate_wrapup_codes(start, end)
            return reconciliation_result(records, response, config.tolerance)

    return reconciled_with_genesys_aggregates


reconciled_with_genesys_aggregates = _reconciliation_check()

ALL_CHECKS = [reconciled_with_genesys_aggregates]
